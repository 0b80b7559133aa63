"""Ensembles side by side, so that gradings (or test files) at once never wait for each other.

A check that breaks the ensemble (lab 5 kills servers, expires sessions, holds
a quorum down) holds the fault lock alone; on one ensemble, every grading
beside it waits. The lock lives in the ensemble's state folder, so a second
ensemble (three more local JVMs on other ports, a state folder of its own:
``ZK_WORKSHOP_PORT_OFFSET``, ``ZK_WORKSHOP_STATE``) has a lock of its own.
``side_by_side(n)`` starts n-1 of them, hands out their environments (the
usual ensemble's, ``{}``, first), and takes them down at the end. The class
grader uses it, and so does the test loop.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile

from harness import settings

OFFSETS = list(settings.current().side_offsets)
RESERVED_OFFSETS = list(settings.RESERVED_OFFSETS)


def run_verb(verb: str, env: dict, timeout: float = 120, *args: str) -> subprocess.CompletedProcess:
    """``python -m harness <verb> [args]`` for the ensemble that ``env`` names."""
    return subprocess.run([sys.executable, "-m", "harness", verb, *args],
                          cwd=settings.current().root,
                          env=dict(os.environ, **env), capture_output=True, text=True,
                          timeout=timeout)


def start(offset: int, log=print) -> dict:
    """Start the local ensemble on ``offset`` in a state folder of its own: its environment."""
    state = tempfile.mkdtemp(prefix=f"zk-side-{offset}-")
    env = settings.side_ensemble(offset, state)
    run = run_verb("up", env)
    if run.returncode != 0:
        stop(env)
        raise RuntimeError(f"could not start the ensemble at port offset {offset}: "
                           + (run.stderr or run.stdout).strip()[-500:])
    log(f"ensemble at port offset {offset} up (state {state})")
    return env


def stop(env: dict) -> None:
    run_verb("down", env)
    shutil.rmtree(env["ZK_WORKSHOP_STATE"], ignore_errors=True)


@contextlib.contextmanager
def side_by_side(n: int, log=print, offsets=None):
    """A queue of environments: the usual ensemble's ({}), and n-1 more."""
    offsets = OFFSETS if offsets is None else offsets
    if n - 1 > len(offsets):
        raise ValueError(f"at most {len(offsets) + 1} ensembles side by side")
    envs: queue.Queue = queue.Queue()
    envs.put({})
    envs.all = [{}]                 # every environment handed out, for a caller to prepare
    started = []
    # Started and stopped all at once: one at a time, eight ensembles took 10 s each way.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, n - 1)) as pool:
        try:
            futures = [pool.submit(start, offset, log) for offset in offsets[:max(0, n - 1)]]
            failed = None
            for fut in futures:         # in offset order: the queue's order does not vary
                try:
                    env = fut.result()
                except Exception as e:
                    failed = failed or e
                    continue
                started.append(env)
                envs.put(env)
                envs.all.append(env)
            if failed is not None:
                raise failed
            yield envs
        finally:
            list(pool.map(stop, started))
