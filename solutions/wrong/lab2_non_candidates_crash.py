"""sort_candidates() parses every child, so a non-candidate child ('config', 'lock') makes it raise."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('not a candidate',)
MUTATIONS = [
    ('        try:\n'
     '            numbered.append((sequence_number(c), c))\n'
     '        except ValueError:\n'
     '            pass                    # not a candidate: left out\n',
     '        numbered.append((sequence_number(c), c))\n'),
]
