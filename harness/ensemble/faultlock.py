"""One ensemble, many graders: a reader-writer lock across processes.

Checks that break the ensemble (kill a server, lose the quorum) or that read
its server-wide counters hold the lock exclusively; every other check holds it
shared. So two submissions graded side by side never see each other's faults,
and one submission's killed server never fails another's check. A learner's
experiments that break servers (``workshop.faults()``, the live view's Kill
button) hold it exclusively too, for as long as a server they broke is down.

A check waiting to hold it exclusively goes first: flock alone lets shared
holders in while a writer waits, and a stream of long checks (a submission
whose code takes its whole time limit in each) held another submission's fault
checks off for minutes. So every request first passes a turnstile (a second
lock file, taken exclusively for an instant by readers and for the whole wait
by a writer): once a writer waits, no new reader gets in before it.

Within one process the exclusive hold is re-entrant (a Kill in the live view
inside a ``faults()`` block), and a shared request while this process holds it
exclusively is already satisfied: flock would otherwise make a process wait for
itself (its locks on two open files conflict).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path

from harness import settings

_mine = threading.RLock()           # guards _holds; taken while waiting for the flock
_holds: dict[str, dict] = {}        # lock file -> this process's holds on it


def lock_path() -> Path:
    path = settings.current().state_dir / "faults.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _turnstile(path: Path) -> int:
    return os.open(path.with_name(path.name + ".turnstile"), os.O_RDWR | os.O_CREAT, 0o644)


@contextlib.contextmanager
def _through_turnstile(path: Path):
    """Hold the turnstile while taking the lock: once a writer waits here, readers queue."""
    fd = _turnstile(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)            # closing releases the turnstile


def _mine_on(path: Path) -> dict:
    return _holds.setdefault(str(path), {"fd": None, "depth": 0, "shared": 0})


def held_here() -> bool:
    """True while this process holds the lock exclusively."""
    with _mine:
        return _mine_on(lock_path())["depth"] > 0


def acquire_exclusive() -> None:
    """Wait until no check or experiment holds the lock, then hold it (re-entrant)."""
    path = lock_path()
    with _mine:
        held = _mine_on(path)
        if held["depth"]:
            held["depth"] += 1
            return
        if held["shared"]:
            # flock would make this process wait for its own shared hold, for ever
            raise RuntimeError("this process holds the fault lock shared (a check that is not "
                               "marked faults) and cannot also hold it exclusively")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            with _through_turnstile(path):
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        held["fd"], held["depth"] = fd, 1


def release_exclusive() -> None:
    with _mine:
        held = _mine_on(lock_path())
        if not held["depth"]:
            return
        held["depth"] -= 1
        if held["depth"] == 0:
            fd, held["fd"] = held["fd"], None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


@contextlib.contextmanager
def held(exclusive: bool):
    if exclusive:
        acquire_exclusive()
        try:
            yield
        finally:
            release_exclusive()
        return
    if held_here():                  # already alone on the ensemble: nothing to share
        yield
        return
    path = lock_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        with _through_turnstile(path):
            fcntl.flock(fd, fcntl.LOCK_SH)
        with _mine:
            _mine_on(path)["shared"] += 1
        try:
            yield
        finally:
            with _mine:
                _mine_on(path)["shared"] -= 1
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
