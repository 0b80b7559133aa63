"""The sandbox: the process where a learner's code runs, and nothing else does.

The grader starts it (``harness.sandbox.host``) as an unprivileged user with
resource limits, hands it one end of a socket pair, and sends it requests:
load these solution cells, open a kazoo client to these addresses, call this
function with this plain data, build a candidate, start it, read its
``is_leader``. It answers with plain data (``wire``) and, unasked, reports
what the grader must see happen: each client's connection states, each
candidate's ``on_elected`` / ``on_revoked`` calls (with ``is_leader`` as it was
inside the call) and each change of a candidate's ``is_leader``, all stamped
with ``time.monotonic()`` (one clock for every process on the machine).

Nothing here decides a grade: this process could be rewritten by the code it
runs, and the grader treats every word from it as a claim to check against
the servers.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import random
import resource
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

from harness import recipe
from harness.sandbox import wire
from harness.sandbox.cells import LabLoadError, exec_cells, learner_where, running_where
from harness.sandbox.race_ops import ProtocolError, RaceOps
from harness.sandbox.reports import CallbackErrors, quiet_tracebacks, text_of

# Limits for the learner's process (soft = hard: the code cannot raise them again).
LIMITS = {
    "RLIMIT_AS": 4 << 30,           # address space: a runaway list ends here, not the machine
    "RLIMIT_NOFILE": 512,
    "RLIMIT_CPU": 300,              # seconds of CPU, not of waiting
    "RLIMIT_CORE": 0,
    "RLIMIT_FSIZE": 64 << 20,
}
NPROC = 256                         # threads count too; only applied under a uid of our own
POLL = 0.005                        # how often each candidate's is_leader is read


def limit_resources(own_uid: bool) -> None:
    limits = dict(LIMITS)
    if own_uid:                     # RLIMIT_NPROC counts every process of the real uid
        limits["RLIMIT_NPROC"] = NPROC
    for name, value in limits.items():
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError):
            pass                    # already lower


# A check's seed replays the learner's randomness too. pytest-randomly's way: the
# global ``random`` is seeded at the start of every check, and so are the guids,
# from a generator of their own (``uuid.uuid4`` reads os.urandom, which no seed
# reaches). Whether a wrong sort by name happens to agree with creation order
# depends on the guids: with them fixed, a graded run repeats with its seed.
_GUIDS = random.Random()


def _seeded_uuid4() -> uuid.UUID:
    return uuid.UUID(int=_GUIDS.getrandbits(128), version=4)


def seed_randomness(seed: str) -> None:
    random.seed(seed)
    _GUIDS.seed(f"{seed}:guids")


class CellsFinder:
    """Serves the lab modules from solution cells the grader sent (not from files)."""

    def __init__(self, labs: dict):
        self.labs = labs            # module -> {"notebook", "cells"} or {"error"}

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.labs:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.labs[fullname].get("notebook"))

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        lab = self.labs[module.__name__]
        if "error" in lab:
            raise LabLoadError(lab["error"])
        exec_cells(lab["notebook"], [tuple(c) for c in lab["cells"]], module)


class Server(RaceOps):
    def __init__(self, conn: Connection):
        self.conn = conn
        self.send_lock = threading.Lock()
        self.objects: dict[int, object] = {}
        self.next_handle = 1
        self.candidates: dict[int, object] = {}     # handle -> candidate, polled for is_leader
        self.last_leader: dict[int, object] = {}
        self.pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sandbox-request")
        self.running: dict[int, int] = {}           # request id -> thread answering it
        self.poller = None
        self.finder = None
        import logging
        logging.getLogger().addHandler(CallbackErrors(self))

    # --- sending -------------------------------------------------------------------

    def send(self, message: dict) -> None:
        with self.send_lock:
            wire.send(self.conn, message)

    def client_of_thread(self, ident) -> int | None:
        """The handle of the kazoo client whose worker thread ``ident`` is, if any."""
        from kazoo.client import KazooClient
        for handle, obj in list(self.objects.items()):
            if isinstance(obj, KazooClient):
                if any(t.ident == ident for t in getattr(obj.handler, "_workers", ())):
                    return handle
        return None

    def emit(self, **event) -> None:
        event.setdefault("t", time.monotonic())
        try:
            self.send({"event": event})
        except (OSError, ValueError):
            pass                    # the grader has gone; we will be ended shortly

    def keep(self, obj) -> int:
        handle = self.next_handle
        self.next_handle += 1
        self.objects[handle] = obj
        return handle

    # --- the loop ------------------------------------------------------------------

    def serve(self) -> None:
        while True:
            try:
                message = wire.receive(self.conn)
            except (EOFError, OSError):
                os._exit(0)
            op = message.get("op")
            if op == "exit":
                self.send({"id": message.get("id"), "ok": None})
                os._exit(0)
            # every request in a thread of its own: a blocking start() must not stop
            # the grader from reading another candidate's state meanwhile
            self.pool.submit(self.answer, message)

    def answer(self, message: dict) -> None:
        rid = message.get("id")
        self.running[rid] = threading.get_ident()
        try:
            handler = getattr(self, "op_" + str(message.get("op")), None)
            if handler is None:
                raise ProtocolError(f"unknown request {message.get('op')!r}")
            result = handler(**message.get("args", {}))
            self.send({"id": rid, "ok": wire.encode(result)})
        except ProtocolError as e:
            self.send({"id": rid, "error": {"kind": "protocol", "type": "ProtocolError",
                                            "message": str(e)}})
        except BaseException as e:   # the learner's code raised (SystemExit included)
            self.send({"id": rid, "error": {
                "kind": "learner", "type": type(e).__name__,
                "module": type(e).__module__, "message": text_of(e)[:2000],
                "where": learner_where(e.__traceback__),
                "trace": "".join(traceback.format_exception(e, limit=-12))[-4000:]}})
        finally:
            self.running.pop(rid, None)

    def obj(self, handle, kind=None):
        try:
            found = self.objects[handle]
        except (KeyError, TypeError):
            raise ProtocolError(f"no object {handle!r}") from None
        if kind is not None and not isinstance(found, kind):
            raise ProtocolError(f"object {handle!r} is not a {kind.__name__}")
        return found

    # --- requests ------------------------------------------------------------------

    def op_where(self, rid=None):
        """Where the learner's code is now: for request ``rid``, or for every thread in a
        notebook cell (kazoo's event thread running a callback included). For a hang."""
        frames = sys._current_frames()
        if rid is not None:
            ident = self.running.get(rid)
            frame = frames.get(ident) if ident is not None else None
            return [running_where(frame)] if frame is not None and running_where(frame) else []
        here = threading.get_ident()
        found = [running_where(f) for ident, f in frames.items() if ident != here]
        return sorted({w for w in found if w})

    def op_listener_where(self):
        """Where kazoo's connection thread is inside the learner's code ('' if it is not):
        a state listener runs on that thread, and one that calls ZooKeeper or waits there
        stops every reply and state change of its client. For a failure's message only."""
        for frame in sys._current_frames().values():
            files = [f.filename.replace("\\", "/") for f in traceback.extract_stack(frame)]
            if any(f.endswith("kazoo/protocol/connection.py") for f in files):
                where = running_where(frame)
                if where:
                    return where
        return ""

    def op_seed(self, seed):
        """Start a check: its seed for the randomness of the code run here."""
        seed_randomness(str(seed))

    def op_hello(self):
        return {"pid": os.getpid(), "uid": os.getuid(), "python": sys.version.split()[0]}

    def op_load(self, labs):
        """Remember the solution cells of every lab; each is run at its first import."""
        self.finder = CellsFinder(labs)
        sys.meta_path.insert(0, self.finder)

    def op_import(self, module):
        """Load a lab; its top-level names (so a missing one can be named)."""
        mod = importlib.import_module(module)
        return sorted(k for k in vars(mod) if not k.startswith("_"))

    def op_call(self, module, name, args=(), kwargs=None):
        function = getattr(importlib.import_module(module), name)
        args = wire.decode(list(args), self.objects)
        kwargs = wire.decode(kwargs or {}, self.objects)
        return function(*args, **kwargs)

    def op_client(self, hosts, chroot="", session_timeout=2.0, auth=None, acl=None, reconnect=None):
        from kazoo.client import KazooClient
        from kazoo.security import ACL, Id
        options = {}
        if auth:
            options["auth_data"] = [tuple(a) for a in auth]
        if acl:
            options["default_acl"] = [ACL(perms, Id(scheme, ident)) for perms, scheme, ident in acl]
        if reconnect:
            options["connection_retry"] = dict(reconnect)
        client = KazooClient(hosts=hosts + chroot, timeout=session_timeout, **options)
        handle = self.keep(client)
        # first listener of all: a state change is reported before a candidate reacts to it
        client.add_listener(lambda state: self.emit(kind="state", client=handle, state=str(state)))
        client.start(timeout=15)
        return {"handle": handle, **self.op_client_info(handle)}

    def op_client_info(self, client):
        from kazoo.client import KazooClient
        c = self.obj(client, KazooClient)
        cid = c.client_id
        return {"session_id": cid[0] if cid else None,
                "password": cid[1].hex() if cid else None,
                "connected": bool(c.connected), "state": str(c.state)}

    def op_client_watches(self, client):
        """The watch callbacks kazoo holds for this client, counted by path (chroot taken
        off): {"child": {path: n}, "data": {path: n}}. A watch that fired is popped from
        these, so a candidate that did not set it again holds none. For messages only."""
        from kazoo.client import KazooClient
        c = self.obj(client, KazooClient)

        def counted(watchers):
            return {c.unchroot(path): len(found) for path, found in list(watchers.items()) if found}
        return {"child": counted(c._child_watchers), "data": counted(c._data_watchers)}

    def op_client_stop(self, client, close=True):
        from kazoo.client import KazooClient
        c = self.obj(client, KazooClient)
        c.stop()
        if close:
            c.close()

    # plain kazoo calls a check makes with a learner's client (its session, its server)
    CLIENT_CALLS = {"create", "delete", "sync", "ensure_path"}

    def op_client_call(self, client, method, args=(), kwargs=None):
        from kazoo.client import KazooClient
        if method not in self.CLIENT_CALLS:
            raise ProtocolError(f"{method!r} is not a client call a check may make")
        return getattr(self.obj(client, KazooClient), method)(*wire.decode(list(args)),
                                                              **wire.decode(kwargs or {}))

    def op_new(self, module, cls, client, path, callbacks=("on_elected",), extra=()):
        """Build a candidate; its callbacks report each call, with is_leader as seen inside.
        ``extra``: more arguments after the path (lab 6: the store), objects by handle."""
        klass = getattr(importlib.import_module(module), cls)
        zk = self.obj(client)
        more = wire.decode(list(extra), self.objects)
        handle = self.next_handle
        self.next_handle += 1
        box = {}

        def reporter(name):
            def callback(*_args, **_kwargs):
                cand = box.get("cand")
                try:
                    leading = getattr(cand, "is_leader", None)
                except Exception:
                    leading = None
                self.emit(kind="callback", cand=handle, name=name,
                          is_leader=leading if isinstance(leading, bool) else repr(leading))
            return callback

        kwargs = {name: reporter(name) for name in callbacks}
        cand = klass(zk, path, *more, **kwargs)
        box["cand"] = cand
        self.objects[handle] = cand
        self.candidates[handle] = cand
        self.last_leader[handle] = False
        if self.poller is None:
            self.poller = threading.Thread(target=self.poll_leaders, daemon=True,
                                           name="sandbox-leader-poll")
            self.poller.start()
        return handle

    METHODS = {"start", "resign", "write"}       # the graded interface's methods

    def op_method(self, cand, name, args=()):
        if name not in self.METHODS:
            raise ProtocolError(f"method {name!r} is not part of the interface")
        return getattr(self.obj(cand), name)(*wire.decode(list(args)))

    def op_attrs(self, cand, names):
        target = self.obj(cand)
        return {n: getattr(target, n) for n in names}

    def op_quiesce(self, clients, rounds=2, limit=5.0):
        recipe.quiesce([self.obj(c) for c in clients], rounds=rounds, timeout=limit)

    def op_reset(self, limit=5.0):
        """End a check: stop polling its candidates, close its clients (all at once, bounded)."""
        from kazoo.client import KazooClient
        self.candidates.clear()
        self.last_leader.clear()
        clients = [o for o in self.objects.values() if isinstance(o, KazooClient)]
        closers = [threading.Thread(target=recipe.close_quietly, args=(c, limit), daemon=True)
                   for c in clients]
        for t in closers:
            t.start()
        for t in closers:
            t.join(limit)
        self.objects.clear()
        return sum(t.is_alive() for t in closers)

    # --- what the grader watches -------------------------------------------------

    def poll_leaders(self) -> None:
        """Report each change of a candidate's is_leader, stamped with the read that saw it
        and ``since``: the read before, which still saw the old value. The change happened
        between the two; on a busy machine they may lie tens of milliseconds apart."""
        read_at: dict[int, float] = {}
        while True:
            time.sleep(POLL)
            for handle, cand in list(self.candidates.items()):
                now = time.monotonic()
                try:
                    leading = bool(getattr(cand, "is_leader", False))
                except Exception:
                    leading = False
                since = read_at.get(handle, now)
                read_at[handle] = now
                if leading != self.last_leader.get(handle):
                    self.last_leader[handle] = leading
                    self.emit(kind="leader", cand=handle, value=leading, t=now, since=since)



def main() -> None:
    fd = int(sys.argv[1])
    own_uid = sys.argv[2] == "own-uid"
    limit_resources(own_uid)
    quiet_tracebacks()
    uuid.uuid4 = _seeded_uuid4      # before any lab is loaded: `from uuid import uuid4` gets it too
    Server(Connection(fd)).serve()


if __name__ == "__main__":
    main()
