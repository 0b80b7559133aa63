"""Lab 6's experiment: a leader in a process of its own, which the notebook can freeze.

A notebook's kernel cannot freeze itself, so the leader that gets paused runs in
a child process: your Lab 5 ``ResilientCandidate`` (from your saved lab 5
notebook) on a kazoo client of its own, writing to the store while it believes it
leads. ``pause()`` is a real SIGSTOP, as in a long GC pause: its connection thread
stops too, and the servers expire its session once it has been silent for longer
than the session timeout.

    with workshop.store(fenced=False) as store:
        old = fencing.LeaderProcess(store, "old leader", election="/fencing-demo")
        old.wait_leading()
        old.pause() ... old.resume()
        store.log()                  # every write, accepted or refused, in order
        old.stop()
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from harness.waits import wait_until

SESSION_TIMEOUT = 2.0        # s: the child's session, so a pause of 3 s outlives it


def _leader(folder: str, hosts: str, election: str, address: str, writer: str, secret: str,
            every: float, leading, busy) -> None:
    """The child: lab 5's candidate, writing ``<writer> #<n>`` while it believes it leads.
    It sends no fencing token: it trusts is_leader, as code without fencing does. Each
    write takes a moment to prepare after the decision (``busy``): a pause then lands
    between deciding and writing, as a GC pause does."""
    import logging

    from kazoo.client import KazooClient

    from harness.learner import imports
    from harness.store.client import StoreClient
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)
    imports.install(Path(folder))
    ResilientCandidate = imports.load_lab("failover").ResilientCandidate
    zk = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT)
    zk.start(timeout=15)
    cand = ResilientCandidate(zk, election)
    cand.start()
    store = StoreClient(address, writer, secret)
    n = 0
    while True:
        leading.value = bool(cand.is_leader)
        if cand.is_leader:
            n += 1
            busy.value = True                  # decided: this write is under way
            time.sleep(every)                  # ... preparing the value takes a moment
            store.write("config", f"{writer} #{n}")
            busy.value = False
        time.sleep(every)


class LeaderProcess:
    """Your Lab 5 candidate in a child process, writing to ``store`` while it leads."""

    def __init__(self, store, writer: str, election: str, folder: Path | None = None,
                 every: float = 0.2):
        from harness.learner import workshop
        chroot = workshop.playground_path(workshop.current_lab())
        hosts = workshop.ensemble().hosts + chroot
        context = multiprocessing.get_context("spawn")      # no fork of a kernel's threads
        self._leading = context.Value("b", False)
        self._busy = context.Value("b", False)
        self.writer = writer
        self.process = context.Process(
            target=_leader, daemon=True, name=f"leader {writer}",
            args=(str(folder or workshop.folder()), hosts, election, store.address, writer,
                  store.add_writer(writer), every, self._leading, self._busy))
        self.process.start()

    @property
    def is_leader(self) -> bool:
        """What it last said of itself (stale while it is frozen: that is the point)."""
        return bool(self._leading.value)

    def wait_leading(self, timeout: float = 15.0) -> bool:
        return bool(wait_until(lambda: self.is_leader, timeout))

    def pause(self) -> None:
        """SIGSTOP, once it has decided to write and before the write went out: every thread
        of the process stops there, its connection thread too."""
        wait_until(lambda: self._busy.value, 5, interval=0.001)
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: int) -> None:
        # exitcode reaps a process that has ended: its pid, free again, is never signalled
        if self.process.exitcode is None:
            os.kill(self.process.pid, sig)

    def stop(self) -> None:
        if self.process.is_alive():
            self.resume()
            self.process.kill()
        self.process.join(5)
