"""Record an election over time, from the reports of the sandboxes it runs in.

    rec = ElectionRecorder()
    cand = world.candidate("ResilientCandidate", zk, label="c1",
                           callbacks=("on_elected", "on_revoked"))
    rec.add(cand)                           # BEFORE it starts: its client's state now
    cand.start()
    ... faults ...  rec.mark("kill zoo2") ... rec.mark("expire", "c1")
    world.judge(rec)                        # stop; fail unless its invariants held (timeline.py)

The candidates live in the learner's sandbox (one or more processes), which
reports what happens there (``harness.sandbox.child``); the recorder only
*reads* those reports, for the candidates it follows, and adds the faults the
grader injected. Every entry carries a ``time.monotonic()`` stamp, one clock
for every process on the machine. A client's state is reported from a listener
the sandbox added when it made the client, before any candidate's, so a
suspension is always stamped before the candidate reacts.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kazoo.client import KazooState

from harness.world.timeline import Event

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

    def describe(self, since: float | None = None, until: float | None = None,
                 who: tuple | None = None) -> str:
        """The timeline as text, times in seconds from the start. ``who``: only these
        candidates' events, and those of nobody in particular (a server killed)."""
        lines = []
        for e in self.timeline():
            if (since is not None and e.t < since) or (until is not None and e.t > until):
                continue
            if who and e.who and e.who not in who:
                continue
            value = e.value.name if hasattr(e.value, "name") else e.value
            lines.append(f"  {e.t - self.t0:7.3f}s  {e.who or '-':>6}  {e.kind:<8} {value}")
        return "\n".join(lines)


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
