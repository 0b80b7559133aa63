"""predecessor() returns the first candidate (the leader) instead of the one just before me."""
MUTATIONS = [
    ('    mine = sequence_number(me)\n'
     '    before = None\n'
     '    for c in sort_candidates(children):\n'
     '        if sequence_number(c) >= mine:\n'
     '            break                   # sorted: nothing further on is smaller\n'
     '        before = c\n'
     '    return before\n',
     '    order = sort_candidates(children)\n'
     '    if not order or order[0] == me:\n'
     '        return None\n'
     '    return order[0]\n'),
]
