"""Watches the right node but never sets `watching` (it stays None).

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('watching',)
MUTATIONS = [
    ('            self.watching = path\n',
     ''),
]
