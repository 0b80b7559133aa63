"""find_own() matches names starting with guid + '-n_', which a guid that extends ours with '-n_...' also does."""
MUTATIONS = [
    ('        if c.rpartition(MARKER)[0] == guid:\n',
     '        if c.startswith(guid + MARKER):\n'),
]
