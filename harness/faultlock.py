"""One ensemble, many graders: a reader-writer lock across processes.

Checks that break the ensemble (kill a server, lose the quorum) or that read
its server-wide counters hold the lock exclusively; every other check holds it
shared. So two submissions graded side by side never see each other's faults,
and one submission's killed server never fails another's check.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from . import launcher


def lock_path() -> Path:
    path = launcher.state_dir() / "faults.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def held(exclusive: bool):
    fd = os.open(lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
