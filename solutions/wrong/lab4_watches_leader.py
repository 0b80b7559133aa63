"""Every candidate watches the leader (the first node) while reporting its predecessor in `watching`.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('the leader', 'just before')
MUTATIONS = [
    ('            path = f"{self.election_path}/{before}"\n'
     '            self._generation += 1\n',
     '            path = f"{self.election_path}/{before}"\n'
     '            first = f"{self.election_path}/{sort_candidates(children)[0]}"\n'
     '            self._generation += 1\n'),
    ('                self.zk.get(path, watch=watch)   # a data read: no watch is left if it is gone\n',
     '                self.zk.get(first, watch=watch)   # a data read: no watch is left if it is gone\n'),
]
