"""predecessor() walks sort_candidates' (right) order but stops at the first number >= its own as plain ints, so past the 32-bit wrap the newcomer finds no predecessor and leads."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('RFC 1982',)
MUTATIONS = [
    ('        if serial_distance(mine, sequence_number(c)) >= 0:\n',
     '        if sequence_number(c) >= mine:\n'),
]
