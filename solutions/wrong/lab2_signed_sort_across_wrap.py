"""sort_candidates() and predecessor() compare the plain signed numbers, so past the 32-bit wrap the newcomer (-2147483648) sorts first and leads beside the old leader."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('signed',)
MUTATIONS = [
    ('    return [c for _, c in sorted((serial_distance(ref, n), c) for n, c in numbered)]\n',
     '    return [c for _, c in sorted(numbered)]\n'),
    ('        if serial_distance(mine, sequence_number(c)) >= 0:\n',
     '        if sequence_number(c) >= mine:\n'),
]
