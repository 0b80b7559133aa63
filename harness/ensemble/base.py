"""What every part of the ensemble layer shares: its error, and the servers' modes.

A server's mode is what ``srvr`` says of it, or what the harness knows better:
'leader', 'follower', 'not serving' (up, no quorum), 'down', 'paused', or
'foreign' (its port answers, but not as ZooKeeper).
"""
from __future__ import annotations

SERVING_MODES = ("leader", "follower")


class EnsembleError(RuntimeError):
    """The ensemble cannot do what was asked; the message says why, in one sentence."""


def has_quorum(modes: dict[int, str]) -> bool:
    """One leader and at least two serving servers."""
    return (list(modes.values()).count("leader") == 1
            and sum(m in SERVING_MODES for m in modes.values()) >= 2)


def all_serve(modes: dict[int, str]) -> bool:
    """Every server leads or follows, and exactly one leads."""
    return has_quorum(modes) and all(m in SERVING_MODES for m in modes.values())
