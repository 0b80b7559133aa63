"""predecessor() returns the candidate just AFTER me instead of the one before."""

import re

MARKER = "-n_"


def volunteer(zk, election_path, guid):
    return zk.create(f"{election_path.rstrip('/')}/{guid}{MARKER}", b"",
                     ephemeral=True, sequence=True, makepath=True)


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
    order = sort_candidates(children)
    i = order.index(me)
    return order[i + 1] if i + 1 < len(order) else None


def find_own(children, guid):
    for c in sort_candidates(children):
        if c.rpartition(MARKER)[0] == guid:
            return c
    return None
