"""What the buttons and the methods do: add candidates, resign the leader, expire a
session, kill and restart a server, close the view.

Each action returns only once the view has seen its effect and the change it caused has
settled (``notifications``), so the next line of a notebook cell reads the right number.
Killing a server takes the fault lock, as ``workshop.faults()`` does, because the servers
are shared with everyone's graded checks.

``ActionsPart`` is one part of ``LiveView`` (see ``liveview``).
"""
from __future__ import annotations

import contextlib
import re
import threading
import time

from kazoo.exceptions import NoNodeError

from harness.ensemble import SERVING_MODES, faultlock
from harness.learner.experiments import resign_all, summary, swallow_callback_errors
from harness.learner.view.model import foreign_label
from harness.learner.view.notifications import Entry
from harness.recipe import quiesce

ACTION_WAIT = 10.0                 # how long an action waits to see its own effect
CLOSE_WAIT = 5.0                   # how long close() waits for resign() and the callbacks

_OPEN: list = []                   # open views of this process (see ``replace``)


def _say_swallowed(swallowed) -> None:
    """What close() ignored, in one line, never a traceback."""
    print(f"LiveView closed. Ignored while your candidates stopped: {summary(swallowed)}.")


def _number(which) -> int | None:
    """``k`` of ``expire(k)`` or ``expire("#k")``; None when ``which`` names a node."""
    if isinstance(which, int) and not isinstance(which, bool):
        return which
    if isinstance(which, str) and re.fullmatch(r"#\d+", which.strip()):
        return int(which.strip()[1:])
    return None


class ActionsPart:
    """The view's actions on the election and the servers, and closing it."""

    def _init_actions(self) -> None:
        self._closed = False
        self._killed: set[int] = set()         # servers this view killed (it holds the fault lock)

    # --- candidates --------------------------------------------------------------------

    def add_candidate(self):
        """A new candidate on its own new client (own session); returns once the view sees
        its node."""
        if self.make_candidate is None:
            raise ValueError("this view only observes: create it with make_candidate="
                             "lambda client, path: Candidate(client, path) to add candidates")
        self._check_open()
        client = self.ens.client(chroot=self.chroot, timeout=self.session_timeout)
        entry = Entry(None, client)              # counts from the client's first packet
        client.add_listener(self._on_state)
        try:
            client.start(timeout=15)             # (a start that timed out still retries)
            candidate = self.make_candidate(client, self.election_path)
            entry.candidate = candidate
            with self._action("add"):
                self._join(entry)
        except BaseException:
            self._close_client(client)
            raise
        return candidate

    def _join(self, entry) -> None:
        """(inside the action) Number the candidate, start it, wait for its node."""
        with self._lock:                 # #k: join order (see ``liveview``)
            label = entry.label = f"#{len(self._entries) + 1}"
            self._cause = f"add {label}"
            self._entries.append(entry)
        try:
            entry.candidate.start()
        except BaseException:
            with self._lock:
                self._entries.remove(entry)
                self._gone += entry.received
            self._stop_candidates([entry], [])     # its threads too, not only its client
            raise
        node = entry.node()
        if node:
            with self._lock:
                self._labels[node] = label
            self._wait_children(lambda ch: node in ch)
        self._settle_count()

    def add_candidates(self, n: int = 1) -> list:
        """``n`` new candidates, one after the other; returns them."""
        return [self.add_candidate() for _ in range(n)]

    def resign_leader(self) -> str | None:
        """The first node's candidate resigns; returns that node's name (None: no node).

        A node this view did not create is deleted by the view (as if it resigned).
        """
        self._check_open()
        with self._lock:
            leader = self._children[0] if self._children else None
        if leader is None:
            return None
        entry = self._entry_of(leader)
        with self._action(f"resign {entry.label if entry else foreign_label(leader)}"):
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
        self._check_open()
        entry, node = self._find(which)
        with self._action(f"expire {entry.label}"):
            self.ens.expire_session(entry.client)
            if node:
                self._wait_children(lambda ch: node not in ch)
            self._settle_count()
        self._rerender()
        return node

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
        k = _number(which)
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

    def _wait_children(self, predicate, timeout=ACTION_WAIT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._children), timeout=timeout)

    # --- servers ------------------------------------------------------------------------

    def kill_server(self, i: int) -> None:
        """SIGKILL ZooKeeper server ``i`` (1..3), then refresh the view.

        The servers are shared: first it waits for the graded checks running on them
        to end (the fault lock, as ``workshop.faults()`` does), and it holds that lock
        until this view restarts the server (``restart_server``) or is closed, so
        nobody's check runs beside a server this view killed."""
        self._check_open()
        with self._action(f"kill zoo{i}"):      # close() waits for it: then restarts i
            if i not in self._killed:
                faultlock.acquire_exclusive()
                if self._closed:                # closed while we waited for the lock
                    faultlock.release_exclusive()
                    self._check_open()
                self._killed.add(i)
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

    # --- closing ------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this LiveView is closed: make a new one (re-run its cell)")

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

        Nothing is left behind, whatever fails on the way (each step runs even when one
        before it raised), and a second call does nothing: an action under way (a button)
        is waited for first, and every later one is refused (``_check_open``). A view
        whose constructor failed is closed by it, with what it had opened.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        if self in _OPEN:
            _OPEN.remove(self)
        waited = self._action_lock.acquire(timeout=ACTION_WAIT + CLOSE_WAIT)
        try:
            swallowed = self._close_clients()
        finally:
            self._join_refresher()
            self._restart_killed()
            if waited:
                self._action_lock.release()
            with contextlib.suppress(Exception):
                self._quiet_widget()
        if swallowed:
            _say_swallowed(swallowed)

    def _close_clients(self) -> list:
        """Stop the candidates, drain and close their clients, then the view's own (steps
        1-3 of ``close``); returns what was ignored on the way."""
        with self._lock:
            entries = list(self._entries)
        clients = [e.client for e in entries]
        with swallow_callback_errors(clients) as swallowed:
            try:
                self._stop_candidates(entries, swallowed)
                quiesce(clients, timeout=CLOSE_WAIT, strict=False)
            finally:
                for client in [*clients, self._client]:
                    if client is not None:
                        self._close_client(client)
        return swallowed

    def _join_refresher(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=CLOSE_WAIT)

    @staticmethod
    def _stop_candidates(entries, swallowed) -> None:
        """resign() every candidate, the last to join first, in one bounded helper thread."""
        resign_all([(e.label, e.candidate) for e in reversed(entries) if e.candidate is not None],
                   CLOSE_WAIT, swallowed)

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
