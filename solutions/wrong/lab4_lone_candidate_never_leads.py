"""start() waits for a change among the children before it decides: a candidate alone never leads.

Every check with five or more candidates forgives it (the next join wakes the
one before). A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('alone', 'right after creating your node')
MUTATIONS = [
    ('            self._active = True\n'
     '            elected = self._decide()\n',
     '            self._active = True\n'
     '            # decide once the election changes (someone joins or leaves)\n'
     '            self.zk.get_children(self.election_path, watch=self._on_first_change)\n'
     '            elected = False\n'),
    ('    def _announce(self):\n',
     '    def _on_first_change(self, event):\n'
     '        with self._lock:\n'
     '            if not self._active:\n'
     '                return\n'
     '            elected = self._decide()\n'
     '        if elected:\n'
     '            self._announce()\n'
     '\n'
     '    def _announce(self):\n'),
]
