"""predecessor() returns the first candidate (the leader) instead of the one just before me."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('the leader', 'just before')
MUTATIONS = [
    ('    mine = sequence_number(me)\n'
     '    before = None\n'
     '    for c in sort_candidates(children):\n'
     '        if serial_distance(mine, sequence_number(c)) >= 0:\n'
     '            break                   # creation order: nothing further on came before me\n'
     '        before = c\n'
     '    return before\n',
     '    order = sort_candidates(children)\n'
     '    if not order or order[0] == me:\n'
     '        return None\n'
     '    return order[0]\n'),
]
