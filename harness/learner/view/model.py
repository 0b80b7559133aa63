"""Reading the truth, and ``state()``: the plain dict of what the view shows.

What the view shows is read from ZooKeeper, never inferred from what the view did: the
children of the election path (a kazoo ``ChildrenWatch``), each child's stat (read once:
its ``ephemeralOwner``, and its ``czxid``, the node's fencing token), the servers' modes,
their watch lists (``wchc``, data watches only) and which server carries which session
(``cons``). The watch lists are why arrows are drawn for candidates the view did not
make, and why a watch left on a node that is gone shows up. With a store (lab 6), its log
is read on every refresh too (``storelog``).

How it stays up to date: the ChildrenWatch and kazoo state listeners on every client the
view made wake one background thread (``_loop``), which re-reads the servers and watch
lists, settles the latest change's count, and re-renders (and again 0.1, 0.4 and 1 s
later, while candidates settle). Only a slow 2 s timer remains, for what no watch reports
(a server dying that none of the view's clients is connected to).

``ModelPart`` is one part of ``LiveView`` (see ``liveview``, which also lists the keys of
``state()``); it holds the view's lock and the truth as last read. Pure data: no widget.
"""
from __future__ import annotations

import threading
import time

from kazoo.exceptions import KazooException

from harness.ensemble import SERVING_MODES, fourlw
from harness.recipe import MARKER, creation_order, sequence_of

SLOW_REFRESH = 2.0                 # seconds; see _loop
SETTLE_AFTER = (0.1, 0.4, 1.0)     # extra refreshes after an event, while candidates settle


def _state_name(client) -> str:
    try:
        return str(client.state)
    except Exception:
        return "?"


def foreign_label(node: str) -> str:
    """The label of a node the view did not make: the start of its guid (never ``#k``)."""
    return node.split(MARKER)[0][:6]


class ModelPart:
    """The truth as last read, and ``state()`` made from it."""

    def _init_model(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._settle: list[float] = []
        self._entries: list = []     # the candidates the view made (Entry): #k is [k-1]
        self._children: list[str] = []
        self._children_known = False
        self._owners: dict[str, int] = {}
        self._tokens: dict[str, int] = {}      # node -> czxid: the fencing token of its term
        self._servers: dict[int, str] = {s.id: "?" for s in self.ens.servers}
        self._server_watches: dict[int, set[str]] = {}
        self._session_server: dict[int, int] = {}
        self._labels: dict[str, str] = {}       # node -> label, every node seen
        self._error: str | None = None
        self._client = None                      # the view's own client (``_connect``)
        self._thread = None                      # the refresher (``_loop``)

    def _connect(self, view_timeout: float) -> None:
        """The view's own client, its watch on the election path, and the refresher."""
        self._ensure_chroot()
        self._client = self.ens.client(chroot=self.chroot, timeout=view_timeout)
        self._client.add_listener(self._on_state)
        self._client.start(timeout=15)
        self._client.ensure_path(self.election_path)
        self._watch = self._client.ChildrenWatch(self.election_path, self._on_children,
                                                 send_event=True)
        self._refresh_now()
        self._thread = threading.Thread(target=self._loop, name="liveview", daemon=True)
        self._thread.start()

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

    # --- the state ------------------------------------------------------------------

    def state(self) -> dict:
        """A plain dict of what is shown (its keys: see ``liveview``)."""
        with self._lock:
            children = list(self._children)
            owners = dict(self._owners)
            tokens = dict(self._tokens)
            servers = dict(self._servers)
            watches = {k: set(v) for k, v in self._server_watches.items()}
            session_server = dict(self._session_server)
            entries = list(self._entries)
            notifications = self._notifications()
            error = self._error
            store = self._store_state()
        by_node = self._match(entries, children, owners)
        labels = self._label_all(by_node, children)
        present = set(children)

        candidates, arrows, claims = [], [], []
        for pos, name in enumerate(children):
            sid = owners.get(name)
            row = self._candidate_row(pos, name, by_node.get(name), sid, labels, session_server)
            row["token"] = tokens.get(name)
            candidates.append(row)
            if row["is_leader"]:
                claims.append(name)
            arrows += self._arrows_of(name, row["watching"], watches.get(sid, ()) if sid else (),
                                      present)
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
            "retired": self._retired(entries, by_node),
            "view": {"client_state": _state_name(self._client), "session": view_sid,
                     "server": session_server.get(view_sid)},
            "store": store,
            "error": error,
        }

    def _label_all(self, by_node, children) -> dict:
        """Every node's label, remembered for good: a node that has left keeps its label
        in the rows of notifications."""
        with self._lock:
            for name, entry in by_node.items():
                self._labels[name] = entry.label
            for name in children:
                self._labels.setdefault(name, foreign_label(name))
            return dict(self._labels)

    def _candidate_row(self, pos, name, entry, sid, labels, session_server) -> dict:
        """One child of the election path, as ``state()["candidates"]`` shows it. What the
        candidate says of itself is known only of the view's own (``entry``)."""
        cand = entry.candidate if entry else None
        is_leader = bool(getattr(cand, "is_leader", False)) if entry else None
        watching = self._relative(getattr(cand, "watching", None)) if entry else None
        if entry:
            entry.last_node = name
        return {
            "node": name, "seq": sequence_of(name), "position": pos,
            "label": entry.label if entry else labels[name],
            "ours": entry is not None, "session": sid,
            "server": session_server.get(sid) if sid else None,
            "is_leader": is_leader, "watching": watching,
            "client_state": _state_name(entry.client) if entry else None,
        }

    def _arrows_of(self, name, watching, server_paths, present) -> list[dict]:
        """The arrows from ``name``: what its candidate says it watches, confirmed (or not)
        by the servers' watch list of its session, and every other watch on that list."""
        prefix = self.server_path + "/"
        targets = {p[len(prefix):] for p in server_paths
                   if p.startswith(prefix) and "/" not in p[len(prefix):]}
        arrows = []
        if watching == self.election_path:
            arrows.append({"from": name, "to": self.election_path, "kind": "children",
                           "source": "candidate", "confirmed": None, "exists": True})
        elif watching:
            arrows.append({"from": name, "to": watching, "kind": "node",
                           "source": "candidate", "confirmed": watching in targets,
                           "exists": watching in present})
        for target in creation_order(targets - {watching}):
            arrows.append({"from": name, "to": target, "kind": "node", "source": "server",
                           "confirmed": True, "exists": target in present})
        return arrows

    @staticmethod
    def _retired(entries, by_node) -> list[dict]:
        """The view's candidates that hold no node now (resigned, expired, not yet in)."""
        held = by_node.values()
        return [{"label": e.label, "node": e.last_node or e.node(),
                 "is_leader": bool(getattr(e.candidate, "is_leader", False)),
                 "client_state": _state_name(e.client)}
                for e in entries if e not in held]

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

    # --- events (kazoo's threads: quick, no I/O) -------------------------------------

    def _on_children(self, children, event):
        ordered = creation_order(children)
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
        watches, where = self._read_servers(self._serving())
        stats = self._read_stats()
        with self._lock:
            self._server_watches = watches
            self._session_server = where
            for name, stat in stats.items():
                self._owners[name] = stat.ephemeralOwner
                self._tokens[name] = stat.czxid
            for known in (self._owners, self._tokens):
                for gone in set(known) - set(self._children):
                    known.pop(gone, None)
        self._rewatch_if_stopped()
        self._read_store()

    def _read_servers(self, serving) -> tuple[dict, dict]:
        """({session: watched paths}, {session: server carrying it}) from the serving
        servers; a server that does not answer is left out of this round."""
        watches, where = {}, {}
        for i in serving:
            try:
                wchc = fourlw.parse_wchc(self.ens.fourlw(i, "wchc", timeout=1.0))
                for sid, paths in wchc.items():
                    watches.setdefault(sid, set()).update(paths)
                for sid in fourlw.parse_cons(self.ens.fourlw(i, "cons", timeout=1.0)):
                    where[sid] = i
            except (OSError, fourlw.FourLetterWordError):
                continue
        return watches, where

    def _read_stats(self) -> dict:
        """{child: its stat} of the children not looked at yet (reads without a watch).
        One read gives both what the view keeps of a node, and neither ever changes: its
        ``ephemeralOwner`` (whose node it is) and its ``czxid`` (its fencing token)."""
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
                out[name] = stat
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
