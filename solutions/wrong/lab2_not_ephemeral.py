"""volunteer() creates a sequential but persistent node (ephemeral=True forgotten)."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('ephemeral=True',)
MUTATIONS = [
    ('    return zk.create(f"{election_path.rstrip(\'/\')}/{guid}{MARKER}", b"",\n'
     '                     ephemeral=True, sequence=True, makepath=True)\n',
     '    return zk.create(f"{election_path}/{guid}{MARKER}", b"", sequence=True, makepath=True)\n'),
]
