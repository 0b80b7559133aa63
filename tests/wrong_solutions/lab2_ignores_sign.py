"""sequence_number() drops the minus sign of a wrapped (negative) number."""
MUTATIONS = [
    ('    _guid, marker, suffix = name.rpartition(MARKER)\n'
     '    digits = suffix[1:] if suffix.startswith("-") else suffix\n'
     '    if not marker or not (digits.isascii() and digits.isdigit()):   # "²" is a digit too\n'
     '        raise ValueError(f"{name!r} is not a candidate name (<guid>-n_<number>)")\n'
     '    return int(suffix)\n',
     '    _guid, marker, suffix = name.rpartition(MARKER)\n'
     '    if not marker:\n'
     '        raise ValueError(f"{name!r} is not a candidate name")\n'
     '    return int(suffix.lstrip("-"))\n'),
]
