"""sequence_number() parses only the last four digits of the name."""
MUTATIONS = [
    ('    _guid, marker, suffix = name.rpartition(MARKER)\n'
     '    digits = suffix[1:] if suffix.startswith("-") else suffix\n'
     '    if not marker or not (digits.isascii() and digits.isdigit()):   # "²" is a digit too\n'
     '        raise ValueError(f"{name!r} is not a candidate name (<guid>-n_<number>)")\n'
     '    return int(suffix)\n',
     '    if MARKER not in name:\n'
     '        raise ValueError(f"{name!r} is not a candidate name")\n'
     '    return int(name[-4:])\n'),
]
