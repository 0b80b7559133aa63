# Lab 6 written another way: kazoo's own election recipe (kazoo.recipe.election.Election,
# built on its Lock) for the election, the leader's own node's creation zxid for the
# token, kazoo's transaction() for guarded_set. Nothing from the workshop's lab 5.
#
# kazoo's Election takes part once: its leader function runs until it returns,
# whatever the connection does. The glue lab 6 needs on top, and nothing more:
#   - the term ends with the session (LOST): the leader function returns, and the
#     candidate takes part again with a new node, so a new term with a new token;
#   - no leading once resign() has been called, and resign() deletes the node
#     (as tests/implementations/lab5_kazoo_election.py does);
#   - nodes named '<guid>-n_<seq>' and `watching` read from the Lock (as for lab 4).
# It still takes no notice of SUSPENDED: a paused leader, continued, writes with the
# token of the term it believes it leads, and only the store's fence stops it.
import threading

from kazoo.exceptions import NoNodeError
from kazoo.protocol.states import KazooState
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock


def fencing_token(zk, node):
    stat = zk.exists(node)
    if stat is None:
        raise NoNodeError(node)
    return stat.czxid


def guarded_set(zk, node, path, data):
    transaction = zk.transaction()
    transaction.check(node, 0)
    transaction.set_data(path, data)
    return not any(isinstance(r, Exception) for r in transaction.commit())


class _InterfaceLock(Lock):
    """kazoo's Lock, naming its nodes '<guid>-n_<seq>' as the interface does."""
    _NODE_NAME = "-n_"
    _EXCLUDE_NAMES = ["-n_"]

    watched = None

    def _get_predecessor(self, node):
        predecessor = super()._get_predecessor(node)
        self.watched = predecessor
        return predecessor


class FencedLeader:
    def __init__(self, zk, election_path, store, on_elected=None, on_revoked=None):
        self.zk, self.path, self.store = zk, election_path, store
        self.on_elected, self.on_revoked = on_elected, on_revoked
        self.is_leader = False
        self._lock = None
        self._token = None
        self._resigned = threading.Event()
        self._term_over = threading.Event()
        self._guard = threading.Lock()
        self._thread = None
        zk.add_listener(self._on_state)

    @property
    def node(self):
        lock = self._lock
        return f"{self.path}/{lock.node}" if lock is not None and lock.node else None

    @property
    def watching(self):
        lock = self._lock
        if self.is_leader or self._resigned.is_set() or lock is None or lock.watched is None:
            return None
        return f"{self.path}/{lock.watched}"

    def _on_state(self, state):
        if state == KazooState.LOST:       # the session and its node are gone: so is the term
            self._term_over.set()

    def _lead(self):
        with self._guard:
            if self._resigned.is_set() or self._term_over.is_set():
                return
            try:
                self._token = fencing_token(self.zk, self.node)
            except Exception:
                return                     # the node went before we could lead with it
            self.is_leader = True
        if self.on_elected:
            self.on_elected()
        while not (self._resigned.is_set() or self._term_over.wait(0.05)):
            pass
        self._step_down()

    def _step_down(self):
        with self._guard:
            was, self.is_leader, self._token = self.is_leader, False, None
        if was and self.on_revoked:
            self.on_revoked()

    def _take_part(self):
        while not self._resigned.is_set():
            self._term_over.clear()
            election = Election(self.zk, self.path)
            election.lock = self._lock = _InterfaceLock(self.zk, self.path)
            self._election = election
            try:
                election.run(self._lead)
            except Exception:
                pass                       # a connection lost mid-call: take part again
            if not self._resigned.is_set():
                self._term_over.wait(0.2)  # kazoo reconnects with a new session first

    def start(self):
        self._thread = threading.Thread(target=self._take_part, daemon=True)
        self._thread.start()
        while self._lock is None or (self._lock.node is None and self._thread.is_alive()):
            threading.Event().wait(0.005)

    def write(self, key, value):
        token = self._token
        if not self.is_leader or token is None:
            return False
        return self.store.write(key, value, token=token)

    def resign(self):
        if self._resigned.is_set():
            return
        node = self.node
        self._resigned.set()
        self._step_down()
        election = getattr(self, "_election", None)
        if election is not None:
            election.cancel()
        if self._thread is not None:
            self._thread.join(10)
        # kazoo's clean-up after cancel() is best effort: resign() must delete the node
        for gone in {node, self.node} - {None}:
            try:
                self.zk.retry(self.zk.delete, gone)
            except NoNodeError:
                pass
        self.zk.remove_listener(self._on_state)
