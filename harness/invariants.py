"""Record an election over time, then check its invariants.

    rec = ElectionRecorder()
    cand = world.candidate("ResilientCandidate", zk, label="c1",
                           callbacks=("on_elected", "on_revoked"))
    rec.add(cand)                           # BEFORE it starts: its client's state now
    cand.start()
    ... faults ...  rec.mark("kill zoo2") ... rec.mark("expire", "c1")
    rec.stop()
    problems = check_election(rec)          # [] when every invariant held

The candidates live in the learner's sandbox (one or more processes), which
reports what happens there (``harness.sandbox.child``); the recorder only
*reads* those reports, for the candidates it follows, and adds the faults the
grader injected. Every entry carries a ``time.monotonic()`` stamp, one clock
for every process on the machine:

- every change of a candidate's ``is_leader`` (the sandbox polls it every
  5 ms, so a candidate that forgets its callbacks is still seen);
- every call of its ``on_elected`` / ``on_revoked``;
- every connection state its client reports (CONNECTED / SUSPENDED / LOST),
  from a listener the sandbox added when it made the client, before any
  candidate's, so a suspension is always stamped before the candidate reacts;
- the faults the check injected (``mark``), stamped by the grader.

The invariants (``check_election``):

1. **One leader at a time.** No two candidates' ``is_leader`` are True at the
   same moment. One overlap is excused, because ZooKeeper alone cannot prevent
   it: a session expired *behind its owner's back* (a ``mark`` whose text says
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

import threading
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


CALLBACK_KINDS = {"on_elected": "elected", "on_revoked": "revoked"}


@dataclass
class Track:
    """How the recorder follows one candidate (a RemoteCandidate, in its own sandbox)."""
    name: str
    candidate: object             # harness.sandbox.host.RemoteCandidate
    initial_state: str            # its client's state when it was added
    since: float                  # when it was added: earlier reports are not its record

    @property
    def sandbox(self):
        return self.candidate.sandbox

    def entry(self, report: dict) -> Event | None:
        """This candidate's entry for one of its sandbox's reports, or None."""
        kind = report.get("kind")
        if kind == "state" and report.get("client") == self.candidate.zk.handle:
            return Event(report["t"], self.name, "state", report.get("state"))
        if report.get("cand") != self.candidate.handle:
            return None
        if kind == "leader":
            return Event(report["t"], self.name, "leader", bool(report.get("value")),
                         report.get("since"))
        if kind == "callback" and report.get("name") in CALLBACK_KINDS:
            return Event(report["t"], self.name, CALLBACK_KINDS[report["name"]], True)
        return None


class ElectionRecorder:
    """A timeline of one election under faults, read from the sandboxes' reports."""

    def __init__(self):
        self.tracks: dict[str, Track] = {}
        self.t0 = time.monotonic()
        self.t_end = None             # set by stop(): nothing later is part of the record
        self._faults: list[Event] = []
        self._lock = threading.Lock()

    def add(self, candidate, name: str | None = None):
        """Follow a candidate (call before it starts); returns the candidate."""
        name = name or candidate.label
        since = time.monotonic()
        state = candidate.zk.info().get("state")      # what its client is now
        with self._lock:
            if name in self.tracks:
                raise ValueError(f"the recorder already follows a candidate named {name!r}")
            self.tracks[name] = Track(name, candidate, str(state), since)
        return candidate

    def mark(self, what: str, who: str = "") -> None:
        """Record a fault the test injected (``who``: the candidate it targets, if any)."""
        with self._lock:
            self._faults.append(Event(time.monotonic(), who, "fault", what))

    def stop(self) -> None:
        """End the record now, once the sandboxes' reports up to now have come in."""
        end = time.monotonic()
        time.sleep(0.02)              # a change the 5 ms poll is about to see
        for sb in self._sandboxes():
            if sb.gone:
                continue
            try:                      # replies come after every report sent before them
                sb.request("hello", timeout=10, what="a round trip")
            except Exception:
                pass
        self.t_end = end

    def _sandboxes(self) -> list:
        seen = {}
        for track in list(self.tracks.values()):
            seen.setdefault(id(track.sandbox), track.sandbox)
        return list(seen.values())

    def leaders(self) -> list[str]:
        """Names of the candidates whose is_leader is True now (asked of each sandbox)."""
        return [n for n, tr in list(self.tracks.items()) if tr.candidate.is_leader]

    def states(self, name: str, since: float = 0.0) -> list:
        """The connection states ``name``'s client reported at or after ``since``."""
        return [e.value for e in self.timeline()
                if e.who == name and e.kind == "state" and e.t >= since]

    def disconnected_since(self, name: str, since: float) -> bool:
        """True once ``name``'s client reported SUSPENDED or LOST at or after ``since``."""
        return any(s != KazooState.CONNECTED for s in self.states(name, since))

    def timeline(self) -> list[Event]:
        with self._lock:
            events = list(self._faults)
            tracks = list(self.tracks.values())
        by_sandbox: dict[int, list] = {}
        for track in tracks:
            by_sandbox.setdefault(id(track.sandbox), []).append(track)
        for mine in by_sandbox.values():
            for report in mine[0].sandbox.events():
                for track in mine:
                    if report["t"] < track.since:
                        continue
                    event = track.entry(report)
                    if event is not None:
                        events.append(event)
        if self.t_end is not None:
            events = [e for e in events if e.t <= self.t_end]
        return sorted(events, key=lambda e: e.t)

    def describe(self, since: float | None = None, until: float | None = None) -> str:
        """The timeline as text, times in seconds from the start."""
        lines = []
        for e in self.timeline():
            if (since is not None and e.t < since) or (until is not None and e.t > until):
                continue
            value = e.value.name if hasattr(e.value, "name") else e.value
            lines.append(f"  {e.t - self.t0:7.3f}s  {e.who or '-':>6}  {e.kind:<8} {value}")
        return "\n".join(lines)


# --- the checker ----------------------------------------------------------------

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


def check_election(rec: ElectionRecorder, grace: float = 0.25) -> list[Problem]:
    """Every broken invariant of the recorded election, earliest first."""
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


def explain(rec: ElectionRecorder, problems: list[Problem], context: float = 2.5,
            limit: int = 3) -> str:
    """The first problems, each with the timeline around it."""
    out = []
    for p in problems[:limit]:
        out.append(str(p))
        out.append("  what happened around it (seconds from the start):")
        out.append(rec.describe(since=p.t - context, until=p.t + 1.0))
    if len(problems) > limit:
        out.append(f"... and {len(problems) - limit} more")
    return "\n".join(out)


# --- helpers the lab 5 checks share ---------------------------------------------

def leaders_among(candidates: dict) -> list[str]:
    """Names of the candidates whose is_leader is True now (asked of their sandboxes)."""
    return [n for n, c in candidates.items() if c.is_leader]


def owned_children(zk, election_path: str, session_id: int) -> list[str]:
    """The children of election_path whose ephemeralOwner is session_id.

    ``zk`` is one of the grader's own clients (``world.observer``); it syncs
    first, since the nodes were written through another server.
    """
    from kazoo.exceptions import NoNodeError
    zk.sync(election_path)
    out = []
    for child in zk.get_children(election_path):
        try:
            if zk.exists(f"{election_path}/{child}").ephemeralOwner == session_id:
                out.append(child)
        except (NoNodeError, AttributeError):
            pass
    return sorted(out)
