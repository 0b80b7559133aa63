# kazoo's own election recipe (kazoo.recipe.election.Election, built on its Lock),
# adapted as thinly as possible to the lab 4 interface (docs/lab-interface.md):
# the graded suite must pass it. It decides in a thread of its own after start()
# returns, and watches its predecessor with a data read, as kazoo does.
#
# What kazoo itself does on resign (kazoo 2.11): Election.cancel() sets a flag
# that its Lock reads only at the top of each loop, before reading the children;
# a cancel() that lands while the Lock decides on children it has already read
# still acquires the lock, and Election.run() then calls the leader function.
# The adapter does what a thin adapter reasonably would: _lead() and resign()
# share a lock, and _lead() does nothing once resign() has been called.
# kazoo also leaves its one-shot get() watch on the predecessor after cancel()
# (kazoo has no call that removes a watch from the server); it fires once when
# that node goes and wakes nothing: checks/test_lab4_resign_races.py allows it.
import threading

from kazoo.exceptions import NoNodeError
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock


class _InterfaceLock(Lock):
    """kazoo's Lock, naming its nodes '<guid>-n_<seq>' as the interface does."""
    _NODE_NAME = "-n_"
    _EXCLUDE_NAMES = ["-n_"]

    watched = None

    def _get_predecessor(self, node):
        # kazoo keeps the predecessor in a local variable; remember it for `watching`
        predecessor = super()._get_predecessor(node)
        self.watched = predecessor
        return predecessor


class Candidate:
    def __init__(self, zk, election_path, on_elected=None):
        self.zk, self.path, self.on_elected = zk, election_path, on_elected
        self.election = Election(zk, election_path)
        self.election.lock = _InterfaceLock(zk, election_path)
        self.is_leader = False
        self.node = None
        self._resigned = threading.Event()
        self._guard = threading.Lock()       # _lead() and resign(): one at a time
        self._thread = None

    @property
    def watching(self):
        lock = self.election.lock
        if self.is_leader or self._resigned.is_set() or lock.watched is None:
            return None
        return f"{self.path}/{lock.watched}"

    def _lead(self):
        with self._guard:
            if self._resigned.is_set():
                return                 # kazoo calls us even if cancel() came while it decided
            self.is_leader = True
            if self.on_elected:
                self.on_elected()
        self._resigned.wait()          # lead until resign(); leaving run() deletes the node

    def start(self):
        self._thread = threading.Thread(target=self.election.run, args=(self._lead,), daemon=True)
        self._thread.start()
        lock = self.election.lock
        while lock.node is None and self._thread.is_alive():
            threading.Event().wait(0.005)
        self.node = f"{self.path}/{lock.node}" if lock.node else None

    def resign(self):
        with self._guard:
            if self._resigned.is_set():
                return
            self.is_leader = False
            self._resigned.set()
        self.election.cancel()
        if self._thread is not None:
            self._thread.join(10)
        # kazoo's own clean-up after cancel() is best effort (it swallows a connection
        # error): resign() must delete the node, so make sure it is gone
        if self.node:
            try:
                self.zk.retry(self.zk.delete, self.node)
            except NoNodeError:
                pass
