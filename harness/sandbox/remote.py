"""The learner's objects in a sandbox, as the grader holds them: names, not objects.

A ``RemoteLab`` calls the lab's functions there with plain data; a
``RemoteClient`` is a kazoo client living there (the grader sees its session,
never its calls); a ``RemoteCandidate`` is one of the lab's candidate classes
built there, with what its callbacks reported; a ``RemoteSaboteur`` is lab 4's
race wrapper around a client (``saboteur.py``). Every answer is data
(``wire``); nothing here runs code from the sandbox.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from harness.sandbox import wire
from harness.sandbox.wire import DEFAULT_TIMEOUT

if TYPE_CHECKING:                  # for the annotations only: host imports this module
    from harness.sandbox.host import Sandbox


class RemoteLab:
    """A lab module in the sandbox: ``lab.register(zk, path)`` calls it there."""

    def __init__(self, sandbox: Sandbox, module: str):
        self._sandbox, self._module = sandbox, module

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteName(self._sandbox, self._module, name)


class RemoteName:
    """A function (called with plain data) or a candidate class (built remotely)."""

    def __init__(self, sandbox: Sandbox, module: str, name: str):
        self.sandbox, self.module, self.name = sandbox, module, name
        self.__name__ = name

    def __call__(self, *args, timeout: float = DEFAULT_TIMEOUT, **kwargs):
        encode = [wire.encode(_ref(a)) for a in args]
        return self.sandbox.request("call", module=self.module, name=self.name, args=encode,
                                    kwargs={k: wire.encode(_ref(v)) for k, v in kwargs.items()},
                                    timeout=timeout, what=f"{self.name}()")

    def candidate(self, client: "RemoteClient", path: str, callbacks=("on_elected",),
                  label: str = "", extra=()) -> "RemoteCandidate":
        """Build one of the lab's candidate classes on a sandbox client (not started);
        ``extra``: more arguments after the path (objects of the same sandbox, or data)."""
        handle = self.sandbox.request("new", module=self.module, cls=self.name,
                                      client=client.handle, path=path, callbacks=list(callbacks),
                                      extra=[wire.encode(_ref(x)) for x in extra],
                                      what=f"{self.name}(...)")
        return RemoteCandidate(self.sandbox, handle, client, label or f"candidate {handle}")


def _ref(value):
    """An object of the sandbox, sent as its handle (decoded there into the object)."""
    if isinstance(value, (RemoteClient, RemoteSaboteur, RemoteStore, RemoteGuardSaboteur)):
        return wire.ClientRef(value.handle)
    return value


class RemoteClient:
    """A kazoo client living in the sandbox. The grader sees its session, never its calls."""

    def __init__(self, sandbox: Sandbox, info: dict, chroot: str, timeout: float, label: str,
                 proxy=None):
        self.sandbox, self.handle = sandbox, info["handle"]
        self.chroot, self.label, self.proxy = chroot, label, proxy
        self.first_session = info.get("session_id")     # the session it was made with
        self._session_timeout = int(timeout * 1000)     # what Ensemble.expire_session reads
        self._wrapped = {}

    def info(self) -> dict:
        return self.sandbox.request("client_info", client=self.handle, timeout=10)

    @property
    def client_id(self):
        info = self.info()
        if info.get("session_id") is None:
            return None
        return int(info["session_id"]), bytes.fromhex(info["password"])

    @property
    def session_id(self):
        cid = self.client_id
        return cid[0] if cid else None

    @property
    def connected(self) -> bool:
        return bool(self.info().get("connected"))

    def states(self, since: float = 0.0) -> list[str]:
        return [e["state"] for e in self.sandbox.events("state", client=self.handle)
                if e["t"] >= since]

    def broke_by_itself(self) -> str | None:
        """How this client's connection broke and came back, or another session replaced
        the one it was made with, as a sentence; None if neither happened. Kazoo reconnects
        by itself: the learner's code cannot make it (short of stopping and starting the
        client again). Meaningful only where the grader broke nothing itself."""
        states = self.states()
        if not any(s != "CONNECTED" for s in states):
            return None
        info = self.info()
        now = info.get("session_id")
        if now is not None and self.first_session is not None and now != self.first_session:
            return (f"{self.label or 'a client'}'s session 0x{self.first_session:x} expired "
                    f"beneath it (it now holds 0x{now:x}), taking its ephemeral nodes with it")
        if info.get("connected") and states[-1] == "CONNECTED":
            lost = next(s for s in states if s != "CONNECTED")
            return (f"{self.label or 'a client'}'s connection broke ({lost}) and came back "
                    "by itself")
        return None

    def watches(self) -> dict:
        """{"child": {path: n}, "data": {path: n}}: the watch callbacks its kazoo holds."""
        return self.sandbox.request("client_watches", client=self.handle, timeout=10)

    def add_listener(self, listener) -> None:
        """Grader-side listener of this client's states (run on the reader thread: keep it short)."""
        def wrapped(state, _l=listener):
            _l(_kazoo_state(state))
        self._wrapped[id(listener)] = wrapped
        self.sandbox._listeners[self.handle].append(wrapped)

    def remove_listener(self, listener) -> None:
        wrapped = self._wrapped.pop(id(listener), None)
        if wrapped in self.sandbox._listeners[self.handle]:
            self.sandbox._listeners[self.handle].remove(wrapped)

    # the check's own calls through this client: its session, its server's view
    def _call(self, method, *args, **kwargs):
        return self.sandbox.request("client_call", client=self.handle, method=method,
                                    args=[wire.encode(a) for a in args],
                                    kwargs={k: wire.encode(v) for k, v in kwargs.items()},
                                    timeout=15, what=f"the client's {method}()")

    def sync(self, path: str = "/"):
        """Bring this client's server up to date (before the learner's code reads through it)."""
        return self._call("sync", path)

    def create(self, path: str, value: bytes = b"", **kwargs) -> str:
        """A node owned by this client's session (for a check's set-up)."""
        return self._call("create", path, value, **kwargs)

    def delete(self, path: str) -> None:
        return self._call("delete", path)

    def stop(self) -> None:
        self.sandbox.request("client_stop", client=self.handle, close=False, timeout=10,
                             what="the client's stop()")

    def close(self) -> None:
        self.sandbox.request("client_stop", client=self.handle, close=True, timeout=10,
                             what="the client's close()")

    def __repr__(self):
        return f"<sandbox client {self.label or self.handle}>"


def _kazoo_state(text):
    from kazoo.client import KazooState
    return {"CONNECTED": KazooState.CONNECTED, "SUSPENDED": KazooState.SUSPENDED,
            "LOST": KazooState.LOST}.get(str(text), text)


class RemoteSaboteur:
    """Lab 4's race wrapper around a sandbox client (``harness.sandbox.saboteur``)."""

    def __init__(self, sandbox: Sandbox, real: RemoteClient, killer: RemoteClient, doomed,
                 at_once: bool = False):
        self.sandbox, self.real = sandbox, real
        self.handle = sandbox.request("saboteur", client=real.handle, killer=killer.handle,
                                      doomed=list(doomed), at_once=bool(at_once))

    def state(self, doomed=None, delay=None) -> dict:
        """What it did ({deleted, reads, held}); ``doomed``/``delay`` change what it does next."""
        return self.sandbox.request("saboteur_state", saboteur=self.handle,
                                    doomed=None if doomed is None else list(doomed),
                                    delay=delay, timeout=10)

    @property
    def deleted(self) -> list[str]:
        return self.state()["deleted"]


class RemoteStore:
    """A client of the fencing lab's store living in the sandbox, writing as ``writer``."""

    def __init__(self, sandbox, address: str, writer: str, secret: str):
        self.sandbox, self.writer = sandbox, writer
        self.handle = sandbox.request("store_client", address=address, writer=writer,
                                      secret=secret, timeout=10)

    def hold_next_write(self) -> None:
        """The next write waits at the gate, its token already chosen, until ``release()``."""
        self.sandbox.request("store_gate", store=self.handle, hold=True, timeout=10)

    def release(self) -> None:
        self.sandbox.request("store_gate", store=self.handle, hold=False, timeout=10)

    @property
    def held(self) -> bool:
        """A write is waiting at the gate now."""
        return self.sandbox.request("store_gate", store=self.handle, timeout=10)["held"]


class RemoteGuardSaboteur:
    """Lab 6's race wrapper around a sandbox client (``saboteur.DeleteAfterRead``)."""

    def __init__(self, sandbox, real: "RemoteClient", killer: "RemoteClient", node: str):
        self.sandbox, self.real = sandbox, real
        self.handle = sandbox.request("guard_saboteur", client=real.handle, killer=killer.handle,
                                      node=node, timeout=10)

    def state(self) -> dict:
        """{deleted: whether it struck, reads: reads of the node it saw}."""
        return self.sandbox.request("guard_saboteur_state", saboteur=self.handle, timeout=10)


class RemoteCandidate:
    """A candidate object in the sandbox, and what its callbacks reported."""

    def __init__(self, sandbox: Sandbox, handle: int, client: RemoteClient, label: str):
        self.sandbox, self.handle, self.zk, self.label = sandbox, handle, client, label

    def start(self, timeout: float = DEFAULT_TIMEOUT):
        return self.sandbox.request("method", cand=self.handle, name="start", timeout=timeout,
                                    what=f"start() ({self.label})")

    def resign(self, timeout: float = DEFAULT_TIMEOUT):
        return self.sandbox.request("method", cand=self.handle, name="resign", timeout=timeout,
                                    what=f"resign() ({self.label})")

    def write(self, key: str, value, timeout: float = 10.0):
        """Lab 6: the candidate's ``write(key, value)`` (whether the store accepted it)."""
        return self.sandbox.request("method", cand=self.handle, name="write", args=[wire.encode(key), wire.encode(value)],
                                    timeout=timeout, what=f"write() ({self.label})")

    def attrs(self, *names) -> dict:
        return self.sandbox.request("attrs", cand=self.handle, names=list(names), timeout=10,
                                    what=f"reading {', '.join(names)} ({self.label})")

    @property
    def node(self):
        return self.attrs("node")["node"]

    @property
    def is_leader(self):
        return self.attrs("is_leader")["is_leader"]

    @property
    def watching(self):
        return self.attrs("watching")["watching"]

    # what the callbacks and the leader poll reported, in order
    def calls(self, name: str) -> list[dict]:
        return self.sandbox.events("callback", cand=self.handle, name=name)

    @property
    def elected_flags(self) -> list:
        """is_leader as seen inside each on_elected call."""
        return [e.get("is_leader") for e in self.calls("on_elected")]

    @property
    def elected(self) -> int:
        return len(self.calls("on_elected"))

    @property
    def revoked(self) -> int:
        return len(self.calls("on_revoked"))

    def __repr__(self):
        return f"<{self.label}>"
