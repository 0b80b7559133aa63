"""A few named candidates for a notebook's experiments, and what happened to them.

    with workshop.experiment("failover", keep=True) as run:
        abc = Lineup(run, ResilientCandidate, election_path, names="ABC", ensemble=ens)
        abc.settled_leader()       # "A", once every client is connected and one leads
        abc.report()               # their callbacks and connection changes since last time

Each candidate gets a client of its own from the experiment (so running the cell again
ends the last run's candidates first). The log is written by the callbacks and the
listeners, which only append: they never block kazoo's threads.
"""
from __future__ import annotations

import time

from harness.learner import workshop
from harness.waits import wait_until


class Lineup:
    """Candidates named ``names``, each on a client of its own in ``run``."""

    def __init__(self, run, make_candidate, election_path: str, names="ABC", ensemble=None,
                 timeout: float = 2.0, t0: float | None = None):
        self.names = list(names)
        self.ensemble = ensemble
        self.t0 = time.monotonic() if t0 is None else t0
        self.events: list[tuple[float, str, str]] = []
        self.clients, self.cands = {}, {}
        for n in self.names:
            self.clients[n] = run.client(timeout=timeout)
            self.clients[n].add_listener(self._note(n, "client"))
            self.cands[n] = run.add(make_candidate(
                self.clients[n], election_path,
                on_elected=self._note(n, "ELECTED"), on_revoked=self._note(n, "revoked")))
            self.cands[n].start()

    def _note(self, name: str, what: str):
        return lambda *args: self.events.append(
            (time.monotonic(), name, what + (f" {args[0]}" if args else "")))

    def leaders(self) -> list[str]:
        """The names of the candidates whose ``is_leader`` is True now."""
        return [n for n in self.names if self.cands[n].is_leader]

    def line(self) -> list[str]:
        """The names in the order of their nodes' sequence numbers (the line's head first)."""
        return sorted(self.names, key=lambda n: int(self.cands[n].node.rpartition("-n_")[2]))

    def settled_leader(self, timeout: float = 10) -> str:
        """The one leader, once every client is connected and exactly one candidate leads."""
        if not wait_until(lambda: all(self.clients[n].connected for n in self.names)
                          and len(self.leaders()) == 1, timeout):
            raise TimeoutError(f"no single leader within {timeout} s: leaders {self.leaders()}, "
                               f"client states {[self.clients[n].state for n in self.names]}")
        return self.leaders()[0]

    def report(self) -> None:
        """Print the events since the last report, then each candidate's state. Once this
        kernel ran a ``workshop.faults()`` block, only the events inside its own blocks are
        shown: the others were someone else's faults on the shared ensemble."""
        own = workshop.fault_experiments()
        shown = [e for e in self.events if not own or workshop.during_own_faults(e[0])]
        for when, who, what in shown:
            print(f"   {when - self.t0:6.2f}s  {who}: {what}")
        if len(shown) < len(self.events):
            print(f"   ({len(self.events) - len(shown)} event(s) outside your experiments not "
                  "shown: someone else's fault on the shared ensemble)")
        self.events.clear()
        for n in self.names:
            cand, cid = self.cands[n], self.clients[n].client_id
            server = self.ensemble.server_of(cid[0]) if cid and self.ensemble else "?"
            print(f"   {n}: leader={cand.is_leader!s:5} node=..{(cand.node or '-')[-4:]} "
                  f"watching=..{(cand.watching or '-')[-4:]:>4} "
                  f"session=0x{cid[0] if cid else 0:x} server=zoo{server}")
