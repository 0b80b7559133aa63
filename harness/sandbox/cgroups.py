"""A sandbox slot's share of the machine: control groups (v1), when the grader may make them.

rlimits bound one process (address space) or one uid (processes). They do not
bound what a uid's processes take from everyone else together: measured on a
2-core machine, a fork bomb of 512 processes held the load average at 50 for
about 8 s before its lab ended, and a submission graded beside it at that
moment lost checks it had earned (its sandbox did not start within 30 s; its
ZooKeeper sessions starved). The kernel's tool for "this group of processes,
whatever it forks, gets at most this" is a control group:

- ``cpu.shares``: all sandboxes together weigh like four busy processes of the
  grader's or the servers' when the machine is contended (any share when it is
  not), and each slot weighs the same as another: a fork bomb gets what an
  honest submission gets, never the ZooKeeper servers' time;
- ``pids.max``: processes and threads per slot (the most a solved lab 5 used
  was under 100);
- ``memory.limit_in_bytes``: memory per slot (a sandbox needs about 60 MB);
- ``cpuacct``: no limit, a count of the CPU the slot used, so that a submission
  that takes much more than a solution does is named in the class log.

The groups live under ``/sys/fs/cgroup/<controller>/zk-workshop-sandbox/slot-N``
and are made once per slot, reused by later runs. Without root, without
cgroup v1 controllers mounted writable (a container, a cgroup-v2-only host),
nothing is done and the rlimits alone hold: ``SlotGroups.active`` says which.
"""
from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "zk-workshop-sandbox"
PARENT_SETTINGS = {"cpu": {"cpu.shares": "4096"}}
SLOT_SETTINGS = {
    "cpu": {"cpu.shares": "1024"},
    "pids": {"pids.max": "256"},
    "memory": {"memory.limit_in_bytes": str(2 << 30)},
    "cpuacct": {},          # no limit: counts the CPU the slot's processes used (cpu_seconds)
}


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


class SlotGroups:
    """One slot's groups, one per controller that could be made and set."""

    def __init__(self, slot: int, root: Path = CGROUP_ROOT):
        self.dirs: list[Path] = []
        for controller, settings in SLOT_SETTINGS.items():
            base = root / controller
            if not (base / "cgroup.procs").exists():
                continue                    # not a v1 hierarchy here
            parent = base / PARENT
            group = parent / f"slot-{slot}"
            try:
                group.mkdir(parents=True, exist_ok=True)
            except OSError:
                continue
            for name, value in PARENT_SETTINGS.get(controller, {}).items():
                _write(parent / name, value)
            if all(_write(group / name, value) for name, value in settings.items()):
                self.dirs.append(group)

    @property
    def active(self) -> list[str]:
        return [d.parent.parent.name for d in self.dirs]

    def add(self, pid: int) -> None:
        """Move a process (before it runs learner code) into every group; its forks follow."""
        for d in self.dirs:
            _write(d / "cgroup.procs", str(pid))

    def charge_thread(self, tid: int) -> None:
        """Move one thread of the grader's into the slot's CPU group (v1 moves threads one
        by one): the proxy threads that carry this submission's traffic then spend its
        share of the CPU, not the grader's, when its code floods them."""
        for d in self.dirs:
            if d.parent.parent.name == "cpu":
                _write(d / "tasks", str(tid))

    def cpu_seconds(self) -> float | None:
        """CPU time the slot's processes have used since the group was made (every run
        of the slot adds to it: a caller takes the difference); None if not counted."""
        for d in self.dirs:
            if d.parent.parent.name == "cpuacct":
                try:
                    return int((d / "cpuacct.usage").read_text()) / 1e9
                except (OSError, ValueError):
                    return None
        return None

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            try:
                found |= {int(x) for x in (d / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found
