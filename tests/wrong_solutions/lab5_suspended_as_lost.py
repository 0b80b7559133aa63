"""Treats SUSPENDED like LOST: after every suspension it abandons its node and creates a new one.

The session usually survives a suspension, and so does the old node: it stays in
the line as an orphan that nobody acts on.
"""
import logging
import threading
import time
import uuid

from kazoo.client import KazooState
from kazoo.exceptions import ConnectionLoss, KazooException, NoNodeError, SessionExpiredError
from kazoo.protocol.states import Callback

from sequence_numbers import find_own, predecessor, volunteer

log = logging.getLogger("failover")


class ResilientCandidate:
    """A Lab 4 candidate that survives a real network: suspensions, expiries, lost creates.

    One worker thread owns the election: it creates the node, reads the children,
    sets the watch and decides to lead. Everything else (kazoo's state listener,
    watch callbacks) only wakes it up, so nothing ever blocks kazoo's threads.
    The one exception is giving up the lead: the state listener does that itself,
    at once, because a leader must stop the moment its connection is in doubt.
    """

    def __init__(self, zk, election_path, on_elected=None, on_revoked=None):
        self.zk = zk
        self.election_path = election_path.rstrip("/")
        self.on_elected = on_elected
        self.on_revoked = on_revoked
        self.node = None          # full path of our znode
        self.is_leader = False
        self.watching = None      # full path of the znode we wait on
        self.guid = None          # the guid inside our node's name
        self._session = None      # the session our guid and node belong to
        self._create_pending = False   # a create was sent but no answer came back
        self._epoch = 0           # +1 at every connection state change
        self._stopped = False
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._has_node = threading.Event()
        self._worker = None
        self._error = None        # a bug in our own step, reported by start()

    # --- what the outside world calls ----------------------------------------

    def start(self):
        """Volunteer and take part; return once our node exists."""
        if self._worker is not None:
            return
        self.zk.add_listener(self._on_state)
        self._worker = self.zk.handler.spawn(self._run)
        self._wake.set()
        while not self._has_node.wait(0.1):
            if self._stopped:
                return
        if self._error is not None:
            raise self._error

    def resign(self):
        """Give up the lead, delete our node and stop taking part. Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._step_down()
            self.watching = None
        self.zk.remove_listener(self._on_state)
        self._wake.set()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=10)
        node, self.node = self.node, None
        try:
            if node is None and self._create_pending and self.zk.connected:
                # a create whose answer we never got may still have made our node
                mine = find_own(self.zk.get_children(self.election_path), self.guid)
                node = mine and f"{self.election_path}/{mine}"
            if node is not None:
                self.zk.delete(node)
        except NoNodeError:
            pass
        except KazooException as e:
            log.warning("resign: could not delete %s (%s); it goes with the session", node, e)

    # --- kazoo's threads: never block here -------------------------------------

    def _on_state(self, state):
        """Runs on kazoo's connection thread for every CONNECTED/SUSPENDED/LOST."""
        with self._lock:
            self._epoch += 1
            if state != KazooState.CONNECTED:
                # SUSPENDED: our session may or may not live; LOST: it is gone.
                # Either way somebody else may lead now: stop at once.
                self._step_down()
            if state != KazooState.CONNECTED:
                self.watching = None
                self._session = None      # start over with a new node
        self._wake.set()      # CONNECTED: the worker looks again (same or new session)

    def _on_watch(self, event):
        self._wake.set()

    def _step_down(self):
        """Stop leading (the caller holds the lock)."""
        if self.is_leader:
            self.is_leader = False
            self._callback(self.on_revoked)

    def _callback(self, func):
        """Run the user's callback on kazoo's event thread, in order."""
        if func is not None:
            self.zk.handler.dispatch_callback(Callback("election", func, ()))

    # --- the worker: the only thread that talks to ZooKeeper for us ------------

    def _run(self):
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            try:
                self._step()
            except (ConnectionLoss, SessionExpiredError):
                pass          # the state listener wakes us once we are connected again
            except KazooException as e:
                log.warning("election step failed (%s); trying again", e)
                time.sleep(0.1)   # this is our own thread: a pause here blocks nobody
                self._wake.set()
            except Exception as e:
                # a bug in our own code: start() raises it if it is still waiting
                log.exception("election step failed")
                self._error = e
                self._has_node.set()

    def _step(self):
        """Look at the election once and act: create, watch, or lead."""
        with self._lock:
            if self._stopped or self.zk.state != KazooState.CONNECTED:
                return        # nothing to do until we are connected
            epoch = self._epoch
            client_id = self.zk.client_id
        if client_id is None:
            return
        session = client_id[0]
        if self._session != session:
            self._forget_node(session)    # our old node (if any) died with our old session
        if self.node is None:
            self._ensure_node()
        node = self.node
        me = node.rsplit("/", 1)[1]
        children = self.zk.get_children(self.election_path)
        if me not in children:            # someone deleted our node
            with self._lock:
                self._step_down()
            self._forget_node(session)
            self._wake.set()
            return
        before = predecessor(children, me)
        if before is None:
            self._lead_if_mine(node, session, epoch)
        else:
            self._watch(f"{self.election_path}/{before}")

    def _forget_node(self, session):
        """Our node is gone or not ours: from now on, a new node with a new guid."""
        self.node = None
        self._session = session
        self._create_pending = False
        self.guid = uuid.uuid4().hex

    def _ensure_node(self):
        """Create our node, or find it if our last create's answer was lost."""
        if self._create_pending:
            # The create may have happened and only its reply got lost: the
            # session lived on, so the node did too. Look for our guid.
            mine = find_own(self.zk.get_children(self.election_path), self.guid)
            if mine is not None:
                self._adopt(f"{self.election_path}/{mine}")
                return
        self._create_pending = True
        path = volunteer(self.zk, self.election_path, self.guid)   # may raise ConnectionLoss
        self._create_pending = False
        self._adopt(path)

    def _adopt(self, path):
        self.node = path
        self._has_node.set()

    def _lead_if_mine(self, node, session, epoch):
        """We are first: lead, if the node is still ours and nothing changed meanwhile."""
        try:
            _data, stat = self.zk.get(node, watch=self._on_watch)   # wakes us if it goes
        except NoNodeError:
            stat = None
        if stat is None or stat.ephemeralOwner != session:
            # Same name, not our node: ours was deleted and someone made this one.
            with self._lock:
                self._step_down()
            self._forget_node(session)
            self._wake.set()
            return
        with self._lock:
            if self._stopped or epoch != self._epoch or self.zk.state != KazooState.CONNECTED:
                return        # the connection changed while we looked: look again
            self.watching = None
            if not self.is_leader:
                self.is_leader = True
                self._callback(self.on_elected)

    def _watch(self, path):
        """Wait for the node just before ours (a data watch: no watch if it is gone)."""
        try:
            self.zk.get(path, watch=self._on_watch)
        except NoNodeError:
            self._wake.set()              # gone already: look again
            return
        with self._lock:
            self._step_down()             # someone is before us: we do not lead
            self.watching = path
