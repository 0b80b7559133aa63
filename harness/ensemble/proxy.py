"""A TCP fault proxy between one kazoo client and the ensemble.

    proxy = FaultProxy()                       # listens on 127.0.0.1:<ephemeral port>
    zk = KazooClient(hosts=proxy.hosts("/my/chroot"), timeout=2.0); zk.start()
    proxy.cut()        # close every proxied connection; refuse new ones until heal()
    proxy.hold()       # stall every byte, both ways, until heal()
    proxy.heal()       # traffic flows again
    proxy.drop_after_next_create()   # forward the next create, swallow its reply, hang up
    proxy.dropped.wait(5)            # ... "the drop happened"
    proxy.close()

Faults are a first-class component here (as in MIT 6.5840's test harness): the
client talks to real servers over real sockets, and each fault is one plain
thing done to those sockets. The servers never know a proxy is there; a
session survives a cut exactly as it would survive a broken network cable.

How it works: one thread accepts connections; every accepted connection becomes
a ``Link`` to a serving ensemble server with two pump threads, one per
direction. A pump moves whole ZooKeeper frames (4-byte big-endian length, then
the body), so the proxy can read the header of each request and reply:

    first frame each way   ConnectRequest / ConnectResponse
    request                xid:int32, type:int32, ...
    reply                  xid:int32, zxid:int64, err:int32, ...

That is all ``drop_after_next_create()`` needs: remember the xid of the next
create request, and when the reply with that xid comes back, close the link
instead of forwarding it. The create happened on the server; the client only
sees its connection die (ConnectionLoss), and its session lives on.

With ``limits`` (a ``watch_limits.WatchLimits``, one per submission), the proxy
also keeps count of the watches its connections hold on the servers, and
closes a connection whose request would take the submission past its bound;
``notes_stalls``: it notes a client that hangs up on a request unanswered for
``STALL_SECONDS`` (a loaded machine: a ConnectionLoss it causes is no verdict).
"""
from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from dataclasses import dataclass

from harness.ensemble import topology

# ZooKeeper request types (OpCode in the Java sources) that create a znode.
CREATE_TYPES = {1: "create", 15: "create2", 19: "createContainer", 21: "createTTL"}
_HEADER = struct.Struct(">i")
MAX_FRAME = 64 * 1024 * 1024      # ZooKeeper's jute.maxbuffer is far smaller; guard only
STALL_SECONDS = 0.4     # unanswered this long when the client hangs up: a stall (kazoo
                        # hangs up on a ping unanswered for 1/3 session: 0.67 s in checks)


@dataclass
class DroppedReply:
    """A create the server carried out whose reply the client never got."""
    xid: int
    request_type: str
    err: int            # 0: the node was created
    path: str | None    # the server-side path it created (includes any chroot)
    at: float           # time.monotonic() of the drop


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_frame(sock: socket.socket, too_long=None) -> bytes | None:
    """One length-prefixed frame (header included), or None when the peer is gone.
    ``too_long(length)``: True refuses the frame before its body is read (None)."""
    head = _read_exact(sock, 4)
    if head is None:
        return None
    (length,) = _HEADER.unpack(head)
    if length < 0 or length > MAX_FRAME or (too_long is not None and too_long(length)):
        return None
    body = _read_exact(sock, length)
    return None if body is None else head + body


def _parse_create_reply(frame: bytes, request_type: int) -> tuple[int, str | None]:
    """(err, created path) of a create reply frame."""
    xid, zxid, err = struct.unpack_from(">iqi", frame, 4)
    if err != 0 or len(frame) < 24:
        return err, None
    (n,) = struct.unpack_from(">i", frame, 20)
    return err, frame[24:24 + n].decode("utf-8", "replace")


class Link:
    """One proxied connection: client socket <-> server socket, two pump threads."""

    _ids = itertools.count(1)

    def __init__(self, proxy: "FaultProxy", client: socket.socket, server: socket.socket,
                 server_address: str):
        self.id = next(self._ids)
        self.proxy = proxy
        self.client = client
        self.server = server
        self.server_address = server_address
        self.handshake_done = False     # the server answered the ConnectRequest
        self.pending_create: tuple[int, int] | None = None   # (xid, type) to swallow
        self.unanswered: dict[int | None, float] = {}   # xid (None: connect) -> forwarded at
        self.closed = threading.Event()
        self._threads = [
            threading.Thread(target=self._pump_requests, name=f"proxy-{self.id}-c2s", daemon=True),
            threading.Thread(target=self._pump_replies, name=f"proxy-{self.id}-s2c", daemon=True),
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def close(self, by_client: bool = False) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        if self.proxy.limits is not None:
            self.proxy.limits.closed(self.id)
            waited = time.monotonic() - min(self.unanswered.values(), default=time.monotonic())
            if by_client and waited >= STALL_SECONDS:
                self.proxy.limits.stalled(self.server_address, waited)
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.proxy._forget(self)

    # client -> server: ConnectRequest first, then requests "xid, type, ..."
    def _pump_requests(self) -> None:
        if self.proxy.limits is not None:
            self.proxy.limits.charge()
        first = True
        while True:
            frame = _read_frame(self.client, None if self.proxy.limits is None or first
                                else self.proxy.limits.too_long)
            if not self.proxy._wait_flowing(self):   # a hold stalls even the hang-up
                return
            if frame is None:
                return self.close(by_client=True)
            if not first and self.proxy.limits is not None:
                if not self.proxy.limits.allow(self.id, frame):
                    return self.close()     # past the submission's watches: not forwarded
                self.proxy.limits.pace.take()   # past its request rate: waits here
            if not first and len(frame) >= 12:
                xid, op = struct.unpack_from(">ii", frame, 4)
                if op in CREATE_TYPES and self.proxy._claim_drop():
                    self.pending_create = (xid, op)
            if self.proxy.notes_stalls and (first or len(frame) >= 12):
                # when each request went, until answered (None: the ConnectRequest)
                self.unanswered.setdefault(None if first else xid, time.monotonic())
            first = False
            try:
                self.server.sendall(frame)
            except OSError:
                return self.close()

    # server -> client: ConnectResponse first, then replies "xid, zxid, err, ..."
    def _pump_replies(self) -> None:
        if self.proxy.limits is not None:
            self.proxy.limits.charge()
        first = True
        while True:
            frame = _read_frame(self.server)
            if not self.proxy._wait_flowing(self):
                return
            if frame is None:
                if not self.handshake_done:
                    self.proxy._server_refused(self.server_address)
                return self.close()
            handshake, first = first, False
            # the request a frame answers: None for the ConnectResponse; a notification's
            # xid (-1) is no request's, so it answers nothing
            xid = None if handshake else (struct.unpack_from(">i", frame, 4)[0]
                                          if len(frame) >= 8 else "?")
            self.unanswered.pop(xid, None)
            if handshake:
                self.handshake_done = True
            elif self.proxy.limits is not None:
                self.proxy.limits.fired(self.id, frame)
            if self.pending_create and len(frame) >= 20 and xid == self.pending_create[0]:
                err, path = _parse_create_reply(frame, self.pending_create[1])
                self.close()      # the reply is never forwarded
                self.proxy._dropped(DroppedReply(xid, CREATE_TYPES[self.pending_create[1]],
                                                 err, path, time.monotonic()))
                return
            try:
                self.client.sendall(frame)
            except OSError:
                return self.close()


class FaultProxy:
    """Listens on 127.0.0.1 (ephemeral port) and forwards to the ensemble's servers.

    ``servers``: the upstream addresses ("127.0.0.1:2181", ...) or server ids
    (1, 2, 3); default: all three. A new connection goes to the next server in
    turn that accepts it, so a client behind the proxy fails over like a
    client of the whole ensemble when a server dies.
    """

    def __init__(self, servers=None, listen_host: str = "127.0.0.1", limits=None,
                 notes_stalls: bool = False):
        self.limits = limits                  # a WatchLimits shared by a submission's proxies
        self.notes_stalls = notes_stalls      # a proxy that never holds: a stall is the load's
        if servers is None:
            servers = [s.address for s in topology.SERVERS]
        self.servers = [topology.SERVERS[s - 1].address if isinstance(s, int) else s
                        for s in servers]
        self._cond = threading.Condition()
        self._state = "flowing"           # "flowing" | "held" | "cut"
        self._closed = False
        self._links: set[Link] = set()
        self._next_server = 0
        self._drop_armed = False
        self.drops: list[DroppedReply] = []   # every swallowed create reply, in order
        self.dropped = threading.Event()      # set by each drop; clear() it to wait again
        self.connections = 0                  # connections accepted and forwarded
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(64)
        self.address = "%s:%d" % self._listener.getsockname()
        self._acceptor = threading.Thread(target=self._accept_loop, name="proxy-accept",
                                          daemon=True)
        self._acceptor.start()

    def __repr__(self):
        return f"<FaultProxy {self.address} -> {','.join(self.servers)} {self._state}>"

    def hosts(self, chroot: str = "") -> str:
        """The connection string a kazoo client uses to go through this proxy."""
        return self.address + chroot

    @property
    def state(self) -> str:
        return self._state

    # --- the faults -------------------------------------------------------------
    def cut(self) -> None:
        """Close every proxied connection now; close new ones at once until heal()."""
        with self._cond:
            self._state = "cut"
            links = list(self._links)
            self._cond.notify_all()
        for link in links:
            link.close()

    def hold(self) -> None:
        """Stall all traffic both ways (nothing is closed) until heal().

        The client hears nothing, not even ping replies: after about two
        thirds of its session timeout it gives up the connection (SUSPENDED)
        and tries again, through this proxy, where it is stalled as well. The
        server hears nothing either, and expires the session after the whole
        session timeout.
        """
        with self._cond:
            self._state = "held"

    def heal(self) -> None:
        """Undo cut() or hold(): new connections are forwarded, held bytes flow."""
        with self._cond:
            self._state = "flowing"
            self._cond.notify_all()

    def drop_after_next_create(self) -> None:
        """Forward the next create request; swallow its reply and close that connection.

        Wait for it with ``proxy.dropped.wait(timeout)``; ``proxy.drops`` tells
        what the server created.
        """
        with self._cond:
            self._drop_armed = True
            self.dropped.clear()

    def close(self) -> None:
        """Stop listening and close every proxied connection."""
        with self._cond:
            self._closed = True
            self._state = "cut"
            links = list(self._links)
            self._cond.notify_all()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)   # wakes the thread blocked in accept()
        except OSError:
            pass
        self._listener.close()
        self._acceptor.join(timeout=2)
        for link in links:
            link.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the machinery ----------------------------------------------------------
    def _accept_loop(self) -> None:
        if self.limits is not None:
            self.limits.charge()
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return                          # closed
            if self._closed or self._state == "cut":
                client.close()                  # refused while cut
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server, address = self._connect_upstream()
            if server is None:
                client.close()                  # no server answers: the client retries
                continue
            link = Link(self, client, server, address)
            with self._cond:
                if self._closed or self._state == "cut":
                    link.closed.set()
                    client.close()
                    server.close()
                    continue
                self._links.add(link)
                self.connections += 1
            if self.limits is not None:
                self.limits.opened(link.id)
            link.start()

    def _connect_upstream(self):
        with self._cond:
            start = self._next_server
        for k in range(len(self.servers)):
            address = self.servers[(start + k) % len(self.servers)]
            host, port = address.rsplit(":", 1)
            try:
                s = socket.create_connection((host, int(port)), timeout=1.0)
            except OSError:
                continue
            s.settimeout(None)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                self._next_server = (start + k) % len(self.servers)
            return s, address
        return None, None

    def _server_refused(self, address: str) -> None:
        """That server hung up before answering (not serving): start elsewhere next time."""
        with self._cond:
            if self.servers[self._next_server] == address:
                self._next_server = (self._next_server + 1) % len(self.servers)

    def _wait_flowing(self, link: Link) -> bool:
        """Block while held; False when the link was closed or cut meanwhile (a frame
        held when cut() comes never reaches the other side: cut() closes the link just
        after waking its pumps, and must not race them)."""
        with self._cond:
            self._cond.wait_for(lambda: self._state != "held" or link.closed.is_set())
            return self._state != "cut" and not link.closed.is_set()

    def _claim_drop(self) -> bool:
        with self._cond:
            armed, self._drop_armed = self._drop_armed, False
            return armed

    def _dropped(self, drop: DroppedReply) -> None:
        with self._cond:
            self.drops.append(drop)
        self.dropped.set()

    def _forget(self, link: Link) -> None:
        with self._cond:
            self._links.discard(link)
            self._cond.notify_all()

    @property
    def links(self) -> int:
        """How many proxied connections are open now."""
        with self._cond:
            return len(self._links)
