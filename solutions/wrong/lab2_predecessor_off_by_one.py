"""predecessor() returns the candidate just AFTER me instead of the one before."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('just after',)
MUTATIONS = [
    ('    mine = sequence_number(me)\n'
     '    before = None\n'
     '    for c in sort_candidates(children):\n'
     '        if serial_distance(mine, sequence_number(c)) >= 0:\n'
     '            break                   # creation order: nothing further on came before me\n'
     '        before = c\n'
     '    return before\n',
     '    order = sort_candidates(children)\n'
     '    i = order.index(me)\n'
     '    return order[i + 1] if i + 1 < len(order) else None\n'),
]
