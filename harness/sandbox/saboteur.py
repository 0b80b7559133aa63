"""Lab 4's race, provoked from inside the sandbox.

A ``Saboteur`` stands in for the racing candidate's KazooClient; the real
client does every call. Right after one of the racer's ``get_children()``
calls returns, and before the racer can set its watch, another client deletes
the racer's predecessor, if that predecessor is one of the ``doomed`` nodes, and
makes the racer's own server apply that delete (a sync) before the racer goes on.
With ``at_once``, every doomed node before the racer's goes on that one read
(several predecessors vanish together; the leader's node may be among them).
It lives in the sandbox because the race is between two calls of the
learner's code; the grader checks on the servers that each node it reports
deleted is really gone.

With ``delay`` (seconds, 0 by default), each of those reads is held that long
after ZooKeeper answered it, before the racer sees the answer: the racer's
decision is late, and what it read may be stale by then (a resign() landing in
that window). ``held`` counts the reads held so far, counted as the hold begins.
"""
import time

from kazoo.exceptions import NoNodeError

from harness.recipe import MARKER, creation_order


class Saboteur:
    def __init__(self, real, killer, doomed, at_once=False):
        self._real = real
        self._killer = killer
        self.doomed = set(doomed)        # names of nodes we may delete
        self.at_once = bool(at_once)     # delete every doomed node before ours on one read
        self.deleted = []
        self.reads = 0                   # get_children calls seen after the create
        self.own = None
        self.delay = 0.0                 # seconds each read after the create is held
        self.held = 0                    # reads held so far (counted as the hold begins)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def create(self, path, *args, **kwargs):
        made = self._real.create(path, *args, **kwargs)
        self.own = made.rsplit("/", 1)[1]
        return made

    def get_children(self, path, *args, **kwargs):
        children = self._real.get_children(path, *args, **kwargs)
        names = [c for c in children if MARKER in c]
        if self.own in names:
            self.reads += 1
            order = creation_order(names)
            i = order.index(self.own)
            if self.at_once:
                victims = [c for c in order[:i] if c in self.doomed]
            else:
                victims = [order[i - 1]] if i > 0 and order[i - 1] in self.doomed else []
            gone = 0
            for victim in reversed(victims):     # the predecessor first
                self.doomed.discard(victim)
                try:
                    self._killer.delete(f"{path.rstrip('/')}/{victim}")
                    self.deleted.append(victim)
                    gone += 1
                except NoNodeError:
                    pass
            if gone:
                # The killer may be connected to another server than the racer, whose
                # server could still hold the node for a moment: the racer's watch would
                # then land on it and fire, and the race would not be run at all. A sync
                # on the racer's own client makes its server apply the deletes first, so
                # the racer's next call meets the node gone, whichever servers they use.
                self._real.sync(path)
            if self.delay > 0:
                self.held += 1
                time.sleep(self.delay)
        return children


class DeleteAfterRead:
    """Lab 6's race, provoked from inside the sandbox: the moment a read of ``node`` (exists,
    get) finds it, another client deletes it, and the reader's own server applies that
    delete (a sync) before the read returns. Code that checks the node and then writes in
    a second call writes after the node is gone; a ``multi`` transaction (``check`` and
    ``set_data`` in one request) is not a read, passes through untouched, and is atomic.
    ``deleted`` says whether it struck; ``reads`` how many reads of the node it saw."""

    def __init__(self, real, killer, node):
        self._real, self._killer, self._node = real, killer, node
        self.deleted = False
        self.reads = 0

    def __getattr__(self, name):
        return getattr(self._real, name)

    def _strike(self, path, found) -> None:
        if path.rstrip("/") != self._node or not found:
            return
        self.reads += 1
        if not self.deleted:
            try:
                self._killer.delete(self._node)
            except NoNodeError:
                pass
            self.deleted = True
            self._real.sync(self._node)

    def exists(self, path, *args, **kwargs):
        stat = self._real.exists(path, *args, **kwargs)
        self._strike(path, stat is not None)
        return stat

    def get(self, path, *args, **kwargs):
        value = self._real.get(path, *args, **kwargs)
        self._strike(path, True)
        return value
