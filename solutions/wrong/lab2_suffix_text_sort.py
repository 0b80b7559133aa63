"""sort_candidates() sorts by the text after '-n_', which orders negative numbers wrongly."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('as text',)
MUTATIONS = [
    ('    return [c for _, c in sorted((serial_distance(ref, n), c) for n, c in numbered)]\n',
     '    return sorted((c for _, c in numbered), key=lambda c: c.rpartition(MARKER)[2])\n'),
]
