"""Where a class's CPU goes: the machine's busy time, split by kind of process.

    with CpuSplit() as split:
        rows = batch.grade_class(...)
    print(split.report(len(rows)))

A class grades on a machine of a few cores. Whether it waits (session
timeouts, the fault lock) or computes decides what can make it faster, so the
class grader measures it: every ``INTERVAL`` seconds a thread reads each
process's CPU time from /proc and files it under a kind (ZooKeeper's servers,
the graders' pytest processes, the sandboxes, the class grader itself). The
machine's own count (/proc/stat) is exact; a process that lives less than one
interval (a probe, a ``lockdown`` verb) is in it but in no kind ("unattributed").
"""
from __future__ import annotations

import os
import threading
import time

from harness.sandbox.jail import SLOTS, UID_BASE

INTERVAL = 0.5          # a /proc walk costs a few ms: about 1 % of one core
TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("ZooKeeper servers", "graders (pytest)", "sandboxes (the learners' code)",
         "the class grader and its verbs", "other")


def kind_of(pid: int) -> str | None:
    """Which of KINDS the process ``pid`` is; None if it is gone or not yet itself."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        uid = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
    if not cmd:             # a zombie, or a process between fork and exec: ask again later
        return None
    if "java" in cmd and "zookeeper" in cmd.lower():
        return KINDS[0]
    if UID_BASE <= uid < UID_BASE + SLOTS:
        return KINDS[2]
    if "pytest" in cmd:
        return KINDS[1]
    if "harness" in cmd:
        return KINDS[3]
    return KINDS[4]


def _ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])        # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _machine() -> tuple[int, int]:
    """(busy ticks, all ticks) of every core since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)                 # less idle and iowait


class CpuSplit:
    """Core-seconds by kind of process, from entering to leaving the ``with``."""

    def __init__(self):
        self.seconds = dict.fromkeys(KINDS, 0.0)
        self.of_pid: dict[int, float] = {}          # each process's own, for a closer look
        self._seen: dict[int, list] = {}             # pid -> [kind, ticks at first, latest]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cpu-split")

    def __enter__(self):
        self._start = _machine(), time.monotonic()
        self._walk(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._walk()
        for pid in list(self._seen):
            self._count(pid)
        (busy0, all0), t0 = self._start
        busy1, all1 = _machine()
        self.busy = (busy1 - busy0) / TICKS
        self.wall = time.monotonic() - t0
        self.share = (busy1 - busy0) / max(1, all1 - all0)

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            self._walk()

    def _walk(self, first: bool = False) -> None:
        alive = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            ticks = _ticks(pid)
            if ticks is None:
                continue
            if pid not in self._seen:
                kind = kind_of(pid)
                if kind is None:
                    continue
                # alive before: count from now; born since: count from its start
                self._seen[pid] = [kind, ticks if first else 0, ticks]
            self._seen[pid][2] = ticks
            alive.add(pid)
        for pid in [p for p in self._seen if p not in alive]:
            self._count(pid)

    def _count(self, pid: int) -> None:
        kind, start, latest = self._seen.pop(pid)
        self.seconds[kind] += (latest - start) / TICKS
        self.of_pid[pid] = self.of_pid.get(pid, 0.0) + (latest - start) / TICKS

    def report(self, submissions: int) -> str:
        """One paragraph: how busy the machine was, and each kind's core-seconds in all
        and per submission."""
        cores = os.cpu_count() or 1
        each = max(1, submissions)
        parts = [f"{kind} {s:.0f} ({s / each:.1f} a submission)"
                 for kind, s in sorted(self.seconds.items(), key=lambda kv: -kv[1]) if s >= 0.5]
        rest = self.busy - sum(self.seconds.values())
        return (f"CPU: the machine's {cores} cores were busy {self.share:.0%} of the "
                f"{self.wall:.0f} s ({self.busy:.0f} core-seconds, "
                f"{self.busy / each:.1f} a submission): " + "; ".join(parts)
                + f"; unattributed {max(0.0, rest):.0f} (processes shorter than {INTERVAL} s).")
