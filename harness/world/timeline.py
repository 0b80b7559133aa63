"""The invariants of an election over time, checked on a timeline (no ensemble needed).

A timeline is a list of ``Event`` (one clock, ``time.monotonic()``): every change
of a candidate's ``is_leader`` (the sandbox polls it every 5 ms, so a candidate
that forgets its callbacks is still seen), every call of its ``on_elected`` /
``on_revoked``, every connection state its client reports (CONNECTED /
SUSPENDED / LOST), and the faults the grader injected. ``recorder`` builds one
from the sandboxes' reports; tests build them by hand.

The invariants (``check_election``):

1. **One leader at a time.** No two candidates' ``is_leader`` are True at the
   same moment. One overlap is excused, because ZooKeeper alone cannot prevent
   it: a session expired *behind its owner's back* (a fault whose text says
   "expire", aimed at that candidate: an expiry the grader caused, or its
   process frozen past its session timeout) may leave the old leader believing
   for a moment, until its client hears of it, while the next one is already
   elected. That is what fencing tokens are for. The excuse ends ``grace``
   seconds after that client reports SUSPENDED or LOST.
2. **No leading while disconnected.** ``is_leader`` is False within ``grace``
   seconds after the client reports SUSPENDED or LOST, and stays False until
   it reports CONNECTED again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from kazoo.client import KazooState


@dataclass
class Event:
    t: float          # time.monotonic()
    who: str          # candidate name, or "" for a fault of the whole ensemble
    kind: str         # "leader" | "elected" | "revoked" | "state" | "fault"
    value: object     # True/False for "leader", a KazooState ("CONNECTED", ...) for "state",
                      # text for "fault"
    since: float | None = None    # "leader": the sandbox's read before, which saw the old value


@dataclass
class Problem:
    t: float
    what: str
    who: tuple = field(default_factory=tuple)

    def __str__(self):
        return self.what


def _intervals(changes, start_value, end_time):
    """[(start, end)] during which a boolean signal was True."""
    out, since = [], (0.0 if start_value else None)
    for t, value in changes:
        if value and since is None:
            since = t
        elif not value and since is not None:
            out.append((since, t))
            since = None
    if since is not None:
        out.append((since, end_time))
    return out


def _overlap(a, b):
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if hi > lo else None


def _minus(span, holes):
    """The parts of ``span`` not covered by any of ``holes``."""
    parts = [span]
    for h in holes:
        nxt = []
        for lo, hi in parts:
            if h[1] <= lo or h[0] >= hi:
                nxt.append((lo, hi))
                continue
            if h[0] > lo:
                nxt.append((lo, h[0]))
            if h[1] < hi:
                nxt.append((h[1], hi))
        parts = nxt
    return parts


def _leniently(e: Event) -> float:
    """When a polled change of is_leader counts, in the learner's favour: the sandbox saw it
    at ``t`` and had seen the old value at ``since``, so a step-down counts from ``since``
    and a rise from ``t``. Only an overlap that certainly happened is a broken invariant:
    a busy machine stretches the polls, and must not make two leaders of a clean handover."""
    return e.t if e.value or e.since is None else min(e.since, e.t)


def check_election(rec, grace: float = 0.25) -> list[Problem]:
    """Every broken invariant of the recorded election, earliest first.

    ``rec``: anything with ``timeline()`` (the events), ``tracks`` (name -> an object
    with ``initial_state``), ``t0`` and ``t_end`` (an ``ElectionRecorder``).
    """
    events = rec.timeline()
    end = max([e.t for e in events] + [rec.t_end if rec.t_end is not None else time.monotonic()])
    leading, connected, excused = {}, {}, {}
    for name, track in rec.tracks.items():
        mine = [e for e in events if e.who == name]
        leading[name] = _intervals([(_leniently(e), e.value) for e in mine if e.kind == "leader"],
                                   False, end)
        states = [(e.t, e.value == KazooState.CONNECTED) for e in mine if e.kind == "state"]
        connected[name] = _intervals(states, track.initial_state == KazooState.CONNECTED, end)
        # an expiry injected behind this candidate's back: excused until it hears of it
        holes = []
        for e in mine:
            if e.kind == "fault" and "expire" in str(e.value):
                heard = next((s.t for s in mine if s.kind == "state" and s.t >= e.t
                              and s.value != KazooState.CONNECTED), end)
                holes.append((e.t, heard + grace))
        excused[name] = holes

    problems = []
    names = sorted(rec.tracks)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for la in leading[a]:
                for lb in leading[b]:
                    both = _overlap(la, lb)
                    if not both:
                        continue
                    for lo, hi in _minus(both, excused[a] + excused[b]):
                        problems.append(Problem(lo, (
                            f"two leaders at once: {a} and {b} both had is_leader True from "
                            f"{lo - rec.t0:.3f}s to {hi - rec.t0:.3f}s ({(hi - lo) * 1000:.0f} ms)"),
                            (a, b)))
    for name in names:
        # leading while disconnected: the leading time not covered by a connected
        # interval (stretched by the grace a candidate gets to react)
        allowed = [(lo, hi + grace) for lo, hi in connected[name]]
        for span in leading[name]:
            for lo, hi in _minus(span, allowed):
                problems.append(Problem(lo, (
                    f"{name} led while disconnected: is_leader was True from {lo - rec.t0:.3f}s "
                    f"to {hi - rec.t0:.3f}s although its client was SUSPENDED or LOST "
                    f"(it must step down within {grace:.2f}s of the change)"), (name,)))
    problems.sort(key=lambda p: p.t)
    return problems


def explain(rec, problems: list[Problem], context: float = 2.5,
            limit: int = 3) -> str:
    """The first problems, each with the timeline around it: the events of the
    candidates it names and of the servers, not those of every bystander."""
    out = []
    for p in problems[:limit]:
        out.append(str(p))
        out.append("  what happened around it (seconds from the start):")
        out.append(rec.describe(since=p.t - context, until=p.t + 1.0, who=tuple(p.who) or None))
    if len(problems) > limit:
        out.append(f"... and {len(problems) - limit} more")
    return "\n".join(out)
