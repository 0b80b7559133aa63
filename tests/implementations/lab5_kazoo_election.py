# kazoo's own election recipe (kazoo.recipe.election.Election, built on its Lock),
# wrapped as thinly as possible into the lab 5 interface (docs/lab-interface.md:
# ResilientCandidate). It is not meant to pass lab 5: kazoo's recipe takes no
# notice of the connection's state. A leader whose connection is SUSPENDED keeps
# leading (is_leader stays True, on_revoked is never called) until the leader
# function returns, and it never takes part again after its session expires.
# tests/test_other_implementations.py proves, by grading it, that the lab 5
# suspension check fails it for exactly that reason.
#
# Same thin adaptation as tests/implementations/lab4_kazoo_election.py: nodes
# named '<guid>-n_<seq>', `watching` read from the Lock, and no leading once
# resign() has been called (kazoo's Election calls the leader function even if
# cancel() came while its Lock was deciding).
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
        predecessor = super()._get_predecessor(node)
        self.watched = predecessor
        return predecessor


class ResilientCandidate:
    def __init__(self, zk, election_path, on_elected=None, on_revoked=None):
        self.zk, self.path = zk, election_path
        self.on_elected, self.on_revoked = on_elected, on_revoked
        self.election = Election(zk, election_path)
        self.election.lock = _InterfaceLock(zk, election_path)
        self.is_leader = False
        self.node = None
        self._resigned = threading.Event()
        self._guard = threading.Lock()
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
                return
            self.is_leader = True
            if self.on_elected:
                self.on_elected()
        self._resigned.wait()          # kazoo: lead until the function returns

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
            was = self.is_leader
            self.is_leader = False
            self._resigned.set()
        if was and self.on_revoked:
            self.on_revoked()
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
