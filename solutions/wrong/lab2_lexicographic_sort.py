"""sort_candidates() sorts the names as text instead of by sequence number."""
MUTATIONS = [
    ('    return [c for _, c in sorted((serial_distance(ref, n), c) for n, c in numbered)]\n',
     '    return sorted(c for _, c in numbered)\n'),
]
