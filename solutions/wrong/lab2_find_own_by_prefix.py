"""find_own() takes the first child whose name starts with the guid, so 'worker-12-n_...' is taken for 'worker-1'."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('exactly',)
MUTATIONS = [
    ('    for c in sort_candidates(children):\n'
     '        if c.rpartition(MARKER)[0] == guid:\n',
     '    for c in children:\n'
     '        if c.startswith(guid):\n'),
]
