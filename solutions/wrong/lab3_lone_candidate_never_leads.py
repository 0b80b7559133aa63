"""start() only arms the children watch and leaves deciding to it: a candidate alone never leads.

It waits for the children to change before it looks at them, which every
check with five or more candidates forgives (the next join wakes it).
A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('alone', 'right after creating your node')
MUTATIONS = [
    ('            self._active = True\n'
     '            elected = self._look()\n',
     '            self._active = True\n'
     '            # decide once the election changes: the children watch will call _look()\n'
     '            self.zk.get_children(self.election_path, watch=self._on_children)\n'
     '            self.watching = self.election_path\n'
     '            elected = False\n'),
]
