"""Sets a watch only the first time; after it fires, the candidate re-reads the children but never watches again.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('re-arm',)
MUTATIONS = [
    ('            watch = self._make_watch(self._generation)\n',
     '            watch = self._make_watch(self._generation) if not getattr(self, "_armed", False) else None\n'
     '            self._armed = True\n'),
]
