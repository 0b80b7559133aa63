"""volunteer() creates a sequential but persistent node (ephemeral=True forgotten)."""
MUTATIONS = [
    ('    return zk.create(f"{election_path.rstrip(\'/\')}/{guid}{MARKER}", b"",\n'
     '                     ephemeral=True, sequence=True, makepath=True)\n',
     '    return zk.create(f"{election_path}/{guid}{MARKER}", b"", sequence=True, makepath=True)\n'),
]
