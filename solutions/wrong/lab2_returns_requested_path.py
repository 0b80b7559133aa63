"""volunteer() returns the path it asked for instead of the one ZooKeeper assigned."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('the path you asked for',)
MUTATIONS = [
    ('    return zk.create(f"{election_path.rstrip(\'/\')}/{guid}{MARKER}", b"",\n'
     '                     ephemeral=True, sequence=True, makepath=True)\n',
     '    path = f"{election_path}/{guid}{MARKER}"\n'
     '    zk.create(path, b"", ephemeral=True, sequence=True, makepath=True)\n'
     '    return path\n'),
]
