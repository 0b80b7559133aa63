"""The requests that provoke a lab's races, inside the sandbox, on the learner's clients.

Lab 4's race (``Saboteur``: a predecessor vanishes between a read and a watch) and
lab 6's (``DeleteAfterRead``: a node vanishes between a check and a write; a store
client whose next write waits at a gate while the grader freezes the process) live
here, in the learner's process, because each is a race between two calls of the
learner's own code. What they did is data the grader checks on the servers.
"""
from __future__ import annotations


class ProtocolError(Exception):
    """The grader asked for something this sandbox does not offer."""


class RaceOps:
    """The race-provoking requests of the sandbox's server (``child.Server``): ``self.obj``
    and ``self.keep`` come from it."""

    def op_store_client(self, address, writer, secret=""):
        """A client of the fencing lab's store, writing as ``writer`` (lab 6)."""
        from harness.store.client import StoreClient
        return self.keep(StoreClient(address, writer, secret))

    def op_store_gate(self, store, hold=None):
        """Hold the next write of a store client at its gate (``hold``), or let it go
        (``hold=False``); whether a write is waiting there now."""
        from harness.store.client import StoreClient
        s = self.obj(store, StoreClient)
        if hold is True:
            s.hold_next_write()
        elif hold is False:
            s.release()
        return {"held": s.held}

    def op_guard_saboteur(self, client, killer, node):
        """Wrap a client so that ``node`` is deleted right after the first read that finds it
        (lab 6's race between a check and a write made in two calls)."""
        from harness.sandbox.saboteur import DeleteAfterRead
        return self.keep(DeleteAfterRead(self.obj(client), self.obj(killer), node))

    def op_guard_saboteur_state(self, saboteur):
        s = self.obj(saboteur)
        return {"deleted": s.deleted, "reads": s.reads}

    def op_saboteur(self, client, killer, doomed, at_once=False):
        """Wrap a client so that the node before its owner's vanishes right after each
        get_children (lab 4's race), when that node is one of ``doomed`` (``at_once``:
        every doomed node before its owner's, on one read)."""
        from harness.sandbox.saboteur import Saboteur
        return self.keep(Saboteur(self.obj(client), self.obj(killer), doomed, at_once))

    def op_saboteur_state(self, saboteur, doomed=None, delay=None):
        s = self.obj(saboteur)
        if doomed is not None:
            s.doomed = set(doomed)
        if delay is not None:
            s.delay = min(max(float(delay), 0.0), 2.0)
        return {"deleted": list(s.deleted), "reads": s.reads, "held": s.held}
