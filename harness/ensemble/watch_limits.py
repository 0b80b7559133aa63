"""What one submission's connections may ask of the servers: request sizes, live watches.

Requests: none over ``max_request_bytes`` (16 KiB; the labs' largest is under
300 bytes). Not the servers' ``jute.maxbuffer``: a server reads its peers'
transactions and its own log with that same bound, and a transaction can be far
bigger than any request (closing a session lists every ephemeral path it held:
250 nodes of 130-byte names made a 33 KiB transaction, and servers whose bound
was 16 KiB could no longer load their log). So the servers keep a large bound
(``topology.JUTE_MAXBUFFER``) and the proxy bounds what a submission sends.

A quota bounds the nodes a namespace holds, but a watch needs no node: an
``exists`` with a watch on a path that does not exist is accepted from anyone,
and each one keeps its path in the server's memory until it fires or its
connection closes. One client setting watches on long made-up paths filled a
256 MB server heap in seconds here (java.lang.OutOfMemoryError), whatever the
ACLs and quotas. ZooKeeper has no limit of its own for this.

So the learner's connections reach the servers through the grader's proxy
(``proxy.FaultProxy``; as root the sandbox's uid can reach no server port
directly, ``sandbox/network.py``), and the proxy keeps, for each connection,
the watches its requests asked for, as the server does:

    request  exists / getData / getChildren / getChildren2 with watch=true,
             addWatch, setWatches        -> (kind, path) added
    event    NodeCreated / NodeDeleted / NodeDataChanged -> data watches of path gone
             NodeDeleted / NodeChildrenChanged           -> child watches of path gone
    close    every watch of the connection gone (the server drops them too)

A getData or getChildren on a path that does not exist sets no watch on the
server but is counted here until the connection closes: the count errs on the
side of more, never less. A request that would take the submission (all its
connections together) past ``max_watches`` watches or ``max_path_bytes`` of
watched paths is not forwarded: its connection is closed, the server drops
that connection's watches, and the learner's code sees a lost connection.
What happened is kept in ``violations``, for the grader's message and for
naming the culprit. A correct recipe keeps one or two watches per candidate.
"""
from __future__ import annotations

import struct
import threading
import time
from dataclasses import dataclass

from harness.ensemble.request_pace import RequestPace

# ZooKeeper OpCodes whose request ends "path, bool watch"
WATCHING_READS = {3: "data", 4: "data", 8: "child", 12: "child"}
ADD_WATCH = 106                 # path, int mode: a persistent watch (lives until close)
SET_WATCHES = (101, 105)        # relativeZxid, then lists of paths (a reconnecting client)
NOTIFICATION_XID = -1
MAX_REQUEST_BYTES = 16 * 1024   # what a submission's request may carry (the labs': < 300 bytes)
DATA_GONE = {1, 2, 3}           # NodeCreated, NodeDeleted, NodeDataChanged
CHILD_GONE = {2, 4}             # NodeDeleted, NodeChildrenChanged


@dataclass
class Violation:
    at: float                   # time.monotonic()
    watches: int                # what the submission held, with the refused request
    path_bytes: int
    path: str = ""              # a refused watch's path (its last 80 characters)
    request_bytes: int = 0      # a refused request's size ("too long"), else 0

    @property
    def kind(self) -> str:
        return "too long" if self.request_bytes else "watches"

    def text(self) -> str:
        if self.kind == "too long":
            return (f"a request of {self.request_bytes:,} bytes, over the "
                    f"{MAX_REQUEST_BYTES // 1024} KiB a request may carry")
        return (f"a watch on {self.path!r} would have made {self.watches:,} live watches "
                f"({self.path_bytes:,} bytes of paths)")


def _string(frame: bytes, at: int) -> tuple[str, int]:
    (n,) = struct.unpack_from(">i", frame, at)
    at += 4
    if n < 0:
        return "", at
    return frame[at:at + n].decode("utf-8", "replace"), at + n


def watches_asked(frame: bytes) -> list[tuple[str, str]]:
    """The (kind, path) watches a request frame (length prefix included) asks for."""
    if len(frame) < 12:
        return []
    op = struct.unpack_from(">i", frame, 8)[0]
    try:
        if op in WATCHING_READS:
            path, at = _string(frame, 12)
            return [(WATCHING_READS[op], path)] if frame[at:at + 1] == b"\x01" else []
        if op == ADD_WATCH:
            return [("persistent", _string(frame, 12)[0])]
        if op in SET_WATCHES:
            out, at = [], 20                     # after relativeZxid (int64)
            kinds = ("data", "data", "child", "persistent", "persistent")
            for kind in kinds[:3] if op == 101 else kinds:
                (count,) = struct.unpack_from(">i", frame, at)
                at += 4
                for _ in range(max(0, count)):
                    path, at = _string(frame, at)
                    out.append((kind, path))
            return out
    except (struct.error, IndexError):
        return [("malformed", "")]               # the server will refuse it; count it anyway
    return []


def watches_gone(frame: bytes) -> list[tuple[str, str]]:
    """The (kind, path) watches a notification from the server ends; [] for a reply."""
    if len(frame) < 20 or struct.unpack_from(">i", frame, 4)[0] != NOTIFICATION_XID:
        return []
    try:
        event_type = struct.unpack_from(">i", frame, 20)[0]
        path = _string(frame, 28)[0]
    except struct.error:
        return []
    gone = []
    if event_type in DATA_GONE:
        gone.append(("data", path))
    if event_type in CHILD_GONE:
        gone.append(("child", path))
    return gone


class WatchLimits:
    """One submission's watches, over all its proxied connections."""

    def __init__(self, max_watches: int = 1000, max_path_bytes: int = 256 * 1024,
                 max_request_bytes: int = MAX_REQUEST_BYTES):
        self.max_watches, self.max_path_bytes = max_watches, max_path_bytes
        self.max_request_bytes = max_request_bytes
        self._lock = threading.Lock()
        self._by_link: dict[int, set[tuple[str, str]]] = {}
        self.watches = self.path_bytes = 0
        self.peak = 0
        self.connections = self.connections_peak = 0     # measured, not limited here
        self.charge_to = None       # tid -> None: where the proxy threads' CPU is counted
        self.violations: list[Violation] = []
        self._lab_from = 0          # violations of the labs graded before this one
        self.stalls: list[tuple[float, str, float]] = []   # (time.time(), server, seconds)
        self.pace = RequestPace()                          # requests a second, all links

    def too_long(self, length: int) -> bool:
        """A request frame of ``length`` bytes is refused (its connection closed) if True."""
        if length + 4 <= self.max_request_bytes:
            return False
        with self._lock:
            self.violations.append(Violation(time.monotonic(), self.watches, self.path_bytes,
                                             request_bytes=length + 4))
        return True

    def new_lab(self) -> None:
        """A lab's checks begin: what the labs before it were refused is theirs alone."""
        with self._lock:
            self._lab_from = len(self.violations)

    def refused_in_lab(self) -> int:
        """Requests refused since the lab now graded began (``new_lab``)."""
        with self._lock:
            return len(self.violations) - self._lab_from

    def charge(self) -> None:
        """Called by each proxy thread as it starts: once the lab now graded has been
        refused something, ``charge_to(native thread id)`` puts the thread where its CPU
        counts against the submission (the sandbox's slot), if set. Not before: in a
        contended slot group, an honest lab's traffic would wait behind the machine's load
        (CI's test loop on two cores), and only a flood needs its pumping paid for. Not
        for an earlier lab's refusals either: a watch flood in lab 1 would have had lab
        4's correct candidates proxied from the slot's share, starved beside its
        neighbours' sandboxes (a broken lab costs only its own checks)."""
        if self.charge_to is not None and self.refused_in_lab():
            self.charge_to(threading.get_native_id())

    def stalled(self, server: str, seconds: float) -> None:
        """A client hung up on ``server`` with a request unanswered for ``seconds``
        (proxy.STALL_SECONDS): the path to the server was too slow, not the client."""
        with self._lock:
            self.stalls.append((time.time(), server, seconds))

    def stalls_since(self, since: float) -> list[tuple[float, str, float]]:
        with self._lock:
            return [s for s in self.stalls if s[0] >= since]

    def opened(self, link_id: int) -> None:
        with self._lock:
            self._by_link.setdefault(link_id, set())
            self.connections += 1
            self.connections_peak = max(self.connections_peak, self.connections)

    def allow(self, link_id: int, frame: bytes) -> bool:
        """Account for a request; False: refuse it (and close its connection)."""
        asked = watches_asked(frame)
        if not asked:
            return True
        with self._lock:
            held = self._by_link.setdefault(link_id, set())
            new = [w for w in dict.fromkeys(asked) if w not in held]
            count = self.watches + len(new)
            size = self.path_bytes + sum(len(p) for _, p in new)
            if count > self.max_watches or size > self.max_path_bytes:
                path = asked[0][1]
                self.violations.append(Violation(time.monotonic(), count, size,
                                                 path if len(path) <= 80 else "..." + path[-77:]))
                return False
            held.update(new)
            self.watches, self.path_bytes = count, size
            self.peak = max(self.peak, count)
            return True

    def fired(self, link_id: int, frame: bytes) -> None:
        gone = watches_gone(frame)
        if not gone:
            return
        with self._lock:
            held = self._by_link.get(link_id)
            for w in gone:
                if held is not None and w in held:
                    held.discard(w)
                    self.watches -= 1
                    self.path_bytes -= len(w[1])

    def closed(self, link_id: int) -> None:
        with self._lock:
            if link_id in self._by_link:
                self.connections -= 1
            held = self._by_link.pop(link_id, set())
            self.watches -= len(held)
            self.path_bytes -= sum(len(p) for _, p in held)
