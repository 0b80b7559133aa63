"""Least privilege for the learner's process: a user of its own, limits, an end.

One ``Jail`` per grading run (one pytest session grades one submission):

- **A uid of its own.** When the grader runs as root, every sandbox of the run
  runs as a numeric uid/gid taken from a pool (``UID_BASE`` + slot, held by a
  lock file for the whole run), with no supplementary groups. Two submissions
  graded at once never share a uid, so neither can signal, trace or read the
  other's processes, and the grader's files (results, hidden checks, the
  grader's secret) are root's and not readable or writable by it. Without root
  there is no other uid to take: the sandbox runs as the grader's user, with
  the same limits, and the grade is only as trustworthy as that machine's user
  (a learner checking their own work; an instructor grades as root).
- **What it can read.** The sandbox imports only a copy of the harness and of
  kazoo made for this run in a world-readable temporary folder, with an
  interpreter that uid can run (the venv's may live under /root).
- **A share of the machine.** As root, each slot's processes also live in
  control groups of their own (``cgroups.py``): a bounded share of the CPU
  when it is contended, of processes and of memory, so that what one
  submission does (a fork bomb) cannot starve a submission graded beside it,
  nor the ZooKeeper servers.
- **A disk of its own** (``private_tmp.py``). As root, each sandbox writes
  only into one bounded tmpfs of its own (its home, /tmp and the other
  world-writable folders, in a mount namespace), gone with its last process.
- **A bound on connections** (``network.py``). As root, at most
  ``network.MAX_CONNECTIONS`` TCP connections per uid, to loopback only.
- **An end.** Each sandbox leads its own process group; at the end of the run
  every process of the run's uid is killed, however it forked or detached.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import settings
from harness.sandbox import network
from harness.sandbox.cgroups import SlotGroups

UID_BASE = 61000
SLOTS = 64
LOCKS = Path(tempfile.gettempdir()) / "zk-workshop-jail"
# As root the jail (the library copy, the homes) lives outside /tmp, which the
# sandbox sees as its own tmpfs (private_tmp.py).
ROOT_JAILS = Path("/var/lib/zk-workshop/jails")
PRIVATE_TMP = Path(__file__).with_name("private_tmp.py")
DISK_MB = 64                    # everything a sandbox may write, its home included


class JailError(RuntimeError):
    """The sandbox could not be set up (the grader's machine, not the learner's code)."""


def _copy_tree(src: Path, dest: Path) -> None:
    # __pycache__ comes along: the sandbox's uid cannot write bytecode into this
    # root-owned copy, and without it every sandbox compiled kazoo and the harness
    # again (40 ms of each start). copytree keeps the sources' times, by which
    # Python checks each .pyc; a stale one is ignored.
    shutil.copytree(src, dest)


class Jail:
    def __init__(self):
        self.uid = None
        self._lock = None
        self.groups = None
        self._cpu_at_start = None
        self.unbounded: list[str] = []       # limits this machine could not set, and why
        jails = None
        if os.geteuid() == 0:
            self.uid = self._take_slot()
            self.groups = SlotGroups(self.uid - UID_BASE)
            self._cpu_at_start = self.groups.cpu_seconds()
            ROOT_JAILS.mkdir(parents=True, exist_ok=True)
            for folder in (ROOT_JAILS, ROOT_JAILS.parent):
                os.chmod(folder, 0o755)      # /var/lib/zk-workshop/jails: passable, not writable
            jails = ROOT_JAILS
        self.root = Path(tempfile.mkdtemp(prefix="zk-sandbox-", dir=jails))
        self.lib = self.root / "lib"
        self._build_lib()
        os.chmod(self.root, 0o755)
        self.python = self._pick_python()
        self.private_tmp = self.uid is not None and self._probe_private_tmp()
        if self.uid is not None:
            why = network.limit_slots(UID_BASE, SLOTS, LOCKS)
            if why:
                self.unbounded.append(f"connections: {why}")

    # --- set-up ----------------------------------------------------------------

    def _take_slot(self) -> int:
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        for slot in range(SLOTS):
            f = open(LOCKS / f"slot-{slot}.lock", "w")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            self._lock = f
            uid = UID_BASE + slot
            self._kill_uid(uid)         # a previous run cut off before its end
            return uid
        raise JailError(f"all {SLOTS} sandbox uids are in use (lock files in {LOCKS})")

    def _build_lib(self) -> None:
        """A world-readable copy of what the sandbox imports: the harness and kazoo."""
        import kazoo
        self.lib.mkdir()
        _copy_tree(settings.PACKAGE, self.lib / "harness")
        _copy_tree(Path(kazoo.__file__).parent, self.lib / "kazoo")
        for path in [self.lib, *self.lib.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)

    def _pick_python(self) -> str:
        """An interpreter the sandbox's uid can run, of this Python's version if possible."""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        options = [os.path.realpath(sys.executable), f"/usr/bin/python{version}", "/usr/bin/python3"]
        tried = []
        for python in dict.fromkeys(options):
            if not os.path.exists(python):
                continue
            try:
                probe = subprocess.run([python, *self.python_flags(), "-c",
                                        f"import sys; sys.path.insert(0, {str(self.lib)!r}); "
                                        "import kazoo.client, harness.sandbox.child"],
                                       capture_output=True, text=True, timeout=30,
                                       **self.credentials(), cwd=self.root, env=self.env(self.root))
            except OSError as e:        # e.g. an interpreter under /root, closed to other users
                tried.append(f"{python}: {e.strerror}")
                continue
            if probe.returncode == 0:
                return python
            tried.append(f"{python}: {(probe.stderr.strip().splitlines() or ['?'])[-1]}")
        raise JailError("no Python interpreter can run the sandbox as uid "
                        f"{self.uid}: " + "; ".join(tried))

    def _wrapped(self, home: Path, program: list[str]) -> list[str]:
        return [sys.executable, "-I", "-S", str(PRIVATE_TMP), str(home), str(self.uid),
                str(DISK_MB), "--", *program]

    def _probe_private_tmp(self) -> bool:
        """Whether a sandbox can be given a disk of its own here (a mount namespace)."""
        home = self.home()
        try:
            run = subprocess.run(self._wrapped(home, ["/bin/sh", "-c", "touch /tmp/probe"]),
                                 capture_output=True, text=True, timeout=30, cwd=self.root)
        except (OSError, subprocess.SubprocessError) as e:
            run = None
            why = str(e)
        else:
            why = run.stderr.strip()[-200:] or f"exit {run.returncode}"
        shutil.rmtree(home, ignore_errors=True)
        if run is not None and run.returncode == 0:
            return True
        self.unbounded.append(f"disk: no mount namespace ({why})")
        return False

    # --- spawning ----------------------------------------------------------------

    def python_flags(self) -> list[str]:
        # -I: no user site, no PYTHON* variables, no cwd on the path; -S: no site-packages.
        # The path is set by the bootstrap below to the run's copy of the library.
        return ["-I", "-S", "-W", "ignore::DeprecationWarning"]

    def credentials(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.uid, "extra_groups": []}

    def env(self, home: Path) -> dict:
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home),
                "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
                "ZK_SANDBOX_LIB": str(self.lib)}

    def home(self) -> Path:
        """A private, writable working folder for one sandbox."""
        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.root))
        if self.uid is not None:
            os.chown(home, self.uid, self.uid)
        os.chmod(home, 0o700)
        return home

    def spawn(self, fd: int, home: Path) -> subprocess.Popen:
        bootstrap = ("import sys; sys.path.insert(0, sys.argv[3]); "
                     "from harness.sandbox import child; child.main()")
        program = [self.python, *self.python_flags(), "-c", bootstrap, str(fd),
                   "own-uid" if self.uid is not None else "same-uid", str(self.lib)]
        if self.private_tmp:        # root until its mounts are made, then the slot's uid
            program, credentials = self._wrapped(home, program), {}
        else:
            credentials = self.credentials()
        proc = subprocess.Popen(
            program, pass_fds=[fd], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=home, env=self.env(home),
            start_new_session=True, **credentials)
        if self.groups is not None:
            # Before its first request, so before any learner code runs: whatever it
            # forks or starts later is counted in the slot's groups.
            self.groups.add(proc.pid)
        return proc

    # --- the end -------------------------------------------------------------------

    @staticmethod
    def _pids_of(uid: int) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid == uid:
                        pids.append(int(entry))
                except OSError:
                    pass
        return pids

    @classmethod
    def _kill_uid(cls, uid: int, timeout: float = 5.0) -> bool:
        """Kill every process of ``uid``; kill(-1) from that uid reaches forks in flight."""
        deadline = time.monotonic() + timeout
        while cls._pids_of(uid):
            subprocess.run(["kill", "-KILL", "-1"], user=uid, group=uid, extra_groups=[],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def cpu_used(self) -> float | None:
        """CPU seconds this jail's sandboxes used so far (their forks included); None where
        the machine does not count it (no root, no cgroup v1 cpuacct)."""
        if self.groups is None or self._cpu_at_start is None:
            return None
        now = self.groups.cpu_seconds()
        return None if now is None else max(0.0, now - self._cpu_at_start)

    def kill_all(self) -> None:
        if self.uid is not None:
            self._kill_uid(self.uid)

    def close(self) -> None:
        self.kill_all()
        shutil.rmtree(self.root, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def group_members(pgid: int, uid: int) -> list[int]:
    """The processes of ``uid`` in process group ``pgid``."""
    members = []
    for pid in Jail._pids_of(uid):
        try:
            if os.getpgid(pid) == pgid:
                members.append(pid)
        except ProcessLookupError:
            pass
    return members


def signal_group(proc: subprocess.Popen, sig: int, uid: int | None) -> None:
    """Send ``sig`` to the process group ``proc`` leads (a sandbox leads its own).

    By number only while that number is still the group's: until ``proc`` is reaped,
    even as a zombie, its pid is held. Once reaped the pid is free, pids wrap (at 32768
    on these machines), and a new session leader given it (a ZooKeeper server,
    JupyterLab, another sandbox) would take the signal (tests/unit/test_group_signals.py
    makes the kernel hand the number on, and a SIGKILL by number killed that
    process). After the reaping, only the group's members that run
    as ``uid`` (the run's own uid, no one else's) are signalled; with no uid of its own
    (no root), none are: the run's end does not look for them either.
    """
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        return
    for pid in group_members(proc.pid, uid) if uid is not None else ():
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def end_group(proc: subprocess.Popen, uid: int | None) -> None:
    """Kill a sandbox and everything in its process group (see ``signal_group``)."""
    signal_group(proc, signal.SIGKILL, uid)
    try:
        proc.kill()             # Popen's own: never signals a pid it has reaped
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
