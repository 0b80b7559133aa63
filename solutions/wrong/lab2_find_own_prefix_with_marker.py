"""find_own() matches names starting with guid + '-n_', which a guid that extends ours with '-n_...' also does."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('exactly',)
MUTATIONS = [
    ('        if c.rpartition(MARKER)[0] == guid:\n',
     '        if c.startswith(guid + MARKER):\n'),
]
