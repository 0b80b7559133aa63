"""volunteer() returns the path it asked for instead of the one ZooKeeper assigned."""

import re

MARKER = "-n_"


def volunteer(zk, election_path, guid):
    path = f"{election_path}/{guid}{MARKER}"
    zk.create(path, b"", ephemeral=True, sequence=True, makepath=True)
    return path


def sequence_number(name):
    _guid, marker, suffix = name.rpartition(MARKER)
    if not marker or not re.fullmatch(r"-?[0-9]+", suffix):
        raise ValueError(f"{name!r} is not a candidate name")
    return int(suffix)


def is_candidate(name):
    try:
        sequence_number(name)
    except ValueError:
        return False
    return True


def sort_candidates(children):
    return sorted((c for c in children if is_candidate(c)), key=sequence_number)


def predecessor(children, me):
    mine = sequence_number(me)
    before = [c for c in sort_candidates(children) if sequence_number(c) < mine]
    return before[-1] if before else None


def find_own(children, guid):
    for c in sort_candidates(children):
        if c.rpartition(MARKER)[0] == guid:
            return c
    return None
