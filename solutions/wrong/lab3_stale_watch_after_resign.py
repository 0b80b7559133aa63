"""A resigned herd candidate still reacts to its old watch and volunteers again.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('resigned', 'watches nothing')
MUTATIONS = [
    ('                return                          # a stale watch of a resigned candidate\n',
     '                self.node = volunteer(self.zk, self.election_path, self.guid)   # back in the game\n'
     '                self._active = True\n'),
]
