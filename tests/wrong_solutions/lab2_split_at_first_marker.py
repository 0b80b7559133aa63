"""sequence_number() and find_own() split the name at the FIRST '-n_', so a guid containing '-n_' confuses them."""
MUTATIONS = [
    ('    _guid, marker, suffix = name.rpartition(MARKER)\n'
     '    digits = suffix[1:] if suffix.startswith("-") else suffix\n'
     '    if not marker or not (digits.isascii() and digits.isdigit()):   # "²" is a digit too\n'
     '        raise ValueError(f"{name!r} is not a candidate name (<guid>-n_<number>)")\n'
     '    return int(suffix)\n',
     '    if MARKER not in name:\n'
     '        raise ValueError(f"{name!r} is not a candidate name")\n'
     '    return int(name.split(MARKER)[1])\n'),
    ('        if c.rpartition(MARKER)[0] == guid:\n',
     '        if c.split(MARKER)[0] == guid:\n'),
]
