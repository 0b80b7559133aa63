"""The candidates, behind one face: the labs' classes and kazoo's Election.

Which lab classes are measured, and under which name, is labs.toml's: a lab with
a ``candidate`` class has a ``bench`` name (herd, predecessor, resilient). kazoo's
``Election`` is measured beside them, as ``kazoo``. Every contender has the same
face for the runner: ``start``, ``resign``, ``cancel``, ``finish``, ``node``,
``is_leader``, ``stuck`` and ``error``; every ``on_elected`` goes to one
``Elections`` log, timestamped in the callback.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from kazoo.recipe.election import Election

from harness import manifest
from harness.learner import imports
from harness.tools.bench.parameters import STEP_TIMEOUT, BenchError

KAZOO = "kazoo"
BENCHED_LABS = {lab.bench: lab for lab in manifest.labs() if lab.candidate and lab.bench}
IMPLS = (*BENCHED_LABS, KAZOO)
LABELS = {**{impl: f"{lab.candidate} (lab {lab.number})" for impl, lab in BENCHED_LABS.items()},
          KAZOO: "kazoo Election"}


class Elections:
    """Every on_elected, in order, with the time it happened."""

    def __init__(self):
        self.cv = threading.Condition()
        self.log = []                       # [(perf_counter, contender)]

    def record(self, contender):
        t = time.perf_counter()
        with self.cv:
            self.log.append((t, contender))
            self.cv.notify_all()

    def count(self):
        with self.cv:
            return len(self.log)

    def wait_after(self, k, timeout=STEP_TIMEOUT, other_than=None):
        """The first election after the first k ones (of a contender other than ``other_than``)."""
        def found():
            return next((e for e in self.log[k:] if e[1] is not other_than), None)
        with self.cv:
            if not self.cv.wait_for(found, timeout):
                raise BenchError(f"no new leader within {timeout:.0f} s")
            return found()


def contender(impl, classes, zk, path, elections):
    """One candidate of implementation ``impl`` (``classes``: the lab classes by name)."""
    if impl == KAZOO:
        return KazooContender(zk, path, elections)
    return Contender(impl, classes[impl], zk, path, elections)


class Contender:
    """A lab's candidate class: it runs on its client's threads, nothing of its own."""

    stuck = False                           # no thread of its own to outlive a teardown

    def __init__(self, impl, cls, zk, path, elections):
        self.impl, self.zk, self.path, self.elections = impl, zk, path, elections
        self.error = None
        kwargs = {"on_revoked": lambda: None} if impl == "resilient" else {}
        self.cand = cls(zk, path, on_elected=lambda: elections.record(self), **kwargs)

    @property
    def node(self):
        return self.cand.node

    @property
    def is_leader(self):
        return bool(self.cand.is_leader)

    def start(self):
        self.cand.start()

    def resign(self):
        self.cand.resign()

    def cancel(self):
        """Teardown, before the clients close: nothing to stop."""

    def finish(self, timeout=10):
        """After resign(): it has let go when resign() returns."""


class KazooContender:
    """kazoo's ``Election`` behind the same face. Its ``run()`` blocks while leading,
    so each contender has a thread."""

    def __init__(self, zk, path, elections):
        self.impl, self.zk, self.path, self.elections = KAZOO, zk, path, elections
        self.error = None
        self.election = Election(zk, path)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.leading = False

    def _lead(self):
        self.leading = True
        self.elections.record(self)
        self.stop.wait()
        self.leading = False

    def _run(self):
        try:
            self.election.run(self._lead)
        except Exception as e:              # noqa: BLE001 - reported by the bench
            self.error = e

    @property
    def node(self):
        n = self.election.lock.node
        return f"{self.path}/{n}" if n else None

    @property
    def is_leader(self):
        return self.leading

    @property
    def stuck(self):
        return self.thread.is_alive()

    def start(self):
        self.thread.start()
        self._wait_joined()

    def _wait_joined(self, timeout=STEP_TIMEOUT):
        """Return when kazoo's Election has joined, as our start() does: leading or watching.

        Without this, starting 500 contenders starts 500 threads that all read the
        children at once (our candidates join through the pool, 32 at a time): the
        GIL then starves the clients' connection threads and sessions expire.
        """
        lock = self.election.lock
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.thread.is_alive() and not self.leading:
            # kazoo's Lock waits on a data watch of its predecessor (client-side registry)
            if any(lock._watch_predecessor in ws for ws in list(self.zk._data_watchers.values())):
                return
            time.sleep(0.001)

    def resign(self):
        self.election.cancel()
        self.stop.set()

    def cancel(self):
        """Teardown: cancelled while its client still runs, its thread ends; on a closed
        client kazoo's Lock would retry forever."""
        self.resign()

    def finish(self, timeout=10):
        """After resign(): wait until it has let go (the lock released)."""
        if self.thread.is_alive():
            self.thread.join(timeout)


def load_classes(submission: Path, impls=IMPLS):
    """{impl: class} from a submission's notebooks, leaving the caller's imported labs as they were."""
    wanted = [BENCHED_LABS[i] for i in impls if i in BENCHED_LABS]
    if not wanted:
        return {}
    saved_finders = [f for f in sys.meta_path if isinstance(f, imports.SubmissionFinder)]
    saved_modules = {lab.module: sys.modules[lab.module] for lab in manifest.labs()
                     if lab.module in sys.modules}
    try:
        imports.install(Path(submission))
        return {lab.bench: getattr(imports.load_lab(lab.module), lab.candidate)
                for lab in wanted}
    finally:
        imports.uninstall()
        for f in reversed(saved_finders):
            sys.meta_path.insert(0, f)
        sys.modules.update(saved_modules)
