"""resign() deletes the node but leaves is_leader True.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('after resign()', 'is_leader')
MUTATIONS = [
    ('            self._active = False\n'
     '            self.is_leader, self.watching = False, None\n'
     '            try:\n',
     '            self._active = False\n'
     '            self.watching = None\n'
     '            try:\n'),
]
