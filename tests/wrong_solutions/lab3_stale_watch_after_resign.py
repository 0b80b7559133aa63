"""A resigned herd candidate still reacts to its old watch and volunteers again.

A wrong solution kept to prove that the checks catch it.
"""
import threading
import uuid

from kazoo.exceptions import NoNodeError

from sequence_numbers import volunteer, sort_candidates, predecessor, find_own, sequence_number


class HerdCandidate:
    """A naive candidate: it watches every change among the election's children."""

    def __init__(self, zk, election_path, on_elected=None):
        self.zk = zk
        self.election_path = election_path.rstrip("/")
        self.on_elected = on_elected
        self.guid = uuid.uuid4().hex
        self.node = None
        self.is_leader = False
        self.watching = None
        self._lock = threading.RLock()
        self._active = False

    def start(self):
        """Volunteer, then look at the children (and watch them)."""
        with self._lock:
            if self._active:
                return
            self.node = volunteer(self.zk, self.election_path, self.guid)
            self._active = True
            elected = self._look()
        if elected:
            self._announce()

    def _look(self):
        """Read the children WITH a watch; lead if our node is first.

        Called with the lock held; returns True if we just became leader.
        """
        children = self.zk.get_children(self.election_path, watch=self._on_children)
        mine = self.node.rsplit("/", 1)[1]
        if mine not in children:            # our node is gone: we no longer take part
            self._active = False
            self.is_leader, self.watching = False, None
            return False
        first = sort_candidates(children)[0]
        if first == mine:
            was_leader = self.is_leader
            self.is_leader, self.watching = True, None
            return not was_leader
        self.watching = self.election_path
        return False

    def _on_children(self, event):
        """Watch callback (kazoo's event thread): the children changed, look again.

        The watch that fired is used up; looking again sets a new one. A leader
        has nothing to wait for, so it lets its last watch go.
        """
        with self._lock:
            if not self._active:
                self.node = volunteer(self.zk, self.election_path, self.guid)   # back in the game
                self._active = True
            if self.is_leader:
                return                          # a leader waits for nothing: it does not watch again
            try:
                elected = self._look()
            except Exception:                   # connection trouble: Lab 5's business
                return
        if elected:
            self._announce()

    def _announce(self):
        if self.is_leader and self.on_elected is not None:
            self.on_elected()

    def resign(self):
        """Delete our node and stop taking part; calling it again does nothing."""
        with self._lock:
            if not self._active:
                return
            self._active = False
            self.is_leader, self.watching = False, None
            try:
                self.zk.delete(self.node)
            except NoNodeError:
                pass
