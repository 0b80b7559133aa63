"""When its predecessor goes, the candidate takes the lead without reading the children again.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('read the children again',)
MUTATIONS = [
    ('                try:\n'
     '                    elected = self._decide()\n'
     "                except Exception:               # connection trouble: Lab 5's business\n"
     '                    return\n',
     '                self.is_leader, self.watching = True, None     # my predecessor is gone: I lead\n'
     '                elected = True\n'),
]
