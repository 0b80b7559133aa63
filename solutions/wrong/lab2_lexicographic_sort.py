"""sort_candidates() sorts the names as text instead of by sequence number."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('as text',)
MUTATIONS = [
    ('    return [c for _, c in sorted((serial_distance(ref, n), c) for n, c in numbered)]\n',
     '    return sorted(c for _, c in numbered)\n'),
]
