"""sort_candidates() parses every child, so a non-candidate child ('config', 'lock') makes it raise."""
MUTATIONS = [
    ('        try:\n'
     '            numbered.append((sequence_number(c), c))\n'
     '        except ValueError:\n'
     '            pass                    # not a candidate: left out\n',
     '        numbered.append((sequence_number(c), c))\n'),
]
