"""sequence_number() accepts only ten digits after '-n_' (like kazoo's own regex), so a wrapped, negative number raises ValueError and its candidate is dropped as a non-candidate."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('minus sign',)
MUTATIONS = [
    ('    if not (marker and number is not None and INT_MIN <= number <= INT_MAX\n',
     '    if not (marker and number is not None and 0 <= number <= INT_MAX\n'),
]
