"""The herd candidate reads the children with a watch only once and never sets the watch again.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('re-arm',)
MUTATIONS = [
    ('        children = self.zk.get_children(self.election_path, watch=self._on_children)\n',
     '        first_time = not getattr(self, "_armed", False)\n'
     '        self._armed = True\n'
     '        children = self.zk.get_children(self.election_path,\n'
     '                                        watch=self._on_children if first_time else None)\n'),
]
