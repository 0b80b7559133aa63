"""The herd candidate picks the leader by sorting the full child names instead of the sequence numbers.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('as text', 'sequence number')
MUTATIONS = [
    ('        first = sort_candidates(children)[0]\n',
     '        first = sorted(children)[0]\n'),
]
