"""Every candidate watches the election's children instead of its predecessor.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('children',)
MUTATIONS = [
    ('            children = self.zk.get_children(self.election_path)      # no watch here\n',
     '            self._generation += 1\n'
     '            children = self.zk.get_children(self.election_path,\n'
     '                                            watch=self._make_watch(self._generation))\n'),
    ('            self._generation += 1\n'
     '            watch = self._make_watch(self._generation)\n'
     '            try:\n'
     '                self.zk.get(path, watch=watch)   # a data read: no watch is left if it is gone\n'
     '            except NoNodeError:\n'
     '                continue                         # it vanished meanwhile: read the children again\n',
     ''),
]
