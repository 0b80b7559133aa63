"""Watch notifications per change: the number a lab's herd and predecessor cells compare.

What is counted: the notifications the view's OWN candidates received, per session on the
candidates' own clients (``Entry.count_notifications``), not the servers' ``mntr``
counters, which count every user of the ensemble: with 30 learners on one ensemble the
number is still this election's own. Candidates the view did not make are not counted
(the view does not hold their connections).

Each change of the children opens an epoch. Its count is what the view's own candidates
still in line received (per client, ``Entry.received``) since the epoch's base: the
counts just before the action that caused it (``_action``), or where the previous epoch
was frozen. The candidates whose node left in this change are not counted, as the
notebook's cells count the N-1 that were waiting: a leader that became leader through a
notification may still hold the watch it read with, and its own resignation or expiry can
fire it (or not, when an expiry closes its connection first), a race that would make the
number 3 one time and 4 the next.

An epoch is frozen by ``_settle_count`` once the change has settled: every candidate's
client has synced with its server, so everything the servers owed it for that change has
arrived, and every callback it woke has returned (a herd candidate has set its watch
again). Each of the view's actions returns only then, so ``view.add_candidates(5);
view.resign_leader()`` reads 4 for the herd, every time. A change that comes before the
previous one settled freezes the previous one where it stands.

The total (``state()["notifications"]["total"]``) is the sum of the changes' counts
since the view opened, so the rows add up to it: a total of everything the clients
received (kept as ``received``) also held what no row counts (a leaving candidate's own
notification, one between two changes), and once read "4" above rows that added up to 3.

``CountingPart`` is one part of ``LiveView`` (see ``liveview``).
"""
from __future__ import annotations

import collections
import contextlib
import threading

from harness.recipe import quiesce

SETTLE_WAIT = 3.0                  # how long a change's count waits for the candidates' syncs
HISTORY = 20                       # changes kept for state()["notifications"]["changes"]


def _basename(path):
    return path.rsplit("/", 1)[-1] if path else None


class Entry:
    """A candidate the view made: its label (#k), its own client, the object, and how
    many watch notifications that client has received."""

    def __init__(self, label, client):
        self.label = label
        self.client = client
        self.candidate = None
        self.last_node = None
        self.received = 0            # watch notifications this client has received
        self.counted = self.count_notifications()

    def count_notifications(self) -> bool:
        """Count every watch notification this client receives, at the wire.

        Why here and not elsewhere: the servers' ``mntr`` counters are server-wide (with
        anyone else on the ensemble a 5-candidate herd failover read "250", "1555"), and
        ``cons`` counts per connection, so it restarts from zero whenever a session moves to
        another server, and loses what a killed server had sent. The candidate's own client
        sees exactly what its session received, whichever server sent it: kazoo's reader
        thread handles each notification packet in ``ConnectionHandler._read_watch_event``
        (one packet = one notification from the server, however many callbacks the
        learner's code registered for it, and none for kazoo's own synthetic events). The
        view made this client, so it wraps that one method of this one connection. Only
        the reader thread writes ``received``; a reply the client gets after a ``sync``
        was read after every notification sent before it (see ``_settle_count``).
        Returns False (and the view says it cannot count) if kazoo's internals differ.
        """
        conn = getattr(self.client, "_connection", None)
        read = getattr(conn, "_read_watch_event", None)
        if read is None:
            return False

        def counted(buffer, offset, _read=read):
            self.received += 1
            return _read(buffer, offset)
        conn._read_watch_event = counted
        return True

    def node(self):
        return _basename(getattr(self.candidate, "node", None))

    def session(self):
        cid = self.client.client_id
        return cid[0] if cid else None


def _kind(removed, added, before) -> str:
    """What a change of the children was: the first node left (a failover), or not."""
    if before is not None and before in removed:
        return "failover"
    if added and not removed:
        return "join"
    if removed and not added:
        return "leave"
    return "change"


class CountingPart:
    """The epochs: one per change of the children, each with its count."""

    def _init_counting(self) -> None:
        self._settle_lock = threading.Lock()     # one change's count is settled at a time
        self._action_lock = threading.Lock()     # one action at a time (buttons and methods)
        self._cause: str | None = None
        self._base: dict = {}         # {entry: received} where the next change starts counting
        self._gone = 0                # received by entries removed (a start() that failed)
        self._epoch: dict | None = None
        self._history: collections.deque = collections.deque(maxlen=HISTORY)
        self._dropped = {"changes": 0, "notifications": 0}   # rows gone from the history

    def _received(self) -> int:
        """(under the lock) Every notification the view's candidates received so far."""
        return self._gone + sum(e.received for e in self._entries)

    def _snapshot(self) -> dict:
        """(under the lock) {entry: received} now."""
        return {e: e.received for e in self._entries}

    @staticmethod
    def _count(epoch, now) -> int:
        return sum(n - epoch["base"].get(e, 0) for e, n in now.items()
                   if e not in epoch["leavers"])

    def _new_epoch(self, old, new):
        """(under the lock) A change of the children opens an epoch."""
        removed = [n for n in old if n not in new]
        added = [n for n in new if n not in old]
        before, after = (old[0] if old else None), (new[0] if new else None)
        kind = _kind(removed, added, before)
        now = self._snapshot()
        if self._epoch is not None and not self._epoch["settled"]:
            self._freeze(self._epoch, now)
        if self._epoch is not None:
            if len(self._history) == HISTORY:      # the oldest row goes: keep its count
                self._dropped["changes"] += 1
                self._dropped["notifications"] += self._history[0]["notifications"]
            self._history.append(self._epoch)
        self._epoch = {"kind": kind, "removed": removed, "added": added,
                       "leader_before": before, "leader_after": after, "cause": self._cause,
                       "base": self._base, "leavers": self._leavers(old, removed),
                       "settled": False, "notifications": 0}

    def _leavers(self, old, removed) -> set:
        """(under the lock) The view's candidates whose node left in this change, found by
        their node and, when that is already gone, by label or the node they last held."""
        held = self._match(self._entries, old, self._owners)
        gone_labels = {self._labels.get(n) for n in removed}
        return {held[n] for n in removed if n in held} | {
            e for e in self._entries if e.label in gone_labels or e.last_node in removed}

    def _freeze(self, epoch, now):
        """(under the lock) The epoch's number is final; the next counts from here."""
        epoch["notifications"] = self._count(epoch, now)
        epoch["settled"] = True
        self._base = now

    def _settle_count(self, timeout: float = SETTLE_WAIT) -> None:
        """Freeze the latest change's count once the candidates have received all of it,
        and have handled it.

        Every candidate's client syncs with its server: the server answers only after
        sending it every notification of the changes committed before (the view saw this
        change, so it is committed), on the same connection, so kazoo's reader has counted
        them before the answer. Then a marker through the client's callback queues: once
        it runs, every callback those notifications woke has returned, so a candidate
        that sets its watch again (the herd) has done so, and the next change is counted
        against watches that are really there (``recipe.quiesce``). A client that is not
        connected (its server was killed, its session expired) is not waited for.
        """
        with self._settle_lock:
            with self._lock:
                epoch = self._epoch
                clients = [e.client for e in self._entries]
            if epoch is None or epoch["settled"]:
                return
            quiesce(clients, timeout=timeout, strict=False)
            with self._lock:
                if self._epoch is epoch and not epoch["settled"]:
                    self._freeze(epoch, self._snapshot())

    def _notifications(self) -> dict:
        """(under the lock) The notifications part of ``state()``."""
        epochs = list(self._history)
        if self._epoch is not None:
            e = self._epoch
            if not e["settled"]:
                e["notifications"] = self._count(e, self._snapshot())
            epochs.append(e)
        public = [{k: v for k, v in e.items() if k not in ("base", "leavers")} for e in epochs]
        failovers = [e for e in public if e["kind"] == "failover"]
        return {"available": all(e.counted for e in self._entries),
                "total": self._dropped["notifications"] + sum(e["notifications"] for e in public),
                "changes_seen": self._dropped["changes"] + len(public),
                "received": self._received(),
                "last_change": public[-1]["notifications"] if public else None,
                "last_failover": failovers[-1]["notifications"] if failovers else None,
                "changes": public}

    @contextlib.contextmanager
    def _action(self, cause):
        """One action: the change it causes counts from here (what came before is not
        this action's; an earlier change still open is frozen first). A view closed
        meanwhile refuses it: ``close()`` waits for the action under way, then cleans up."""
        with self._action_lock:
            self._check_open()
            self._settle_count()
            with self._lock:
                if self._epoch is None or self._epoch["settled"]:
                    self._base = self._snapshot()
                self._cause = cause
            try:
                yield
            finally:
                with self._lock:
                    self._cause = None
        self._read_store()            # the store has no watch: read it after each action
        self._poke(settle=True)
