"""The grader's command line, and the order and look of its checks.

    --submission DIR    the folder of lab notebooks to grade (default: labs/)
    --seed N            seed of every randomized input (default: random, printed)
    --results-json F    write per-check and per-lab results as JSON
    --namespace PATH    znode under which each check gets its own chroot
    --cells F           grade these solution cells instead of the saved notebook's
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path

from harness import manifest, settings
from harness.grading.plugin.state import RUN


def pytest_addoption(parser):
    group = parser.getgroup("workshop grading")
    group.addoption("--submission", default=str(manifest.STARTERS),
                    help="folder of lab notebooks to grade (default: labs/)")
    group.addoption("--seed", type=int, default=None, help="seed of randomized inputs")
    group.addoption("--results-json", default=None, help="write results as JSON here")
    group.addoption("--namespace", default=settings.current().namespace,
                    help="znode under which each check gets its own chroot")
    group.addoption("--cells", default=None,
                    help="JSON {module: [[cell number, source], ...]}: grade these solution "
                         "cells instead of the saved notebook's (the notebook's check())")


def keep_the_alarm_for_the_main_thread() -> None:
    """Make every thread started from now on block SIGALRM.

    pytest-timeout (signal method) cuts a hanging check with SIGALRM, handled in
    the main thread. Linux hands a process signal to any thread that does not
    block it: when it lands on one of kazoo's threads, a main thread waiting
    forever on a ZooKeeper reply (learner code that blocked kazoo's connection
    thread) is never woken, and the whole run hangs instead of failing one check.
    """
    # A process started from such a thread inherits the blocked signal (a batch
    # grader's worker starts each submission's pytest): unblock it in our main thread.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    if getattr(threading.Thread._bootstrap_inner, "_blocks_sigalrm", False):
        return
    original = threading.Thread._bootstrap_inner

    def bootstrap_inner(self):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        original(self)
    bootstrap_inner._blocks_sigalrm = True
    threading.Thread._bootstrap_inner = bootstrap_inner


def lab_of(item) -> str:
    """The lab a check belongs to ("" for the harness's own checks)."""
    return manifest.key_of_check(item.fspath)


def pytest_collection_modifyitems(session, config, items):
    """Within each lab, targeted checks first and randomized trials (marked ``trials``) last.

    A mistake usually fails both; the score table shows a lab's first failing
    check as its hint, and that should be the one-line message of a targeted
    check, not the timeline of a random storm.
    """
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(lab_of(item), i)
    position = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (first_seen[lab_of(item)],
                                 item.get_closest_marker("trials") is not None,
                                 position[id(item)]))
    if config.getoption("tbstyle") == "auto":
        for item in items:
            if lab_of(item):
                skip_pytest_traceback(item)


def skip_pytest_traceback(item) -> None:
    """Let pytest make no traceback of a lab check's failure.

    The learner is shown the check's own message instead (pytest_runtest_makereport
    puts it in place of the traceback), and pytest's traceback, which reads and parses
    the source of every frame, cost a starter notebook about 90 ms per failing check:
    half of its grading's time. --tb=long or short still gets pytest's own.
    """
    def placeholder(excinfo, *args, **kwargs):
        return f"{excinfo.typename}: {excinfo.value}"[:2000]
    item.repr_failure = placeholder
    item._repr_failure_py = placeholder


def pytest_report_header(config):
    sub = Path(config.getoption("submission")).resolve()
    seed = config.stash[RUN].seed
    return [f"submission: {sub}", f"seed: {seed} (replay with --seed {seed})"]
