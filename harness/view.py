"""The live view of a leader election (labs 3-5): candidates, leader, watch arrows, servers.

One cell of a lab notebook::

    from harness.view import LiveView
    view = LiveView(ens, election_path="/election",
                    make_candidate=lambda client, path: Candidate(client, path))
    view.add_candidates(5)       # five candidates, each on its own new client (own session)
    view                         # last expression of a cell: shows the widget (or view.show())

One numbering: the candidates the view makes are labelled ``#1``, ``#2``, ... in the order
they joined (the order ``add_candidate`` made them), and keep their label for life (a
candidate that rejoins with a new node is still ``#k``). The same ``#k`` is the label in
the picture, in the rows of notifications, in the dropdown, in ``state()``, and the
argument of ``view.expire(k)``. A node's sequence number is shown as ``seq 42`` (never
``#42``); a node the view did not make is labelled by the start of its guid.

What it shows, kept up to date from ZooKeeper itself:

* the candidates: the children of ``election_path`` in sequence order (the number after
  the last ``-n_``, parsed as a signed int), one box each, labelled ``#k`` (above); the
  first node is the recipe's leader;
* the leader: the first node is drawn in gold; a candidate that believes it leads
  (``is_leader``) while its node is not first is drawn in red ("claims lead!");
* an arrow from each candidate to what it watches: from the candidate object's
  ``watching`` attribute when the view created it, and from the servers' watch lists
  (``wchc``, data watches only) for any session, matched to the node through the node's
  ``ephemeralOwner``. So candidates created elsewhere get arrows too, and a watch left on a
  node that is gone shows up. A candidate that watches the children of the election path
  (the herd, lab 3) gets an arrow to the ``/election`` box;
* the watch notifications the view's OWN candidates received for each change, counted per
  session on the candidates' own clients (see ``_Entry.count_notifications``), over the
  candidates still in line after it (as the notebooks count the N-1 that were waiting;
  the one that left is not counted): not the servers' ``mntr`` counters, which count
  every user of the ensemble. With 30 learners on
  one ensemble the number is still this election's own. A row's number is frozen once the
  change has settled: every candidate's client has synced with its server, so everything
  the servers owed it for that change has arrived, and every callback it woke has returned
  (a herd candidate has set its watch again). Each of the view's actions returns only then,
  so ``view.add_candidates(5); view.resign_leader()`` reads 4 for the herd, every time. (Candidates the view did not make are
  not counted: the view does not hold their connections.)
* the three ZooKeeper servers with their state (``leader``, ``follower``, ``down``,
  ``paused``, ``not serving``).

Buttons (in Jupyter) and methods (anywhere; each returns once the view has seen its effect):

    view.add_candidates(n=1)     # -> list of the new candidate objects (needs make_candidate)
    view.add_candidate()         # -> the new candidate object (labelled #<next>)
    view.resign_leader()         # the first node's candidate resigns (-> its node name); a
                                 # node the view did not create is deleted by the view instead
    view.expire(k)               # REAL session expiry (Ensemble.expire_session) of candidate
                                 # #k (k = 1, 2, ...: join order; "#k" or its node name too)
    view.kill_server(i)          # SIGKILL ZooKeeper server i (1..3); waits for running graded
                                 # checks, then holds the fault lock until it is restarted
    view.restart_server(i)       # start it again; returns once it serves (or after 30 s)
    view.show()                  # display the widget (IPython.display)
    view.widget                  # the ipywidgets.VBox itself
    view.refresh()               # re-read servers and watch lists now; -> state()
    view.render_svg()            # the SVG picture (str), no browser needed
    view.render_html()           # the SVG in a <div>, what the widget shows (str)
    view.candidates              # the candidate objects the view made: view.candidates[k-1] is #k
    view.close()                 # stop the candidates (resign), let their callbacks finish,
                                 # close every client the view made, restart what it killed

``view.state()`` is a plain dict of what is shown (what tests assert on)::

    {"election_path": "/election",
     "candidates": [ {"node": "5b0c..-n_0000000003", "seq": 3, "position": 0,
                      "label": "#1",           # #k for the view's own (join order), else the guid start
                      "ours": True,            # created by this view
                      "session": 0x1000..,     # ephemeralOwner
                      "server": 2,             # server carrying that session (None: unknown)
                      "is_leader": True,       # what the candidate says (None: not ours)
                      "watching": None,        # node name / election path / None (ours only)
                      "client_state": "CONNECTED"}, ...],   # in sequence order
     "leader": "5b0c..-n_0000000003",          # first node, or None
     "claims": ["5b0c..-n_0000000003"],        # nodes whose candidate says is_leader
     "labels": {"5b0c..-n_0000000003": "#1", ...},   # every node the view has seen
     "arrows": [ {"from": node, "to": node name or election path,
                  "kind": "node" | "children",
                  "source": "candidate" | "server",
                  "confirmed": True | False | None,   # seen in the server's watch lists
                                                      # (None: children watches are not listed)
                  "exists": True}, ...],              # False: the watched node is gone
     "servers": {1: "leader", 2: "follower", 3: "down"},
     "notifications": {"available": True,     # the candidates' clients can be counted
                       "total": 12,           # received by the view's candidates since it opened
                       "last_change": 1, "last_failover": 1,   # None until there is one
                       "changes": [ {"kind": "failover"|"join"|"leave"|"change",
                                     "removed": [...], "added": [...],
                                     "leader_before": ..., "leader_after": ...,
                                     "cause": "resign #1" | None,
                                     "settled": True,   # its number is final
                                     "notifications": 1}, ...]},   # oldest first, last 20
     "retired": [ {"label": "#1", "node": ..., "is_leader": False,
                   "client_state": "CONNECTED"}, ...],   # ours, holding no node now
     "view": {"client_state": "CONNECTED", "session": 0x..., "server": 1},
     "error": None}                           # the last error of a refresh or a button

Constructor: ``LiveView(ens=None, election_path="/election", make_candidate=None,
chroot=None, session_timeout=2.0, view_timeout=4.0, replace=True)``. ``ens`` defaults to the workshop's
ensemble. ``chroot`` is the namespace of every client the view makes (the view's own and
the candidates'); the default ``None`` means the lab's playground (``/playground/labN``)
once ``workshop.start("labN")`` ran, else the root. Pass ``chroot=zk.chroot`` to look at
what a client ``zk`` sees. ``make_candidate(client, election_path)`` returns a candidate
with the lab 3/4/5 shape (``start()``, ``node``, ``is_leader``, ``watching``,
``resign()``); without it the view only observes. ``session_timeout`` is the session
timeout (s) of the candidates' clients, ``view_timeout`` the view's own. With
``replace=True`` a new view first closes the open views of the same election path in
this process (with their candidates), so re-running a notebook cell starts afresh.

How it stays up to date: a kazoo ``ChildrenWatch`` on the election path and kazoo state
listeners on every client it made wake one background thread, which re-reads the server
state and watch lists, settles the latest change's count, and re-renders (and again 0.1,
0.4 and 1 s later, while candidates settle). Only a slow 2 s timer remains, for what no watch reports (a server
dying that none of the view's clients is connected to).
"""
from __future__ import annotations

import collections
import contextlib
import html
import logging
import re
import threading
import time

from kazoo.exceptions import KazooException, NoNodeError

from . import faultlock, fourlw
from .launcher import SERVING_MODES

__all__ = ["LiveView", "sequence_of", "sort_nodes"]

SLOW_REFRESH = 2.0                 # seconds; see _loop
SETTLE_AFTER = (0.1, 0.4, 1.0)     # extra refreshes after an event, while candidates settle
ACTION_WAIT = 10.0                 # how long an action waits to see its own effect
SETTLE_WAIT = 3.0                  # how long a change's count waits for the candidates' syncs
CLOSE_WAIT = 5.0                   # how long close() waits for resign() and the callbacks
HISTORY = 20

_TRAILING_INT = re.compile(r"(-?\d+)$")
_OPEN: list = []                   # open views of this process (see ``replace``)


def sequence_of(name: str) -> int | None:
    """The sequence number of a child name: the signed int after the last ``-n_``.

    ``"5b0c-n_0000000042"`` -> 42, ``"x-n_-2147483648"`` -> -2147483648; a name
    without ``-n_`` falls back to its trailing digits; ``None`` if there are none.
    """
    _, sep, tail = name.rpartition("-n_")
    if sep:
        try:
            return int(tail)
        except ValueError:
            pass
    m = _TRAILING_INT.search(name)
    return int(m.group(1)) if m else None


def sort_nodes(names) -> list[str]:
    """Names in creation order, as lab 2 teaches: serial-number arithmetic (RFC 1982) on
    the 32-bit counter, so the first node after the wrap (-2147483648) comes after
    2147483647, not first; names without a number last.

    The order starts after the widest gap in the ring of live numbers: for any
    live set spanning fewer than 2**31 numbers (every real election) that is the
    oldest node."""
    ring = 1 << 32
    numbers = sorted({sequence_of(n) % ring for n in names if sequence_of(n) is not None})
    start = 0
    if numbers:
        gaps = [((numbers[(i + 1) % len(numbers)] - numbers[i]) % ring or ring, i)
                for i in range(len(numbers))]
        start = numbers[(max(gaps)[1] + 1) % len(numbers)]

    def key(name):
        seq = sequence_of(name)
        return (seq is None, (seq - start) % ring if seq is not None else 0, name)
    return sorted(names, key=key)


def _basename(path):
    return path.rsplit("/", 1)[-1] if path else None


def _state_name(client) -> str:
    try:
        return str(client.state)
    except Exception:
        return "?"


def _drain(clients, timeout: float, rounds: int = 2) -> None:
    """Return once these clients have received all the servers owed them and every
    callback queued meanwhile has returned (bounded by ``timeout``; errors ignored).

    Per client, a ``sync`` round trip (the server answers only after sending every
    notification of the changes before it, on the same connection), then a marker through
    kazoo's two queues (watch callbacks, async completions), as harness.elections.quiesce.
    """
    from kazoo.protocol.states import Callback
    deadline = time.monotonic() + timeout
    left = lambda: max(0.0, deadline - time.monotonic())     # noqa: E731
    live = [c for c in clients if c.connected]
    for _ in range(rounds):
        syncs = []
        for c in live:
            try:
                syncs.append(c.sync_async("/"))
            except Exception:
                pass
        for r in syncs:
            try:
                r.get(timeout=left())
            except Exception:
                pass
        done = []
        for c in live:
            marks = [threading.Event(), threading.Event()]
            try:
                c.handler.dispatch_callback(Callback("watch", marks[0].set, ()))
                c.handler.completion_queue.put(marks[1].set)
            except Exception:
                continue
            done += marks
        for m in done:
            m.wait(left())


@contextlib.contextmanager
def _swallow_callback_errors(clients):
    """While the view closes: kazoo's "Exception in worker queue thread" records from
    these clients' worker threads are collected (one short line each) instead of printed."""
    threads = {w.ident for c in clients for w in getattr(c.handler, "_workers", ())}
    swallowed: list = []

    def keep(record):
        if record.thread in threads and record.exc_info:
            exc = record.exc_info[1]
            swallowed.append(f"a watch callback raised {type(exc).__name__}")
            return False
        return True
    logger = logging.getLogger("kazoo.handlers.threading")
    logger.addFilter(keep)
    try:
        yield swallowed
    finally:
        logger.removeFilter(keep)


def _foreign_label(node: str) -> str:
    """The label of a node the view did not make: the start of its guid (never ``#k``)."""
    return node.split("-n_")[0][:6]


class _Entry:
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
        was read after every notification sent before it (see ``LiveView._settle_count``).
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


class LiveView:
    """See the module docstring: the API, the state dict, how it stays up to date."""

    def __init__(self, ens=None, election_path: str = "/election", make_candidate=None,
                 chroot: str | None = None, session_timeout: float = 2.0,
                 view_timeout: float = 4.0, replace: bool = True):
        if ens is None:
            from . import workshop
            ens = workshop.ensemble()
        if chroot is None:
            from . import workshop
            lab = workshop._state.get("lab")
            chroot = workshop.playground_path(lab) if lab else ""
        self.ens = ens
        self.chroot = chroot.rstrip("/")
        self.election_path = "/" + election_path.strip("/")
        self.server_path = self.chroot + self.election_path   # as the servers name it
        self.make_candidate = make_candidate
        self.session_timeout = session_timeout
        if replace:                       # a re-run notebook cell replaces its old view
            for old in [v for v in _OPEN if v.server_path == self.server_path]:
                old.close()

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._settle_lock = threading.Lock()     # one change's count is settled at a time
        self._action_lock = threading.Lock()     # one action at a time (buttons and methods)
        self._wake = threading.Event()
        self._settle: list[float] = []
        self._closed = False
        self._killed: set[int] = set()         # servers this view killed (it holds the fault lock)

        self._entries: list[_Entry] = []
        self._children: list[str] = []
        self._children_known = False
        self._owners: dict[str, int] = {}
        self._servers: dict[int, str] = {s.id: "?" for s in ens.servers}
        self._server_watches: dict[int, set[str]] = {}
        self._session_server: dict[int, int] = {}
        self._error: str | None = None
        self._cause: str | None = None

        # notifications per change (see _Entry.count_notifications, _new_epoch, _settle_count)
        self._labels: dict[str, str] = {}       # node -> label, every node seen
        self._base: dict = {}         # {entry: received} where the next change starts counting
        self._gone = 0                # received by entries removed (a start() that failed)
        self._epoch: dict | None = None
        self._history: collections.deque = collections.deque(maxlen=HISTORY)

        self._widget = None
        self._w_html = None
        self._w_pick = None
        self._w_status = None
        self._rendered = None

        self._ensure_chroot()
        self._client = ens.client(chroot=self.chroot, timeout=view_timeout)
        self._client.add_listener(self._on_state)
        self._client.start(timeout=15)
        self._client.ensure_path(self.election_path)
        self._watch = self._client.ChildrenWatch(self.election_path, self._on_children,
                                                 send_event=True)
        self._refresh_now()
        self._thread = threading.Thread(target=self._loop, name="liveview", daemon=True)
        self._thread.start()
        _OPEN.append(self)

    # --- public API ----------------------------------------------------------------

    @property
    def candidates(self) -> list:
        """The candidate objects this view made, in creation order."""
        return [e.candidate for e in self._entries]

    def add_candidate(self):
        """A new candidate on its own new client (own session); returns once the view sees
        its node."""
        if self.make_candidate is None:
            raise ValueError("this view only observes: create it with make_candidate="
                             "lambda client, path: Candidate(client, path) to add candidates")
        client = self.ens.client(chroot=self.chroot, timeout=self.session_timeout)
        entry = _Entry(None, client)             # counts from the client's first packet
        client.add_listener(self._on_state)
        client.start(timeout=15)
        try:
            candidate = self.make_candidate(client, self.election_path)
            entry.candidate = candidate
            with self._action("add"):
                with self._lock:                 # #k: join order (see the module docstring)
                    label = entry.label = f"#{len(self._entries) + 1}"
                    self._cause = f"add {label}"
                    self._entries.append(entry)
                try:
                    candidate.start()
                except BaseException:
                    with self._lock:
                        self._entries.remove(entry)
                        self._gone += entry.received
                    raise
                node = entry.node()
                if node:
                    with self._lock:
                        self._labels[node] = label
                    self._wait_children(lambda ch: node in ch)
                self._settle_count()
        except BaseException:
            self._close_client(client)
            raise
        return candidate

    def add_candidates(self, n: int = 1) -> list:
        """``n`` new candidates, one after the other; returns them."""
        return [self.add_candidate() for _ in range(n)]

    def resign_leader(self) -> str | None:
        """The first node's candidate resigns; returns that node's name (None: no node).

        A node this view did not create is deleted by the view (as if it resigned).
        """
        with self._lock:
            leader = self._children[0] if self._children else None
        if leader is None:
            return None
        entry = self._entry_of(leader)
        with self._action(f"resign {entry.label if entry else _foreign_label(leader)}"):
            if entry is not None:
                entry.candidate.resign()
            else:
                try:
                    self._client.delete(f"{self.election_path}/{leader}")
                except NoNodeError:
                    pass
            self._wait_children(lambda ch: leader not in ch)
            self._settle_count()
        self._rerender()
        return leader

    def expire(self, which) -> str | None:
        """Expire, for real, the session of candidate ``#which``; returns the node it held.

        ``which``: the candidate's number ``k`` (1, 2, ...: the order the view made them,
        its label ``#k``), the label itself (``"#3"``), or the name of the node it holds.
        """
        entry, node = self._find(which)
        with self._action(f"expire {entry.label}"):
            self.ens.expire_session(entry.client)
            if node:
                self._wait_children(lambda ch: node not in ch)
            self._settle_count()
        self._rerender()
        return node

    def kill_server(self, i: int) -> None:
        """SIGKILL ZooKeeper server ``i`` (1..3), then refresh the view.

        The servers are shared: first it waits for the graded checks running on them
        to end (the fault lock, as ``workshop.faults()`` does), and it holds that lock
        until this view restarts the server (``restart_server``) or is closed, so
        nobody's check runs beside a server this view killed."""
        if i not in self._killed:
            faultlock.acquire_exclusive()
            self._killed.add(i)
        with self._action(f"kill zoo{i}"):
            self.ens.kill(i)
        self._refresh_now()
        self._rerender()

    def restart_server(self, i: int, timeout: float = 30.0) -> None:
        """Start ZooKeeper server ``i`` again; returns once it serves (or after ``timeout``)."""
        try:
            with self._action(f"restart zoo{i}"):
                self._start_and_wait(i, timeout)
        finally:
            if i in self._killed and self.ens.mode(i) in SERVING_MODES:
                self._killed.discard(i)
                faultlock.release_exclusive()
        self._refresh_now()
        self._rerender()

    def _start_and_wait(self, i: int, timeout: float) -> None:
        self.ens.start(i)
        # A bounded wait (not the view's update loop): a restarted server tells no
        # client that it serves again.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.ens.mode(i) not in SERVING_MODES:
            time.sleep(0.2)

    def _restart_killed(self) -> None:
        """On close: start again what this view killed, and let go of the fault lock."""
        for i in sorted(self._killed):
            try:
                self._start_and_wait(i, 30.0)
            except Exception as e:           # said, not raised: close() must finish
                print(f"LiveView: could not restart zoo{i} ({e}); `make up` starts it.")
            finally:
                self._killed.discard(i)
                faultlock.release_exclusive()

    def refresh(self) -> dict:
        """Re-read server states and watch lists now; return ``state()``."""
        self._refresh_now()
        self._rerender()
        return self.state()

    def close(self) -> None:
        """Stop the candidates, then close every client the view made (idempotent).

        In this order, so that no callback of a candidate runs on a closing client (which
        would raise ConnectionLoss inside kazoo's worker thread and print a traceback):

        1. every candidate resigns, the last to join first (so no one is elected on the
           way out), each ``resign()`` bounded by ``CLOSE_WAIT``;
        2. its client is drained: a ``sync`` round trip brings every notification the
           servers still owed it, then a marker through kazoo's callback queues returns
           only once every callback queued before it has (twice: a callback can wake
           another);
        3. only then are the clients closed.

        What the candidates' own code still raises meanwhile (their ``resign()``, a
        callback) is not printed as a traceback: at most one line says what was ignored.
        The widget stays on the page with its last picture, its buttons disabled.
        """
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self in _OPEN:
            _OPEN.remove(self)
        entries = list(self._entries)
        clients = [e.client for e in entries]
        with _swallow_callback_errors(clients) as swallowed:
            self._stop_candidates(entries, swallowed)
            _drain(clients, CLOSE_WAIT)
            for client in clients:
                self._close_client(client)
            self._close_client(self._client)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._restart_killed()
        if swallowed:                     # one line, never a traceback
            seen = collections.Counter(swallowed)
            parts = [what + (f" ({n} times)" if n > 1 else "")
                     for what, n in seen.most_common(3)]
            more = f", and {len(seen) - 3} more" if len(seen) > 3 else ""
            print(f"LiveView closed. Ignored while your candidates stopped: "
                  f"{'; '.join(parts)}{more}.")
        if self._widget is not None:
            # Keep the last picture on the page (a notebook run top to bottom
            # closes its view in the next cell); only the controls go quiet.
            for control in [*self._buttons.values(), self._w_pick]:
                control.disabled = True
            self._set_status("closed: this picture no longer updates")

    @staticmethod
    def _stop_candidates(entries, swallowed) -> None:
        """resign() every candidate, the last to join first, in one bounded helper thread."""
        def run():
            for e in reversed(entries):
                if e.candidate is None:
                    continue
                try:
                    e.candidate.resign()
                except Exception as exc:     # the learner's resign(): reported in one line
                    swallowed.append(f"{e.label}.resign() raised {type(exc).__name__}")
        t = threading.Thread(target=run, name="liveview-close", daemon=True)
        t.start()
        t.join(CLOSE_WAIT)
        if t.is_alive():
            swallowed.append(f"a resign() had not returned after {CLOSE_WAIT:.0f} s")

    def __repr__(self):
        st = self.state()
        lead = next((c["label"] for c in st["candidates"] if c["node"] == st["leader"]), None)
        return (f"<LiveView of {self.server_path}: {len(st['candidates'])} candidate(s), "
                f"leader {lead}, servers {st['servers']}{' (closed)' if self._closed else ''}>")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the state ------------------------------------------------------------------

    def state(self) -> dict:
        """A plain dict of what is shown (see the module docstring)."""
        with self._lock:
            children = list(self._children)
            owners = dict(self._owners)
            servers = dict(self._servers)
            watches = {k: set(v) for k, v in self._server_watches.items()}
            session_server = dict(self._session_server)
            entries = list(self._entries)
            notifications = self._notifications()
            error = self._error
        by_node = self._match(entries, children, owners)
        with self._lock:
            for name, entry in by_node.items():
                self._labels[name] = entry.label
            for name in children:
                self._labels.setdefault(name, _foreign_label(name))
            labels = dict(self._labels)
        present = set(children)
        prefix = self.server_path + "/"

        candidates, arrows, claims = [], [], []
        for pos, name in enumerate(children):
            entry = by_node.get(name)
            sid = owners.get(name)
            cand = entry.candidate if entry else None
            is_leader = bool(getattr(cand, "is_leader", False)) if entry else None
            watching = self._relative(getattr(cand, "watching", None)) if entry else None
            if entry:
                entry.last_node = name
            candidates.append({
                "node": name, "seq": sequence_of(name), "position": pos,
                "label": entry.label if entry else labels[name],
                "ours": entry is not None, "session": sid,
                "server": session_server.get(sid) if sid else None,
                "is_leader": is_leader, "watching": watching,
                "client_state": _state_name(entry.client) if entry else None,
            })
            if is_leader:
                claims.append(name)
            server_targets = {p[len(prefix):] for p in watches.get(sid, ()) if p.startswith(prefix)
                              and "/" not in p[len(prefix):]} if sid else set()
            if watching == self.election_path:
                arrows.append({"from": name, "to": self.election_path, "kind": "children",
                               "source": "candidate", "confirmed": None, "exists": True})
            elif watching:
                arrows.append({"from": name, "to": watching, "kind": "node",
                               "source": "candidate", "confirmed": watching in server_targets,
                               "exists": watching in present})
            for target in sort_nodes(server_targets - {watching}):
                arrows.append({"from": name, "to": target, "kind": "node", "source": "server",
                               "confirmed": True, "exists": target in present})
        retired = [{"label": e.label, "node": e.last_node or e.node(),
                    "is_leader": bool(getattr(e.candidate, "is_leader", False)),
                    "client_state": _state_name(e.client)}
                   for e in entries if e not in by_node.values()]
        view_sid = self._client.client_id[0] if self._client.client_id else None
        return {
            "election_path": self.election_path,
            "candidates": candidates,
            "leader": children[0] if children else None,
            "claims": claims,
            "labels": labels,
            "arrows": arrows,
            "servers": servers,
            "notifications": notifications,
            "retired": retired,
            "view": {"client_state": _state_name(self._client), "session": view_sid,
                     "server": session_server.get(view_sid)},
            "error": error,
        }

    def _relative(self, path):
        """A candidate's ``watching`` as shown: a child name, the election path, or as is."""
        if not path:
            return None
        path = str(path)
        if path.rstrip("/") == self.election_path:
            return self.election_path
        if path.startswith(self.election_path + "/"):
            return path[len(self.election_path) + 1:]
        return path

    def _match(self, entries, children, owners) -> dict:
        """{node name: entry} by the candidate's ``node``, else by session (ephemeralOwner)."""
        out = {}
        present = set(children)
        for e in entries:
            n = e.node()
            if n in present and n not in out:
                out[n] = e
        taken = set(out.values())
        for e in entries:
            if e in taken:
                continue
            sid = e.session()
            for n in children:
                if n not in out and sid is not None and owners.get(n) == sid:
                    out[n] = e
                    break
        return out

    def _entry_of(self, node):
        with self._lock:
            return self._match(list(self._entries), list(self._children),
                               dict(self._owners)).get(node)

    def _find(self, which):
        """(entry, the node it holds or None) of candidate ``#which`` (see ``expire``)."""
        with self._lock:
            children = list(self._children)
            entries = list(self._entries)
            owners = dict(self._owners)
        if not entries:
            raise ValueError("this view made no candidates (it only observes, or none was "
                             "added yet): only the view's own candidates, #1, #2, ..., can "
                             "be expired from here")
        numbers = f"#1 to #{len(entries)}" if len(entries) > 1 else "#1"
        k = None
        if isinstance(which, int) and not isinstance(which, bool):
            k = which
        elif isinstance(which, str) and re.fullmatch(r"#\d+", which.strip()):
            k = int(which.strip()[1:])
        if k is not None:
            if not 1 <= k <= len(entries):
                raise ValueError(f"there is no candidate #{k}: this view's candidates are "
                                 f"{numbers}, numbered in the order they joined")
            entry = entries[k - 1]
        else:
            entry = next((e for e in entries if which in (e.node(), e.last_node)), None) \
                or self._entry_of(which)
            if entry is None:
                raise ValueError(f"no candidate of this view is {which!r}: its candidates "
                                 f"are {numbers} (expire(k) or expire('#k'))")
        held = self._match(entries, children, owners)
        node = next((n for n, e in held.items() if e is entry), None)
        return entry, node

    # --- events (kazoo's threads: quick, no I/O) -------------------------------------

    def _on_children(self, children, event):
        ordered = sort_nodes(children)
        with self._lock:
            self._remember_labels(ordered)
            if self._children_known and ordered != self._children:
                self._new_epoch(self._children, ordered)
            self._children = ordered
            self._children_known = True
            self._changed.notify_all()
        self._poke(settle=True)

    def _remember_labels(self, children):
        """(under the lock) The label of every node the view's candidates hold now."""
        for name, entry in self._match(self._entries, children, self._owners).items():
            self._labels[name] = entry.label

    def _on_state(self, state):
        self._poke(settle=True)

    def _poke(self, settle=False):
        if settle:
            now = time.monotonic()
            with self._lock:
                self._settle = [now + d for d in SETTLE_AFTER]
        self._wake.set()

    # --- notifications per change ----------------------------------------------------
    #
    # Each change of the children opens an epoch. Its count is what the view's own
    # candidates still in line received (per client, _Entry.received) since the epoch's
    # base: the counts just before the action that caused it (_action), or where the
    # previous epoch was frozen. The candidates whose node left in this change are not
    # counted, as the notebook's cells count the N-1 that were waiting: a leader that
    # became leader through a notification may still hold the watch it read with, and
    # its own resignation or expiry can fire it (or not, when an expiry closes its
    # connection first), a race that would make the number 3 one time and 4 the next. The epoch is frozen by _settle_count: once every candidate's
    # client has synced with its server (so every notification the servers owed it for
    # this change has arrived), its number is final. A change that comes before the
    # previous one settled freezes the previous one where it stands.

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
        if before is not None and before in removed:
            kind = "failover"
        elif added and not removed:
            kind = "join"
        elif removed and not added:
            kind = "leave"
        else:
            kind = "change"
        now = self._snapshot()
        if self._epoch is not None and not self._epoch["settled"]:
            self._freeze(self._epoch, now)
        if self._epoch is not None:
            self._history.append(self._epoch)
        held = self._match(self._entries, old, self._owners)
        gone_labels = {self._labels.get(n) for n in removed}
        leavers = {held[n] for n in removed if n in held} | {
            e for e in self._entries if e.label in gone_labels or e.last_node in removed}
        self._epoch = {"kind": kind, "removed": removed, "added": added,
                       "leader_before": before, "leader_after": after, "cause": self._cause,
                       "base": self._base, "leavers": leavers,
                       "settled": False, "notifications": 0}

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
        against watches that are really there (``_drain``). A client that is not
        connected (its server was killed, its session expired) is not waited for.
        """
        with self._settle_lock:
            with self._lock:
                epoch = self._epoch
                clients = [e.client for e in self._entries]
            if epoch is None or epoch["settled"]:
                return
            _drain(clients, timeout)
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
                "total": self._received(),
                "last_change": public[-1]["notifications"] if public else None,
                "last_failover": failovers[-1]["notifications"] if failovers else None,
                "changes": public}

    @contextlib.contextmanager
    def _action(self, cause):
        """One action: the change it causes counts from here (what came before is not
        this action's; an earlier change still open is frozen first)."""
        with self._action_lock:
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
        self._poke(settle=True)

    def _wait_children(self, predicate, timeout=ACTION_WAIT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._children), timeout=timeout)

    # --- the refresher thread ---------------------------------------------------------

    def _loop(self):
        # Woken by the ChildrenWatch and the kazoo state listeners (_poke), then again a
        # few times while candidates settle (they update `is_leader`/`watching` on their
        # own clients' threads). A change nobody's action caused (a candidate resigned in
        # another cell, a session expired) is settled here. The slow SLOW_REFRESH timeout
        # is the only timer: a server that dies or comes back while none of the view's
        # clients is connected to it sends no event.
        while not self._closed:
            with self._lock:
                now = time.monotonic()
                self._settle = [t for t in self._settle if t > now]
                timeout = (self._settle[0] - now) if self._settle else SLOW_REFRESH
            self._wake.wait(timeout)
            self._wake.clear()
            if self._closed:
                break
            try:
                self._refresh_now()
                self._settle_count()
                self._rerender()
            except Exception as e:            # never let the view die of one bad refresh
                self._error = f"refresh: {type(e).__name__}: {e}"

    def _serving(self):
        return [i for i, m in self._servers.items() if m in SERVING_MODES]

    def _refresh_now(self):
        if self._closed:
            return
        modes = self.ens.modes()
        with self._lock:
            self._servers = modes
        serving = self._serving()
        watches, where = {}, {}
        for i in serving:
            try:
                for sid, paths in fourlw.parse_wchc(self.ens.fourlw(i, "wchc", timeout=1.0)).items():
                    watches.setdefault(sid, set()).update(paths)
                for sid in fourlw.parse_cons(self.ens.fourlw(i, "cons", timeout=1.0)):
                    where[sid] = i
            except (OSError, fourlw.FourLetterWordError):
                continue
        owners = self._read_owners()
        with self._lock:
            self._server_watches = watches
            self._session_server = where
            self._owners.update(owners)
            for gone in set(self._owners) - set(self._children):
                self._owners.pop(gone, None)
        self._rewatch_if_stopped()

    def _read_owners(self) -> dict:
        """ephemeralOwner of the children not looked at yet (reads without a watch)."""
        with self._lock:
            todo = [n for n in self._children if n not in self._owners]
        out = {}
        if not todo or not self._client.connected:
            return out
        for name in todo:
            try:
                stat = self._client.exists(f"{self.election_path}/{name}")
            except KazooException:
                break
            if stat is not None:
                out[name] = stat.ephemeralOwner
        return out

    def _rewatch_if_stopped(self):
        """The ChildrenWatch stops if the election node is deleted; start a new one."""
        if not getattr(self._watch, "_stopped", False) or not self._client.connected:
            return
        try:
            if self._client.exists(self.election_path):
                self._watch = self._client.ChildrenWatch(self.election_path, self._on_children,
                                                         send_event=True)
        except KazooException:
            pass

    def _ensure_chroot(self):
        """A chrooted client cannot create its own root: make it with a plain client."""
        if not self.chroot:
            return
        root = self.ens.client(timeout=self.session_timeout)
        try:
            root.start(timeout=15)
            root.ensure_path(self.chroot)
        finally:
            self._close_client(root)

    def _close_client(self, client):
        try:
            client.remove_listener(self._on_state)
        except Exception:
            pass
        try:
            client.stop()
            client.close()
        except Exception:
            pass

    # --- the picture -----------------------------------------------------------------

    def render_svg(self, state: dict | None = None) -> str:
        """The SVG picture of ``state`` (default: the current state)."""
        return _render_svg(state or self.state())

    def render_html(self, state: dict | None = None) -> str:
        """What the widget shows: the SVG in a <div> (no browser needed)."""
        st = state or self.state()
        return ('<div class="zk-liveview" style="font-family: system-ui, sans-serif">'
                + _render_svg(st) + "</div>")

    def _rerender(self):
        if self._w_html is None or self._closed:
            return
        st = self.state()
        page = self.render_html(st)
        if page != self._rendered:
            self._rendered = page
            self._w_html.value = page
        options = [(f"{c['label']}  (seq {c['seq']})", c["label"])
                   for c in st["candidates"] if c["ours"]]
        if self._w_pick is not None and list(self._w_pick.options) != options:
            self._w_pick.options = options

    # --- the widget ----------------------------------------------------------------

    @property
    def widget(self):
        """The ipywidgets VBox (built on first use)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def show(self):
        """Display the widget in a notebook."""
        from IPython.display import display
        display(self.widget)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle.setdefault("text/html", self.render_html())   # for static renderers
        bundle["text/plain"] = repr(self)
        return bundle

    def _build_widget(self):
        import ipywidgets as w

        self._w_html = w.HTML(value="")
        self._w_status = w.HTML(value="")
        small = w.Layout(width="auto")
        add = w.Button(description="Add candidate", icon="plus", layout=small,
                       disabled=self.make_candidate is None)
        resign = w.Button(description="Resign leader", icon="sign-out", layout=small)
        self._w_pick = w.Dropdown(options=[], description="", layout=w.Layout(width="170px"))
        expire = w.Button(description="Expire session", icon="clock-o", layout=small,
                          button_style="warning")
        add.on_click(lambda _: self._in_background("add a candidate", self.add_candidate))
        resign.on_click(lambda _: self._in_background("resign the leader", self.resign_leader))
        expire.on_click(lambda _: self._in_background(
            "expire a session", lambda: self.expire(self._w_pick.value)
            if self._w_pick.value else None))
        rows = [w.HBox([add, resign, self._w_pick, expire])]
        servers = []
        for s in self.ens.servers:
            kill = w.Button(description=f"Kill zoo{s.id}", icon="bolt", button_style="danger",
                            layout=small)
            start = w.Button(description=f"Restart zoo{s.id}", icon="refresh",
                             button_style="success", layout=small)
            kill.on_click(lambda _, i=s.id: self._in_background(f"kill zoo{i}",
                                                                  lambda: self.kill_server(i)))
            start.on_click(lambda _, i=s.id: self._in_background(
                f"restart zoo{i}", lambda: self.restart_server(i)))
            servers += [kill, start]
        rows.append(w.HBox(servers))
        self._buttons = {"add": add, "resign": resign, "expire": expire,
                         **{b.description.lower().replace(" ", "_"): b for b in servers}}
        self._rendered = None
        self._rerender()
        return w.VBox([self._w_html, *rows, self._w_status])

    def _in_background(self, what, fn):
        """Button actions run off the kernel's thread; the status line says how it went."""
        def run():
            self._set_status(f"<i>{html.escape(what)}…</i>")
            try:
                fn()
            except Exception as e:
                self._error = f"{what}: {type(e).__name__}: {e}"
                self._set_status(f"<span style='color:#b91c1c'>{html.escape(self._error)}</span>")
            else:
                self._set_status(f"done: {html.escape(what)}")
            self._rerender()
        threading.Thread(target=run, name=f"liveview-{what}", daemon=True).start()

    def _set_status(self, text):
        if self._w_status is not None:
            self._w_status.value = f"<small>{text}</small>"


# --- SVG -------------------------------------------------------------------------------

BOX_W, BOX_H, GAP, MARGIN = 128, 80, 30, 24
GONE_NOTE_H = 14          # a box grows by this when it shows a watch on a gone node
ROW_Y = 214
MODE_COLOURS = {"leader": ("#4338ca", "#ffffff"), "follower": ("#15803d", "#ffffff"),
                "down": ("#e5e7eb", "#6b7280"), "paused": ("#f59e0b", "#1f2937"),
                "not serving": ("#fecaca", "#991b1b")}


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _render_svg(st: dict) -> str:
    cands = st["candidates"]
    n = len(cands)
    width = max(700, 2 * MARGIN + n * BOX_W + max(0, n - 1) * GAP)
    changes = st["notifications"]["changes"][-4:]
    leaks = any(a["kind"] == "node" and not a["exists"] for a in st["arrows"])
    height = (ROW_Y + BOX_H + 120 + 16 * len(changes) + (18 if st["retired"] else 0)
              + (GONE_NOTE_H if leaks else 0))
    x_of = {c["node"]: MARGIN + i * (BOX_W + GAP) for i, c in enumerate(cands)}
    row_w = n * BOX_W + max(0, n - 1) * GAP
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="zk-liveview" viewBox="0 0 {width} {height}" '
           f'width="100%" style="max-width:{width}px" font-family="system-ui, -apple-system, '
           f'Segoe UI, sans-serif">',
           '<defs>'
           '<marker id="zkv-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#2563eb"/></marker>'
           '<marker id="zkv-head-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#64748b"/></marker>'
           '<marker id="zkv-head-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#dc2626"/></marker>'
           '</defs>',
           f'<rect x="0" y="0" width="{width}" height="{height}" rx="10" fill="#f8fafc" '
           f'stroke="#e2e8f0"/>']

    # title and the view's own connection
    view = st["view"]
    via = f" via zoo{view['server']}" if view.get("server") else ""
    out.append(f'<text x="{MARGIN}" y="30" font-size="17" font-weight="600" fill="#0f172a">'
               f'Leader election</text>')
    out.append(f'<text x="{MARGIN}" y="50" font-size="12" fill="#64748b">view: '
               f'{_e(view["client_state"])}{_e(via)}</text>')

    # servers
    bx = width - MARGIN - 3 * 132 + 4
    out.append(f'<text x="{bx}" y="18" font-size="11" fill="#64748b">ZooKeeper servers</text>')
    for k, (i, mode) in enumerate(sorted(st["servers"].items())):
        fill, ink = MODE_COLOURS.get(mode, ("#e5e7eb", "#374151"))
        x = bx + k * 132
        dash = ' stroke-dasharray="4 3"' if mode in ("down", "paused", "not serving") else ""
        out.append(f'<g class="server" data-server="{i}" data-mode="{_e(mode)}">'
                   f'<rect x="{x}" y="26" width="126" height="28" rx="14" fill="{fill}" '
                   f'stroke="#94a3b8"{dash}/>'
                   f'<text x="{x + 63}" y="45" font-size="13" text-anchor="middle" fill="{ink}">'
                   f'<tspan font-weight="600">zoo{i}</tspan> · {_e(mode)}</text></g>')

    # the election node
    fx = MARGIN + max(0, (row_w - 220) // 2) if n else MARGIN
    fy = 74
    herd = [a for a in st["arrows"] if a["kind"] == "children"]
    out.append(f'<g class="election" data-path="{_e(st["election_path"])}">'
               f'<rect x="{fx}" y="{fy}" width="220" height="34" rx="6" fill="#f1f5f9" '
               f'stroke="#64748b"/>'
               f'<text x="{fx + 110}" y="{fy + 22}" font-size="14" text-anchor="middle" '
               f'fill="#334155" font-family="ui-monospace, monospace">{_e(st["election_path"])}'
               f'</text></g>')
    if not n:
        out.append(f'<text x="{MARGIN}" y="{ROW_Y + 40}" font-size="14" fill="#64748b">'
                   f'no candidates under {_e(st["election_path"])}</text>')
    else:
        out.append(f'<text x="{fx + 228}" y="{fy + 22}" font-size="11" fill="#64748b">'
                   f'{n} child{"ren" if n != 1 else ""}</text>')

    # arrows: children watches (straight, to the election node), node watches (arcs)
    for k, a in enumerate(herd):
        if a["from"] not in x_of:
            continue
        x1 = x_of[a["from"]] + BOX_W / 2
        x2 = fx + 20 + (180 * (k + 0.5) / len(herd))
        out.append(f'<path class="arrow" data-from="{_e(a["from"])}" data-to="{_e(a["to"])}" '
                   f'data-kind="children" d="M{x1:.0f},{ROW_Y} L{x2:.0f},{fy + 36}" '
                   f'stroke="#64748b" stroke-width="1.6" fill="none" '
                   f'marker-end="url(#zkv-head-grey)"/>')
    gone_notes: dict[str, list[str]] = {}
    for a in st["arrows"]:
        if a["kind"] != "node" or a["from"] not in x_of:
            continue
        if a["to"] not in x_of:
            gone_notes.setdefault(a["from"], []).append(a["to"])
            continue
        xs, xt = x_of[a["from"]], x_of[a["to"]]
        left = xt < xs
        x1 = xs + BOX_W * (0.3 if left else 0.7)
        x2 = xt + BOX_W * (0.7 if left else 0.3)
        span = abs(xs - xt) // (BOX_W + GAP)
        h = min(ROW_Y - fy - 50, 34 + 18 * span)
        colour, head = ("#2563eb", "zkv-head") if a["confirmed"] else ("#64748b", "zkv-head-grey")
        if a["source"] == "server" and a["from"] and a["to"]:
            colour, head = ("#2563eb", "zkv-head")
        dash = "" if a["confirmed"] else ' stroke-dasharray="5 4"'
        out.append(f'<path class="arrow" data-from="{_e(a["from"])}" data-to="{_e(a["to"])}" '
                   f'data-kind="node" data-source="{a["source"]}" '
                   f'd="M{x1:.0f},{ROW_Y} C{x1:.0f},{ROW_Y - h} {x2:.0f},{ROW_Y - h} '
                   f'{x2:.0f},{ROW_Y - 2}" stroke="{colour}" stroke-width="2" fill="none"{dash} '
                   f'marker-end="url(#{head})"/>')

    # candidates
    first = st["leader"]
    labels = st.get("labels", {})

    def label(node):
        return labels.get(node) or f"seq {sequence_of(node)}"
    extra_h = GONE_NOTE_H if gone_notes else 0
    for c in cands:
        x = x_of[c["node"]]
        leads = c["node"] == first
        wrong_claim = c["is_leader"] and not leads
        if wrong_claim:
            fill, stroke = "#fee2e2", "#dc2626"
        elif leads:
            fill, stroke = "#fde68a", "#b45309"
        else:
            fill, stroke = "#ffffff", "#3b82f6"
        cs = c["client_state"]
        dash = ' stroke-dasharray="6 4"' if cs in ("SUSPENDED", "LOST") else ""
        seq = c["seq"] if c["seq"] is not None else "?"
        if wrong_claim:
            status = "claims lead!"
        elif leads:
            status = "LEADER" if c["is_leader"] in (True, None) else "first (not yet told)"
        elif c["watching"] == st["election_path"]:
            status = "watches children"
        elif c["watching"]:
            status = f"watches {label(c['watching'])}"
        else:
            status = "waiting" if c["ours"] else ""
        where = f"via zoo{c['server']}" if c["server"] else ""
        if cs and cs != "CONNECTED":
            where = cs.lower()
        out.append(
            f'<g class="candidate{" leader" if leads else ""}" data-node="{_e(c["node"])}" '
            f'data-position="{c["position"]}">'
            f'<title>{_e(c["node"])}</title>'
            f'<rect x="{x}" y="{ROW_Y}" width="{BOX_W}" height="{BOX_H + extra_h}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{2.5 if leads or wrong_claim else 1.5}"{dash}/>'
            f'<text x="{x + 10}" y="{ROW_Y + 24}" font-size="{18 if c["ours"] else 13}" '
            f'font-weight="700" fill="#0f172a">{_e(c["label"])}</text>'
            f'<text x="{x + BOX_W - 10}" y="{ROW_Y + 23}" font-size="12" text-anchor="end" '
            f'fill="#475569">seq {_e(seq)}</text>'
            f'<text x="{x + 10}" y="{ROW_Y + 46}" font-size="12" font-weight="600" '
            f'fill="{"#b91c1c" if wrong_claim else "#92400e" if leads else "#1e3a8a"}">'
            f'{_e(status)}</text>'
            f'<text x="{x + 10}" y="{ROW_Y + 66}" font-size="11" fill="#64748b">{_e(where)}</text>')
        for k, gone in enumerate(gone_notes.get(c["node"], [])[:1]):
            out.append(f'<text x="{x + 10}" y="{ROW_Y + BOX_H + 4}" font-size="10.5" '
                       f'fill="#dc2626">⚠ watches gone seq {_e(sequence_of(gone))}</text>')
        out.append("</g>")

    # notifications
    y = ROW_Y + BOX_H + extra_h + 46
    nt = st["notifications"]
    out.append(f'<line x1="{MARGIN}" x2="{width - MARGIN}" y1="{y - 18}" y2="{y - 18}" '
               f'stroke="#e2e8f0"/>')
    if not nt["available"]:
        head = "watch notifications: this kazoo version's connections cannot be counted"
        out.append(f'<text x="{MARGIN}" y="{y}" font-size="13" fill="#64748b">{_e(head)}</text>')
    else:
        lf = nt["last_failover"]
        out.append(f'<g class="notifications" data-last-failover="{"" if lf is None else lf}" '
                   f'data-total="{nt["total"]}">'
                   f'<text x="{MARGIN}" y="{y}" font-size="14" fill="#0f172a">'
                   f'Watch notifications your candidates received in the last failover: '
                   f'<tspan font-weight="700" fill="#7c2d12">{"–" if lf is None else lf}</tspan>'
                   f'</text><text x="{MARGIN}" y="{y + 16}" font-size="11" fill="#64748b">'
                   f'counted per session on their own clients (others using the ensemble do '
                   f'not change it); since the view opened: {nt["total"]}</text></g>')
    y += 18
    for k, ch in enumerate(changes):
        yy = y + 20 + 16 * k
        what = {"failover": "failover", "join": "joined", "leave": "left"}.get(ch["kind"], "changed")
        nodes = ", ".join(label(x) for x in (ch["removed"] + ch["added"]))
        extra = ""
        if ch["kind"] == "failover":
            after = label(ch["leader_after"]) if ch["leader_after"] else "nobody"
            extra = f" left, leader now {after}"
        cause = f"  [{ch['cause']}]" if ch.get("cause") else ""
        out.append(f'<text x="{MARGIN + 10}" y="{yy}" font-size="12" fill="#475569">'
                   f'{_e(what)} {_e(nodes)}{_e(extra)}{_e(cause)}: '
                   f'<tspan font-weight="600">{ch["notifications"]}</tspan> notification'
                   f'{"" if ch["notifications"] == 1 else "s"}'
                   f'{"" if ch.get("settled", True) else " so far"}</text>')
    if st["retired"]:
        yy = y + 24 + 16 * len(changes)
        names = ", ".join(f"{r['label']}" + (" (still says it leads!)" if r["is_leader"] else "")
                          for r in st["retired"])
        out.append(f'<text x="{MARGIN}" y="{yy}" font-size="12" fill="#64748b">'
                   f'holding no node (resigned or expired): {_e(names)}</text>')
    if st.get("error"):
        out.append(f'<text x="{width - MARGIN}" y="{height - 8}" font-size="10" '
                   f'text-anchor="end" fill="#b91c1c">{_e(st["error"][:120])}</text>')
    out.append("</svg>")
    return "".join(out)
