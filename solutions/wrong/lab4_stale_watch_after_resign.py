"""A resigned candidate still acts on its old watch: it volunteers again when its predecessor goes.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('volunteer again',)
MUTATIONS = [
    ('                if not self._active or generation != self._generation:\n',
     '                if generation != self._generation and self._active:\n'),
    ('                    return\n'
     '                try:\n',
     '                    return\n'
     '                if not self._active:\n'
     '                    self.node = volunteer(self.zk, self.election_path, self.guid)\n'
     '                    self._active = True\n'
     '                try:\n'),
]
