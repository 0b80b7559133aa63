"""The live view of a leader election (labs 3-5): candidates, leader, watch arrows, servers.

One cell of a lab notebook::

    from harness.view import LiveView
    view = LiveView(ens, election_path="/election",
                    make_candidate=lambda client, path: Candidate(client, path))
    view.add_candidates(5)       # five candidates, each on its own new client (own session)
    view                         # last expression of a cell: shows the widget (or view.show())

What it shows, kept up to date from ZooKeeper itself:

* the candidates: the children of ``election_path`` in sequence order (the number after
  the last ``-n_``, parsed as a signed int), one box each, numbered by position
  ``[0] [1] ...`` (position 0 is the first node, the recipe's leader);
* the leader: the first node is drawn in gold; a candidate that believes it leads
  (``is_leader``) while its node is not first is drawn in red ("claims lead!");
* an arrow from each candidate to what it watches: from the candidate object's
  ``watching`` attribute when the view created it, and from the servers' watch lists
  (``wchc``, data watches only) for any session, matched to the node through the node's
  ``ephemeralOwner``. So candidates created elsewhere get arrows too, and a watch left on a
  node that is gone shows up. A candidate that watches the children of the election path
  (the herd, lab 3) gets an arrow to the ``/election`` box;
* the watch notifications the servers delivered per change (server-side: the deltas of the
  mntr counters ``zk_sum_node_{deleted,children,created,changed}_watch_count`` summed over
  the serving servers, minus the view's own notifications, since the view watches the
  children of the election path). The count is server-wide: it is exact only while
  nothing else uses the ensemble (a check marked ``faults``), and while a server is down
  the notifications it delivered just before dying are lost;
* the three ZooKeeper servers with their state (``leader``, ``follower``, ``down``,
  ``paused``, ``not serving``).

Buttons (in Jupyter) and methods (anywhere; each returns once the view has seen its effect):

    view.add_candidates(n=1)     # -> list of the new candidate objects (needs make_candidate)
    view.add_candidate()         # -> the new candidate object
    view.resign_leader()         # the first node's candidate resigns (-> its node name); a
                                 # node the view did not create is deleted by the view instead
    view.expire(which)           # REAL session expiry (Ensemble.expire_session) of a candidate
                                 # the view created; which = position in sequence order (int),
                                 # node name, or label ("c3")
    view.kill_server(i)          # SIGKILL ZooKeeper server i (1..3)
    view.restart_server(i)       # start it again; returns once it serves (or after 30 s)
    view.show()                  # display the widget (IPython.display)
    view.widget                  # the ipywidgets.VBox itself
    view.refresh()               # re-read servers, counters and watch lists now; -> state()
    view.render_svg()            # the SVG picture (str), no browser needed
    view.render_html()           # the SVG in a <div>, what the widget shows (str)
    view.candidates              # the candidate objects the view made, in creation order
    view.close()                 # close every client the view made (candidates' sessions end)

``view.state()`` is a plain dict of what is shown (what tests assert on)::

    {"election_path": "/election",
     "candidates": [ {"node": "5b0c..-n_0000000003", "seq": 3, "position": 0,
                      "label": "c1",           # c<k> for the view's own, else the guid start
                      "ours": True,            # created by this view
                      "session": 0x1000..,     # ephemeralOwner
                      "server": 2,             # server carrying that session (None: unknown)
                      "is_leader": True,       # what the candidate says (None: not ours)
                      "watching": None,        # node name / election path / None (ours only)
                      "client_state": "CONNECTED"}, ...],   # in sequence order
     "leader": "5b0c..-n_0000000003",          # first node, or None
     "claims": ["5b0c..-n_0000000003"],        # nodes whose candidate says is_leader
     "arrows": [ {"from": node, "to": node name or election path,
                  "kind": "node" | "children",
                  "source": "candidate" | "server",
                  "confirmed": True | False | None,   # seen in the server's watch lists
                                                      # (None: children watches are not listed)
                  "exists": True}, ...],              # False: the watched node is gone
     "servers": {1: "leader", 2: "follower", 3: "down"},
     "notifications": {"available": True,     # mntr counters could be read
                       "total": 12,           # since the view opened
                       "last_change": 1, "last_failover": 1,   # None until there is one
                       "changes": [ {"kind": "failover"|"join"|"leave"|"change",
                                     "removed": [...], "added": [...],
                                     "leader_before": ..., "leader_after": ...,
                                     "cause": "resign c1" | None,
                                     "notifications": 1}, ...]},   # oldest first, last 20
     "retired": [ {"label": "c1", "node": ..., "is_leader": False,
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
state, counters and watch lists and re-renders (and again 0.1, 0.4 and 1 s later, while
candidates settle). Only a slow 2 s timer remains, for what no watch reports (a server
dying that none of the view's clients is connected to).
"""
from __future__ import annotations

import collections
import contextlib
import html
import re
import threading
import time

from kazoo.exceptions import KazooException, NoNodeError
from kazoo.protocol.states import EventType

from . import fourlw
from .launcher import SERVING_MODES

__all__ = ["LiveView", "sequence_of", "sort_nodes"]

COUNTER_KEYS = fourlw.WATCH_NOTIFICATION_COUNTERS
SLOW_REFRESH = 2.0                 # seconds; see _loop
SETTLE_AFTER = (0.1, 0.4, 1.0)     # extra refreshes after an event, while candidates settle
ACTION_WAIT = 10.0                 # how long an action waits to see its own effect
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
    """Names in sequence order (numerically, signed); names without a number last."""
    def key(name):
        seq = sequence_of(name)
        return (seq is None, seq if seq is not None else 0, name)
    return sorted(names, key=key)


def _basename(path):
    return path.rsplit("/", 1)[-1] if path else None


def _state_name(client) -> str:
    try:
        return str(client.state)
    except Exception:
        return "?"


class _Entry:
    """A candidate the view made: its label, its own client, the object."""

    def __init__(self, label, client, candidate):
        self.label = label
        self.client = client
        self.candidate = candidate
        self.last_node = None

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
        self._sample_lock = threading.Lock()     # a counter sample never runs inside an action
        self._action_lock = threading.Lock()     # one action at a time (buttons and methods)
        self._wake = threading.Event()
        self._settle: list[float] = []
        self._closed = False

        self._entries: list[_Entry] = []
        self._children: list[str] = []
        self._children_known = False
        self._owners: dict[str, int] = {}
        self._servers: dict[int, str] = {s.id: "?" for s in ens.servers}
        self._server_watches: dict[int, set[str]] = {}
        self._session_server: dict[int, int] = {}
        self._error: str | None = None
        self._cause: str | None = None

        # notification counter (see _sample_counters and _on_children)
        self._acc = 0                 # server-side deliveries since the view opened
        self._own = 0                 # of which to this view (its children watch)
        self._ctr_last: dict[int, int | None] = {}
        self._ctr_down: set[int] = set()
        self._ctr_ok = False
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
        label = f"c{len(self._entries) + 1}"
        client = self.ens.client(chroot=self.chroot, timeout=self.session_timeout)
        client.add_listener(self._on_state)
        client.start(timeout=15)
        try:
            candidate = self.make_candidate(client, self.election_path)
            entry = _Entry(label, client, candidate)
            with self._action(f"add {label}"):
                with self._lock:
                    self._entries.append(entry)
                try:
                    candidate.start()
                except BaseException:
                    with self._lock:
                        self._entries.remove(entry)
                    raise
                node = entry.node()
                if node:
                    self._wait_children(lambda ch: node in ch)
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
        with self._action(f"resign {entry.label if entry else leader}"):
            if entry is not None:
                entry.candidate.resign()
            else:
                try:
                    self._client.delete(f"{self.election_path}/{leader}")
                except NoNodeError:
                    pass
            self._wait_children(lambda ch: leader not in ch)
        self._settle_counters()
        return leader

    def expire(self, which) -> str:
        """Expire, for real, the session of one of the view's candidates; returns its node.

        ``which``: position in sequence order (``0`` = first node), a node name, or a
        label such as ``"c3"``.
        """
        entry, node = self._find(which)
        with self._action(f"expire {entry.label}"):
            self.ens.expire_session(entry.client)
            if node:
                self._wait_children(lambda ch: node not in ch)
        self._settle_counters()
        return node

    def kill_server(self, i: int) -> None:
        """SIGKILL ZooKeeper server ``i`` (1..3), then refresh the view."""
        with self._action(f"kill zoo{i}", sample=False):
            self.ens.kill(i)
        self._refresh_now()
        self._rerender()

    def restart_server(self, i: int, timeout: float = 30.0) -> None:
        """Start ZooKeeper server ``i`` again; returns once it serves (or after ``timeout``)."""
        with self._action(f"restart zoo{i}", sample=False):
            self.ens.start(i)
            # A bounded wait inside an action (not the view's update loop): a restarted
            # server tells no client that it serves again.
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.ens.mode(i) not in SERVING_MODES:
                time.sleep(0.2)
        self._refresh_now()
        self._rerender()

    def refresh(self) -> dict:
        """Re-read server states, counters and watch lists now; return ``state()``."""
        self._refresh_now()
        self._rerender()
        return self.state()

    def close(self) -> None:
        """Stop updating and close every client the view made (idempotent).

        The widget stays on the page with its last picture, its buttons disabled.
        """
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self in _OPEN:
            _OPEN.remove(self)
        for entry in self._entries:
            self._close_client(entry.client)
        self._close_client(self._client)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self._widget is not None:
            # Keep the last picture on the page (a notebook run top to bottom
            # closes its view in the next cell); only the controls go quiet.
            for control in [*self._buttons.values(), self._w_pick]:
                control.disabled = True
            self._set_status("closed: this picture no longer updates")

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
                "label": entry.label if entry else name.split("-n_")[0][:6],
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
        with self._lock:
            children = list(self._children)
            entries = list(self._entries)
        if isinstance(which, int):
            if not 0 <= which < len(children):
                raise IndexError(f"there is no candidate at position {which}: "
                                 f"{len(children)} node(s) under {self.election_path}")
            node = children[which]
            entry = self._entry_of(node)
            if entry is None:
                raise ValueError(f"{node} was not created by this view: its session "
                                 "password is unknown, so it cannot be expired from here")
            return entry, node
        for e in entries:
            if which in (e.label, e.node()):
                return e, e.node()
        entry = self._entry_of(which)
        if entry is not None:
            return entry, which
        raise ValueError(f"no candidate of this view is called {which!r}; "
                         f"labels: {[e.label for e in entries]}")

    # --- events (kazoo's threads: quick, no I/O) -------------------------------------

    def _on_children(self, children, event):
        ordered = sort_nodes(children)
        with self._lock:
            own_before = self._own
            if event is not None and event.type == EventType.CHILD:
                self._own += 1
            if self._children_known and ordered != self._children:
                self._new_epoch(self._children, ordered, own_before)
            self._children = ordered
            self._children_known = True
            self._changed.notify_all()
        self._poke(settle=True)

    def _on_state(self, state):
        self._poke(settle=True)

    def _poke(self, settle=False):
        if settle:
            now = time.monotonic()
            with self._lock:
                self._settle = [now + d for d in SETTLE_AFTER]
        self._wake.set()

    # --- notifications per change ----------------------------------------------------

    def _new_epoch(self, old, new, own_before):
        """A change of the children opens an epoch; the previous one's count is frozen."""
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
        if self._epoch is not None:
            e = self._epoch
            e["notifications"] = (self._acc - e["base_acc"]) - (own_before - e["base_own"])
            e["open"] = False
            self._history.append(e)
        self._epoch = {"kind": kind, "removed": removed, "added": added,
                       "leader_before": before, "leader_after": after, "cause": self._cause,
                       "base_acc": self._acc, "base_own": own_before, "open": True,
                       "notifications": 0}

    def _notifications(self) -> dict:
        epochs = list(self._history)
        if self._epoch is not None:
            e = self._epoch
            e["notifications"] = (self._acc - e["base_acc"]) - (self._own - e["base_own"])
            epochs.append(e)
        public = [{k: v for k, v in e.items() if k not in ("base_acc", "base_own", "open")}
                  for e in epochs]
        failovers = [e for e in public if e["kind"] == "failover"]
        return {"available": self._ctr_ok, "total": self._acc - self._own,
                "last_change": public[-1]["notifications"] if public else None,
                "last_failover": failovers[-1]["notifications"] if failovers else None,
                "changes": public}

    def _sample_counters(self, serving):
        """Add the servers' new deliveries to ``_acc`` (per-server deltas; restarts reset)."""
        delta, ok = 0, bool(serving)
        for s in self.ens.servers:
            i = s.id
            cur = None
            if i in serving:
                try:
                    m = fourlw.parse_mntr(self.ens.fourlw(i, "mntr", timeout=1.0))
                    cur = sum(int(float(m.get(k, "0"))) for k in COUNTER_KEYS)
                    ok = ok and all(k in m for k in COUNTER_KEYS)
                except (OSError, ValueError, fourlw.FourLetterWordError):
                    cur = None
            if cur is None:
                self._ctr_last[i] = None
                self._ctr_down.add(i)
                continue
            last = self._ctr_last.get(i)
            if last is None:
                if i in self._ctr_down:       # (re)started since the view opened
                    delta += cur
            elif cur < last:                  # restarted between two samples
                delta += cur
            else:
                delta += cur - last
            self._ctr_last[i] = cur
        with self._lock:
            self._acc += delta
            self._ctr_ok = ok

    @contextlib.contextmanager
    def _action(self, cause, sample=True):
        """One action: a counter sample just before it, none until the view saw its effect."""
        with self._action_lock:
            with self._sample_lock:
                if sample:
                    try:
                        self._sample_counters(self._serving())
                    except Exception as e:       # the action matters more than the count
                        self._error = f"counter sample: {e}"
                with self._lock:
                    self._cause = cause
                try:
                    yield
                finally:
                    with self._lock:
                        self._cause = None
        self._poke(settle=True)

    def _settle_counters(self, quiet: float = 0.15, timeout: float = 1.5) -> None:
        """After a failover: re-sample until the counters stop moving (bounded), so that
        ``state()`` read right after ``resign_leader()``/``expire()`` shows the whole count.

        The servers count a notification when each applies the change, a few ms apart."""
        deadline = time.monotonic() + timeout
        previous = None
        while not self._closed:
            with self._sample_lock:
                self._sample_counters(self._serving())
            with self._lock:
                now = self._acc
            if now == previous or time.monotonic() >= deadline:
                break
            previous = now
            time.sleep(quiet)
        self._rerender()

    def _wait_children(self, predicate, timeout=ACTION_WAIT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._children), timeout=timeout)

    # --- the refresher thread ---------------------------------------------------------

    def _loop(self):
        # Woken by the ChildrenWatch and the kazoo state listeners (_poke), then again a
        # few times while candidates settle (they update `is_leader`/`watching` on their
        # own clients' threads, and the servers' counters lag the view's own event by a
        # few ms). The slow SLOW_REFRESH timeout is the only timer: a server that dies or
        # comes back while none of the view's clients is connected to it sends no event.
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
        with self._sample_lock:
            self._sample_counters(serving)
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
        options = [(f"{c['label']}  #{c['seq']}", c["node"]) for c in st["candidates"] if c["ours"]]
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
            status = f"watches #{sequence_of(c['watching'])}"
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
            f'<text x="{x + 10}" y="{ROW_Y + 24}" font-size="18" font-weight="700" '
            f'fill="#0f172a">#{_e(seq)}</text>'
            f'<text x="{x + BOX_W - 10}" y="{ROW_Y + 23}" font-size="12" text-anchor="end" '
            f'fill="#475569">{_e(c["label"])}</text>'
            f'<text x="{x + 10}" y="{ROW_Y + 46}" font-size="12" font-weight="600" '
            f'fill="{"#b91c1c" if wrong_claim else "#92400e" if leads else "#1e3a8a"}">'
            f'{_e(status)}</text>'
            f'<text x="{x + 10}" y="{ROW_Y + 66}" font-size="11" fill="#64748b">{_e(where)}</text>'
            f'<text x="{x + BOX_W / 2}" y="{ROW_Y + BOX_H + extra_h + 16}" font-size="11" '
            f'text-anchor="middle" fill="#94a3b8">[{c["position"]}]</text>')
        for k, gone in enumerate(gone_notes.get(c["node"], [])[:1]):
            out.append(f'<text x="{x + 10}" y="{ROW_Y + BOX_H + 4}" font-size="10.5" '
                       f'fill="#dc2626">⚠ watches gone #{_e(sequence_of(gone))}</text>')
        out.append("</g>")

    # notifications
    y = ROW_Y + BOX_H + extra_h + 46
    nt = st["notifications"]
    out.append(f'<line x1="{MARGIN}" x2="{width - MARGIN}" y1="{y - 18}" y2="{y - 18}" '
               f'stroke="#e2e8f0"/>')
    if not nt["available"]:
        head = "watch notifications: the servers' counters cannot be read now"
        out.append(f'<text x="{MARGIN}" y="{y}" font-size="13" fill="#64748b">{_e(head)}</text>')
    else:
        lf = nt["last_failover"]
        out.append(f'<g class="notifications" data-last-failover="{"" if lf is None else lf}" '
                   f'data-total="{nt["total"]}">'
                   f'<text x="{MARGIN}" y="{y}" font-size="14" fill="#0f172a">'
                   f'Watch notifications in the last failover: '
                   f'<tspan font-weight="700" fill="#7c2d12">{"–" if lf is None else lf}</tspan>'
                   f'</text><text x="{MARGIN}" y="{y + 16}" font-size="11" fill="#64748b">'
                   f'delivered by the servers (mntr), not counting this view\'s own; '
                   f'since the view opened: {nt["total"]}</text></g>')
    y += 18
    for k, ch in enumerate(changes):
        yy = y + 20 + 16 * k
        what = {"failover": "failover", "join": "joined", "leave": "left"}.get(ch["kind"], "changed")
        nodes = ", ".join(f"#{sequence_of(x)}" for x in (ch["removed"] + ch["added"]))
        extra = ""
        if ch["kind"] == "failover":
            after = f"#{sequence_of(ch['leader_after'])}" if ch["leader_after"] else "nobody"
            extra = f" left, leader now {after}"
        cause = f"  [{ch['cause']}]" if ch.get("cause") else ""
        out.append(f'<text x="{MARGIN + 10}" y="{yy}" font-size="12" fill="#475569">'
                   f'{_e(what)} {_e(nodes)}{_e(extra)}{_e(cause)}: '
                   f'<tspan font-weight="600">{ch["notifications"]}</tspan> notification'
                   f'{"" if ch["notifications"] == 1 else "s"}</text>')
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
