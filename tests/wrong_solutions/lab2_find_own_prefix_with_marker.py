"""find_own() matches names starting with guid + '-n_', which a guid that extends ours with '-n_...' also does."""

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
    mine = sequence_number(me)
    before = [c for c in sort_candidates(children) if sequence_number(c) < mine]
    return before[-1] if before else None


def find_own(children, guid):
    for c in sort_candidates(children):
        if c.startswith(guid + MARKER):
            return c
    return None
