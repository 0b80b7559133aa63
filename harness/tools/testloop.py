"""The developer suite in three tiers, the slow one spread over ensembles side by side.

    python -m harness test [--workers 3] [PYTEST ARGS]     (= make test)

1. **The fast tier** (``tests/unit``): the oracles, parsers, scoring and settings
   on synthetic input; no ensemble. A broken oracle fails here in seconds, and
   nothing else runs.
2. **The checks on the solutions** (``pytest checks --submission solutions``).
3. **Everything else** (``tests/``), test files spread over ``--workers`` pytest
   workers (pytest-xdist, a whole file per worker, the longest files first). Most
   of a test waits: for real session timeouts, for servers to restart. Each
   worker has an ensemble of its own, so one file's fault checks never wait for
   another's and never break another's servers: worker gw0 uses the workshop's
   ensemble, worker gwN (N >= 1) three more local JVMs on ``TEST_OFFSETS[N-1]``,
   started at its first use and taken down when it ends.

The root conftest.py calls ``enter_worker_ensemble()`` before the harness reads
its settings (importing ``settings`` reads nothing; ``settings.current()`` does).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import settings  # read nothing yet: settings.current() comes later

TEST_OFFSETS = settings.TEST_OFFSETS
# Three, not four, on the two cores here: with four, the developer suite stacked its load
# tests (floods, attacks, kazoo's recipes many runs in a row) until checks' 2 s sessions
# expired beneath them and honest labs were cut off (4 of 5 rehearsals on 2026-12-07).
WORKERS = 3
# each worker needs an ensemble (gw0 the workshop's, the others TEST_OFFSETS) and its own
# share of the side offsets, for the tests that grade a class on two ensembles
MAX_WORKERS = min(len(TEST_OFFSETS) + 1, len(settings.SIDE_OFFSETS))
# The slowest test files first, so that none starts last and runs on alone (seconds
# measured on 2 cores; files not listed come after these, in their own order).
LONGEST = ("test_checks_bite.py", "test_class.py", "test_batch.py", "test_attacks.py",
           "test_other_implementations.py", "test_platforms.py", "test_blame.py",
           "test_notebooks.py", "test_experiments_run_again.py", "test_view.py",
           "test_browser.py")


ENTERED = "ZK_TEST_WORKER_ENSEMBLE"     # set in the worker once it points at its ensemble


def enter_worker_ensemble() -> None:
    """In worker gwN (N >= 1) of a ``harness test`` run: point this process, and every
    process it starts, at the worker's own ensemble (before the harness reads settings)."""
    worker = settings.test_loop_worker()
    if worker is None or worker[0] == 0 or worker[0] > len(TEST_OFFSETS):
        return
    if os.environ.get(ENTERED):
        # A process the worker started (a grading run) inherits the worker's ensemble,
        # or the ensemble its test chose on purpose (an unreachable one): keep it.
        return
    n, run = worker
    state = Path(tempfile.gettempdir()) / f"zk-test-{run}-gw{n}"
    os.environ.update(settings.side_ensemble(TEST_OFFSETS[n - 1], state))
    os.environ[ENTERED] = "1"


def leave_worker_ensemble() -> None:
    """At the end of worker gwN (N >= 1): take its ensemble down, remove its folder."""
    worker = settings.test_loop_worker()
    if worker is None or worker[0] == 0:
        return
    import shutil

    from harness.ensemble import local
    local.down()
    shutil.rmtree(settings.current().state_dir, ignore_errors=True)


# Spread one by one over the workers (each is one grading of its own, and long); every
# other test stays with its file's tests on one worker (module fixtures, shared set-up).
SPREAD = ("test_wrong_solution_is_caught_by_its_labs_checks",)


def order_files(items) -> None:
    """The longest test files first, and the tests to spread over the workers in groups of
    their own, the longest first (pytest_collection_modifyitems of tests/conftest.py; the
    test loop runs pytest-xdist with --dist loadgroup)."""
    import pytest
    rank = {name: i for i, name in enumerate(LONGEST)}
    position = {id(item): i for i, item in enumerate(items)}

    def spread(item) -> bool:
        return item.originalname in SPREAD if hasattr(item, "originalname") else False

    def lab_rank(item) -> int:             # lab 5's wrong solutions wait longest
        return -int(item.name.split("[lab", 1)[1][0]) if "[lab" in item.name else 0

    items.sort(key=lambda item: (not spread(item), lab_rank(item) if spread(item) else 0,
                                 rank.get(Path(str(item.fspath)).name, len(rank)),
                                 position[id(item)]))
    for item in items:
        if not spread(item):                # a spread test is a group of its own already
            group_with_its_file(item, Path(str(item.fspath)).name)


def group_with_its_file(item, group: str) -> None:
    """Mark ``item`` for pytest-xdist's loadgroup scheduler, and name its node id as that
    scheduler reads it ("<id>@<group>"). pytest-xdist 3.8 renames ``item._nodeid``, which
    pytest 9 no longer reads (its node ids live in ``item._id``): its own renaming is lost
    and every test becomes a group of its own (a file's tests ran on several workers at
    once, on the same ports). So rename the way this pytest keeps node ids."""
    import pytest
    item.add_marker(pytest.mark.xdist_group(name=group))
    if not getattr(item.config.option, "loadgroup", False) or "@" in item.nodeid:
        return
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id
        item._id = coerce_node_id(f"{item.nodeid}@{group}")


def pytest(*args: str, env: dict | None = None) -> int:
    from harness import manifest
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=manifest.REPO, env=env)


def run(workers: int | None = None, extra: list[str] | None = None, publish: bool = False) -> int:
    """The three tiers; stops at the first that fails. ``publish``: write the times to
    docs/performance.md (once every tier passed)."""
    import time
    workers = max(1, min(workers or WORKERS, MAX_WORKERS))
    extra = [a for a in (extra or []) if a != "--"]
    t0 = time.monotonic()
    tiers = [("fast tier", ["tests/unit", "-q"]),
             ("the checks on the solutions", ["checks", "--submission", "solutions"]),
             ("the developer suite", ["tests", "--ignore=tests/unit", "-p", "xdist",
                                      "-n", str(workers), "--dist", "loadgroup",
                                      "--durations=15", *extra])]
    import shutil

    from harness.tools import mutants
    shutil.rmtree(mutants.CAUGHT, ignore_errors=True)        # this run's bite table only
    env = dict(os.environ, ZK_TEST_LOOP="1", ZK_TEST_RUN=str(os.getpid()),
               ZK_TEST_WORKERS=str(workers))
    took = []
    for name, args in tiers:
        t = time.monotonic()
        code = pytest(*args, env=env)
        took.append((name, time.monotonic() - t))
        print(f"=== {name}: {'passed' if code == 0 else 'FAILED'} in "
              f"{took[-1][1]:.0f} s (total {time.monotonic() - t0:.0f} s)", flush=True)
        if code != 0:
            return code
    from harness.tools import mutants
    print(mutants.write_bite_table())         # every worker's gradings of the wrong solutions
    if publish:
        from harness.tools import figures
        rows = "\n".join(f"| {name} | {clock(s)} |" for name, s in took)
        figures.publish("test-loop", "The test loop (`make test`)", "python -m harness test "
                        "--publish", f"| tier | wall time |\n| --- | --- |\n{rows}\n"
                        f"| **all**, {workers} workers | **{clock(time.monotonic() - t0)}** |\n")
    return 0


def clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"
