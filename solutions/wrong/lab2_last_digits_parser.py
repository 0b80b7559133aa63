"""sequence_number() parses only the last four digits of the name."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('all the digits',)
MUTATIONS = [
    ('    _guid, marker, suffix = name.rpartition(MARKER)\n'
     '    try:\n'
     '        number = int(suffix)\n'
     '    except ValueError:\n'
     '        number = None\n'
     '    # int() also takes "+42", " 42", "4_2", "42" and "٤٢": accept only what\n'
     '    # ZooKeeper writes, "%010d" of a signed 32-bit int ("0000000042", "-000000001").\n'
     '    if not (marker and number is not None and INT_MIN <= number <= INT_MAX\n'
     '            and f"{number:010d}" == suffix):\n'
     '        raise ValueError(f"{name!r} is not a candidate name (<guid>-n_<number as %010d>)")\n'
     '    return number\n',
     '    if MARKER not in name:\n'
     '        raise ValueError(f"{name!r} is not a candidate name")\n'
     '    return int(name[-4:])\n'),
]
