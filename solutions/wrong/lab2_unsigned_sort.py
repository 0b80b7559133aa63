"""sort_candidates() reads the numbers as unsigned 32-bit values: right across 2147483647 -> -2147483648, but past -1 -> 0 the newcomer (0) sorts first."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('unsigned',)
MUTATIONS = [
    ('    return [c for _, c in sorted((serial_distance(ref, n), c) for n, c in numbered)]\n',
     '    return [c for _, c in sorted((n % 2**32, c) for n, c in numbered)]\n'),
]
