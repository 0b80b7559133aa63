"""volunteer() returns the path it asked for instead of the one ZooKeeper assigned."""
MUTATIONS = [
    ('    return zk.create(f"{election_path.rstrip(\'/\')}/{guid}{MARKER}", b"",\n'
     '                     ephemeral=True, sequence=True, makepath=True)\n',
     '    path = f"{election_path}/{guid}{MARKER}"\n'
     '    zk.create(path, b"", ephemeral=True, sequence=True, makepath=True)\n'
     '    return path\n'),
]
