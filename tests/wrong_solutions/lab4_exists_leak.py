"""Sets the predecessor watch with exists(), which leaves a watch behind on a node that is already gone.

A wrong solution kept to prove that the checks catch it.
"""
import threading
import uuid

from kazoo.exceptions import NoNodeError

from sequence_numbers import volunteer, sort_candidates, predecessor, find_own, sequence_number


class Candidate:
    """The recipe: each candidate watches only the node just before its own."""

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
        self._generation = 0        # bumped on every new watch and on resign

    def start(self):
        """Volunteer, then decide: lead, or watch the predecessor."""
        with self._lock:
            if self._active:
                return
            self.node = volunteer(self.zk, self.election_path, self.guid)
            self._active = True
            elected = self._decide()
        if elected:
            self._announce()

    def _decide(self):
        """Steps 2-4 of the recipe. Called with the lock held; True if we just became leader."""
        mine = self.node.rsplit("/", 1)[1]
        while True:
            children = self.zk.get_children(self.election_path)      # no watch here
            if mine not in children:            # our node is gone: we no longer take part
                self._active = False
                self.is_leader, self.watching = False, None
                return False
            before = predecessor(children, mine)
            if before is None:
                was_leader = self.is_leader
                self.is_leader, self.watching = True, None
                return not was_leader
            path = f"{self.election_path}/{before}"
            self._generation += 1
            watch = self._make_watch(self._generation)
            if self.zk.exists(path, watch=watch) is None:
                continue                         # gone: read again (but the watch stays behind)
            self.watching = path
            return False

    def _make_watch(self, generation):
        def on_predecessor_event(event):
            with self._lock:
                if not self._active or generation != self._generation:
                    return
                try:
                    elected = self._decide()
                except Exception:               # connection trouble: Lab 5's business
                    return
            if elected:
                self._announce()
        return on_predecessor_event

    def _announce(self):
        if self.is_leader and self.on_elected is not None:
            self.on_elected()

    def resign(self):
        """Delete our node and stop taking part; calling it again does nothing."""
        with self._lock:
            if not self._active:
                return
            self._active = False
            self._generation += 1
            self.is_leader, self.watching = False, None
            try:
                self.zk.delete(self.node)
            except NoNodeError:
                pass
