"""``StoreClient``: a leader's connection to the storage service (``harness.store``).

Standard library only: it runs in the learner's sandbox too. One client is one
writer; every write carries a fencing token (or None, which a fenced store refuses).
"""
from __future__ import annotations

import json
import socket
import threading


class StoreError(RuntimeError):
    """The store could not be reached, or answered something that is not the protocol."""


class StoreClient:
    """Writes and reads on one store, as one writer.

        store = StoreClient("127.0.0.1:40123", writer="c1")
        store.write("config", "v2", token=4294967301)    # -> True if the store accepted it
        store.read("config")                              # -> ("v2", 4294967301)
    """

    def __init__(self, address: str, writer: str, secret: str = "", timeout: float = 5.0):
        self.address, self.writer = address, writer
        self._secret, self._timeout = secret, timeout
        self._lock = threading.Lock()       # one request at a time on the connection
        self._sock = None
        self._file = None
        self._gate = threading.Event()      # set: writes go out; clear: the next one waits
        self._gate.set()
        self.held = False                   # a write is waiting at the gate

    def __repr__(self):
        return f"<StoreClient {self.writer}@{self.address}>"

    def _connect(self) -> None:
        host, port = self.address.rsplit(":", 1)
        try:
            self._sock = socket.create_connection((host, int(port)), timeout=self._timeout)
        except OSError as e:
            raise StoreError(f"the store at {self.address} does not answer ({e})") from None
        self._file = self._sock.makefile("rwb")
        reply = self._ask({"op": "hello", "writer": self.writer, "secret": self._secret})
        if not reply.get("ok"):
            raise StoreError(f"the store refused writer {self.writer!r}: {reply.get('error')}")

    def _ask(self, message: dict) -> dict:
        self._file.write(json.dumps(message).encode() + b"\n")
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise StoreError(f"the store at {self.address} closed the connection")
        return json.loads(line)

    def request(self, message: dict) -> dict:
        with self._lock:
            if self._sock is None:
                self._connect()
            try:
                return self._ask(message)
            except (OSError, ValueError) as e:
                self.close()
                raise StoreError(f"the store at {self.address}: {e}") from None

    def write(self, key: str, value, token=None) -> bool:
        """Ask the store to set ``key`` to ``value`` under fencing ``token``; True if it
        accepted the write, False if it refused it (a token lower than one it accepted)."""
        if not self._gate.is_set():
            self.held = True
            self._gate.wait()
            self.held = False
        return bool(self.request({"op": "write", "key": key, "value": value,
                                  "token": token}).get("accepted"))

    # A check makes "a write already under way" with these: the next write waits, its
    # token chosen, until released (meanwhile the grader freezes and thaws the process).
    def hold_next_write(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def read(self, key: str):
        """(value, token) of the last write the store accepted for ``key``, or (None, None)."""
        reply = self.request({"op": "read", "key": key})
        return reply.get("value"), reply.get("token")

    def close(self) -> None:
        for closing in (self._file, self._sock):
            try:
                if closing is not None:
                    closing.close()
            except OSError:
                pass
        self._sock = self._file = None
