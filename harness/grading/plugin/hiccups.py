"""The machine's stalls as the grader's own process lives them.

A check that breaks nothing may still lose a learner's session when the machine is
too loaded to run kazoo's threads in time: no ping reaches the server within the
session timeout (2 s), the server expires the session, and the learner's next call
raises SessionExpiredError. The learner's code did nothing wrong (a class grading
once took a lab 3 mark from a correct lab 5 submission so). The grader cannot
trust what the learner's process says of itself; it measures its own: a thread
asks to wake every 50 ms and notes each time it woke much later, as jHiccup does
for a JVM. A stall the grader itself lived through is the machine's, not the
learner's: a submission that starves only its own process (its cgroup's CPU
share) stalls nobody here.
"""
from __future__ import annotations

import threading
import time
from collections import deque

TICK = 0.05             # how often the meter asks to wake
NOTE_ABOVE = 0.5        # a wake this much late is a stall (kazoo pings every ~0.7 s)


class HiccupMeter:
    """Notes (time.time() it woke, seconds late) for each late wake, the last 1000."""

    def __init__(self, tick: float = TICK, note_above: float = NOTE_ABOVE):
        self.tick, self.note_above = tick, note_above
        self.late: deque = deque(maxlen=1000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hiccup-meter")

    def start(self) -> "HiccupMeter":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        before = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            late = now - before - self.tick
            if late >= self.note_above:
                self.late.append((time.time(), late))
            before = now

    def since(self, since: float) -> list[tuple[float, float]]:
        """The stalls noted since ``since`` (time.time())."""
        return [s for s in list(self.late) if s[0] >= since]


def stalled_here(meter: HiccupMeter | None, since: float) -> str:
    """The grader's own stalls since ``since``, in words; '' if none."""
    stalls = meter.since(since) if meter is not None else []
    if not stalls:
        return ""
    worst = max(s[1] for s in stalls)
    more = f" ({len(stalls)} times)" if len(stalls) > 1 else ""
    return (f"the grader's own process was held off the CPU for {worst:.1f} s{more}, so the "
            "learner's client could not keep its connection either: the machine was too loaded")
