"""Record an election over time, then check its invariants.

    rec = ElectionRecorder()
    track = rec.add("c1", client)            # BEFORE the candidate starts
    cand = lab.ResilientCandidate(client, "/e", on_elected=track.on_elected,
                                  on_revoked=track.on_revoked)
    track.follow(cand); cand.start()
    rec.start()
    ... faults ...  rec.mark("kill zoo2") ... rec.mark("expire", "c1")
    rec.stop()
    problems = check_election(rec)          # [] when every invariant held

What is recorded, each with a ``time.monotonic()`` stamp:

- every change of a candidate's ``is_leader`` (polled every few milliseconds,
  so a candidate that forgets its callbacks is still seen);
- every call of its ``on_elected`` / ``on_revoked``;
- every connection state its client reports (CONNECTED / SUSPENDED / LOST),
  from a listener added before the candidate's own, so a suspension is always
  recorded before the candidate reacts to it;
- the faults the test injected (``mark``).

The invariants (``check_election``):

1. **One leader at a time.** No two candidates' ``is_leader`` are True at the
   same moment. One overlap is excused, because ZooKeeper alone cannot prevent
   it: a session expired *behind its owner's back* (``mark("expire", name)``)
   may leave the old leader believing for a moment, until its client hears of
   it, while the next one is already elected. That is what fencing tokens are
   for. The excuse ends ``grace`` seconds after that client reports SUSPENDED
   or LOST.
2. **No leading while disconnected.** ``is_leader`` is False within ``grace``
   seconds after the client reports SUSPENDED or LOST, and stays False until
   it reports CONNECTED again.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from kazoo.client import KazooState

from .checkkit import RECONNECT, close_quietly


@dataclass
class Event:
    t: float          # time.monotonic()
    who: str          # candidate name, or "" for a fault of the whole ensemble
    kind: str         # "leader" | "elected" | "revoked" | "state" | "fault"
    value: object     # True/False for "leader", a KazooState for "state", text for "fault"


class Track:
    """One candidate: its client's states, its is_leader, its callbacks."""

    def __init__(self, recorder: "ElectionRecorder", name: str, client):
        self.recorder = recorder
        self.name = name
        self.client = client
        self.candidate = None
        self.last_leader = False
        self.elected = 0
        self.revoked = 0
        self.initial_state = client.state
        client.add_listener(self._on_state)

    def _on_state(self, state):
        self.recorder._add(Event(time.monotonic(), self.name, "state", state))
        return False

    def on_elected(self):
        self.elected += 1
        self.recorder._add(Event(time.monotonic(), self.name, "elected", True))

    def on_revoked(self):
        self.revoked += 1
        self.recorder._add(Event(time.monotonic(), self.name, "revoked", True))

    def follow(self, candidate) -> "Track":
        """Poll this candidate's is_leader from now on."""
        self.candidate = candidate
        return self

    def poll(self, now: float) -> None:
        if self.candidate is None:
            return
        leading = bool(getattr(self.candidate, "is_leader", False))
        if leading != self.last_leader:
            self.last_leader = leading
            self.recorder._add(Event(now, self.name, "leader", leading))


class ElectionRecorder:
    """A timeline of one election under faults."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.events: list[Event] = []
        self.tracks: dict[str, Track] = {}
        self.t0 = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def add(self, name: str, client) -> Track:
        """Follow a client (call before the candidate on it starts)."""
        track = Track(self, name, client)
        with self._lock:
            self.tracks[name] = track
        return track

    def mark(self, what: str, who: str = "") -> None:
        """Record a fault the test injected (``who``: the candidate it targets, if any)."""
        self._add(Event(time.monotonic(), who, "fault", what))

    def start(self) -> "ElectionRecorder":
        self._thread = threading.Thread(target=self._poll_loop, name="election-recorder",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._poll_once()

    def leaders(self) -> list[str]:
        """Names of the candidates whose is_leader is True now."""
        return [n for n, tr in list(self.tracks.items())
                if tr.candidate is not None and getattr(tr.candidate, "is_leader", False)]

    def states(self, name: str, since: float = 0.0) -> list:
        """The connection states ``name``'s client reported at or after ``since``."""
        return [e.value for e in self.timeline()
                if e.who == name and e.kind == "state" and e.t >= since]

    def disconnected_since(self, name: str, since: float) -> bool:
        """True once ``name``'s client reported SUSPENDED or LOST at or after ``since``."""
        return any(s != KazooState.CONNECTED for s in self.states(name, since))

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll_once()

    def _poll_once(self) -> None:
        now = time.monotonic()
        for track in list(self.tracks.values()):
            track.poll(now)

    def _add(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def timeline(self) -> list[Event]:
        with self._lock:
            return sorted(self.events, key=lambda e: e.t)

    def describe(self, since: float | None = None, until: float | None = None) -> str:
        """The timeline as text, times in seconds from the start."""
        lines = []
        for e in self.timeline():
            if (since is not None and e.t < since) or (until is not None and e.t > until):
                continue
            value = e.value.name if isinstance(e.value, KazooState) else e.value
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


def check_election(rec: ElectionRecorder, grace: float = 0.25) -> list[Problem]:
    """Every broken invariant of the recorded election, earliest first."""
    events = rec.timeline()
    end = max([e.t for e in events] + [time.monotonic()])
    leading, connected, excused = {}, {}, {}
    for name, track in rec.tracks.items():
        mine = [e for e in events if e.who == name]
        leading[name] = _intervals([(e.t, e.value) for e in mine if e.kind == "leader"],
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

class ProxiedClients:
    """Kazoo clients that reach the ensemble only through a FaultProxy of their own.

        made = ProxiedClients(namespace)
        zk, proxy = made(timeout=2.0)
        ...
        made.close()
    """

    def __init__(self, chroot: str = ""):
        self.chroot = chroot
        self.made = []

    def __call__(self, timeout: float = 2.0):
        from kazoo.client import KazooClient

        from .proxy import FaultProxy
        proxy = FaultProxy()
        # after a long cut, time the learner's election, not kazoo's reconnect back-off
        client = KazooClient(hosts=proxy.hosts(self.chroot), timeout=timeout,
                             connection_retry=RECONNECT)
        self.made.append((client, proxy))
        client.start(timeout=15)
        return client, proxy

    def heal_all(self) -> None:
        for _, proxy in self.made:
            proxy.heal()

    def close(self) -> None:
        for client, proxy in self.made:
            proxy.heal()
        for client, proxy in self.made:
            close_quietly(client)       # learner code may have blocked its threads
            proxy.close()


def leaders_among(candidates: dict) -> list[str]:
    """Names of the candidates whose is_leader is True."""
    return [n for n, c in candidates.items() if getattr(c, "is_leader", False)]


def owned_children(zk, election_path: str, session_id: int) -> list[str]:
    """The children of election_path whose ephemeralOwner is session_id."""
    from kazoo.exceptions import NoNodeError
    out = []
    for child in zk.get_children(election_path):
        try:
            if zk.exists(f"{election_path}/{child}").ephemeralOwner == session_id:
                out.append(child)
        except (NoNodeError, AttributeError):
            pass
    return sorted(out)
