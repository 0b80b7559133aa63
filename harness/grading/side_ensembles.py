"""Ensembles side by side, so that submissions graded at once never wait for each other.

A check that breaks the ensemble (lab 5 kills servers, expires sessions, holds
a quorum down) holds the fault lock alone; on one ensemble, every submission
graded beside it waits. The lock lives in the ensemble's state folder, so a
second ensemble (three more local JVMs on other ports, a state folder of its
own: ``ZK_WORKSHOP_PORT_OFFSET``, ``ZK_WORKSHOP_STATE``) has a lock of its own.
``batch --ensembles N`` starts N-1 of them, hands each grading process one
ensemble (the shared one included) and takes them down at the end.
"""
from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile

from ..manifest import REPO

# Port offsets of the side ensembles. Every port must stay below Linux's
# ephemeral range (topology.servers refuses others), and no port of one may be a
# port of another or of the offsets kept for other uses (0: the workshop's own;
# 10000 launcher tests, 15000 Docker tests, 20000 bench, 25000 an unreachable
# ensemble): steps of 2000 never make a client port of one the peer or election
# port of another (those lie 707 and 1707 apart). tests/test_batch.py checks it.
OFFSETS = [11100, 13100, 17100, 19100, 21100, 23100, 27100]
RESERVED_OFFSETS = [0, 10000, 15000, 20000, 25000]


def _launcher(cmd: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.launcher", cmd], cwd=REPO,
                          env=dict(os.environ, **env), capture_output=True, text=True,
                          timeout=timeout)


@contextlib.contextmanager
def side_by_side(n: int, log=print):
    """A queue of grading environments: the usual ensemble's ({}), and n-1 more."""
    if n - 1 > len(OFFSETS):
        raise ValueError(f"at most {len(OFFSETS) + 1} ensembles side by side")
    envs: queue.Queue = queue.Queue()
    envs.put({})
    started = []
    try:
        for offset in OFFSETS[:max(0, n - 1)]:
            state = tempfile.mkdtemp(prefix=f"zk-side-{offset}-")
            env = {"ZK_WORKSHOP_PORT_OFFSET": str(offset), "ZK_WORKSHOP_STATE": state,
                   "ZK_BACKEND": "local"}
            started.append(env)
            run = _launcher("up", env)
            if run.returncode != 0:
                raise RuntimeError(f"could not start the ensemble at port offset {offset}: "
                                   + (run.stderr or run.stdout).strip()[-500:])
            log(f"ensemble at port offset {offset} up (state {state})")
            envs.put(env)
        yield envs
    finally:
        for env in started:
            _launcher("down", env)
            shutil.rmtree(env["ZK_WORKSHOP_STATE"], ignore_errors=True)
