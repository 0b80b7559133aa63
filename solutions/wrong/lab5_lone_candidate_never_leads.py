"""After creating its node the worker waits for the children to change before deciding: alone, it never leads.

Every check that starts several candidates forgives it (the next join wakes
it). A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('alone', 'right after creating your node')
MUTATIONS = [
    ('        if self.node is None:\n'
     '            self._ensure_node()\n',
     '        if self.node is None:\n'
     '            self._ensure_node()\n'
     '            # a new node: decide once the election changes (the watch wakes us)\n'
     '            self.zk.get_children(self.election_path, watch=self._on_watch)\n'
     '            return\n'),
]
