"""The storage service itself: one process, one listening socket, an append-only log.

Fenced (the default): a write is accepted only if its token is an integer at
least the highest token accepted so far, so once a new term's leader has written,
nothing of an older term gets in. Unfenced (``fenced=False``, for a notebook's
experiment): every write is accepted, and the log shows what that lets happen.
"""
from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from pathlib import Path


class Store:
    """The state: values, the highest accepted token, the log file."""

    def __init__(self, log: Path, fenced: bool = True, writers: Path | None = None):
        self.fenced, self.writers = fenced, writers
        self.values: dict = {}
        self.highest = None
        self._lock = threading.Lock()
        self._log = open(log, "a", buffering=1)

    def hello(self, writer, secret) -> str:
        """'' if ``writer`` may write on this connection, else why not. The writers file
        (name -> secret, the grader's) is read at each hello: writers may be added."""
        if not isinstance(writer, str) or not writer:
            return "a writer needs a name"
        secrets = json.loads(self.writers.read_text()) if self.writers else {}
        if secrets and secrets.get(writer) != secret:
            return f"no writer {writer!r} with that secret"
        return ""

    def write(self, writer: str, key, value, token) -> dict:
        with self._lock:
            before = self.highest
            valid = isinstance(token, int) and not isinstance(token, bool)
            accepted = not self.fenced or (valid and (before is None or token >= before))
            if accepted:
                self.values[key] = (value, token)
                if valid and (before is None or token > before):
                    self.highest = token
            self._log.write(json.dumps({"t": time.monotonic(), "key": key, "value": value,
                                        "token": token, "writer": writer,
                                        "accepted": accepted, "highest_before": before}) + "\n")
            return {"accepted": accepted, "highest": self.highest}

    def read(self, key) -> dict:
        with self._lock:
            value, token = self.values.get(key, (None, None))
            return {"value": value, "token": token}


def handler_for(store: Store):
    class Connection(socketserver.StreamRequestHandler):
        def handle(self):
            writer = None
            for line in self.rfile:
                try:
                    message = json.loads(line)
                    op = message.get("op")
                except (ValueError, AttributeError):
                    return                          # not the protocol: hang up
                if op == "hello":
                    why = store.hello(message.get("writer"), message.get("secret", ""))
                    writer = None if why else message["writer"]
                    reply = {"ok": not why, "error": why}
                elif op == "write" and writer is not None:
                    reply = store.write(writer, str(message.get("key")), message.get("value"),
                                        message.get("token"))
                elif op == "read":
                    reply = store.read(str(message.get("key")))
                else:
                    reply = {"error": f"{op!r} is not a request (or no hello yet)"}
                self.wfile.write(json.dumps(reply).encode() + b"\n")
    return Connection


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(log: Path, port: int = 0, fenced: bool = True, writers: Path | None = None,
          announce=print) -> None:
    """Listen on 127.0.0.1:``port`` (0: any free port) until killed; say the port first."""
    store = Store(Path(log), fenced, writers)
    with Server(("127.0.0.1", port), handler_for(store)) as server:
        server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        announce(f"listening on 127.0.0.1:{server.server_address[1]}")
        server.serve_forever()
