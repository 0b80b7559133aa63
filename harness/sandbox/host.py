"""The grader's side of the sandbox: start it, ask it things, hear what happens.

    sb = Sandbox(jail, labs)                 # labs: sources of the solution cells
    lab = sb.lab("predecessor_watch")        # RemoteLab: functions and classes by name
    zk = sb.client(hosts, chroot="/ns")      # a kazoo client that lives in the sandbox
    cand = lab.Candidate(zk, "/election", callbacks=("on_elected",))
    cand.start(); cand.is_leader; cand.elected_flags
    sb.close()

Every answer is decoded as data (``wire``); an exception in the learner's code
comes back as a ``LearnerError`` carrying its type name, message and notebook
cell and line, never as an object. The reader thread only files answers and
events: no code from the sandbox, and no callback of a check, runs on it.
"""
from __future__ import annotations

import collections
import os
import signal
import socket
import threading
from multiprocessing.connection import Connection

from harness.sandbox import wire
from harness.sandbox.jail import Jail, end_group, signal_group
from harness.sandbox.remote import RemoteClient, RemoteLab

DEFAULT_TIMEOUT = wire.DEFAULT_TIMEOUT
OUTPUT_KEEP = 64 * 1024          # bytes of the learner's output kept (the tail)


class LearnerError(Exception):
    """The learner's code raised, hung, or ended its process."""

    def __init__(self, type_name: str, message: str, where: str = ""):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message, self.where = type_name, message, where

    def learner_text(self) -> str:
        where = f"\n  where: {self.where}" if self.where else ""
        if self.type_name == "QuotaExceededError":
            return ("Your code raised QuotaExceededError: ZooKeeper refused a write because "
                    f"your lab's namespace is full (its quota, below){where}")
        return f"Your code raised {self.type_name}: {self.message}{where}"


class LearnerNotImplemented(LearnerError, NotImplementedError):
    def learner_text(self) -> str:
        where = f"\n  where: {self.where}" if self.where else ""
        return f"Not done yet: {self.message or 'this part of the lab is still a stub'}{where}"


class LearnerTimeout(LearnerError):
    def learner_text(self) -> str:
        where = f"\n  where: {self.where}" if self.where else ""
        return self.message + where


class SandboxGone(LearnerError):
    def learner_text(self) -> str:
        return self.message


class SandboxError(RuntimeError):
    """The sandbox broke the protocol or could not start: the grader's problem to report."""


def learner_error(error: dict) -> LearnerError:
    type_name = str(error.get("type", "Exception"))
    cls = LearnerNotImplemented if type_name == "NotImplementedError" else LearnerError
    made = cls(type_name, str(error.get("message", "")), str(error.get("where", "")))
    made.trace = str(error.get("trace", ""))        # for the log file, never run
    return made


class Sandbox:
    """One process running the learner's code, under ``jail``."""

    def __init__(self, jail: Jail, labs: dict, label: str = "sandbox"):
        self.jail, self.label = jail, label
        self._lock = threading.Lock()
        # Sends and the connection's close take this lock; only the reader thread closes
        # (see _hang_up): so no send or read ever runs on a descriptor number that was
        # closed and given to the next sandbox's socket meanwhile.
        self._conn_lock = threading.Lock()
        self.ended_how = ""                        # what the reader saw last (for the log)
        self._replies: dict[int, dict] = {}
        self._waiting: dict[int, threading.Event] = {}
        self._next_id = 1
        self._events = threading.Condition()
        self.timeline: list[dict] = []           # every event, in the order it came
        self._listeners: dict[int, list] = collections.defaultdict(list)
        self._output = collections.deque()
        self._output_size = 0
        self.output_total = 0
        self.gone = None                          # why the process ended, once it has
        self.home = jail.home()
        ours, theirs = socket.socketpair()
        try:
            self.proc = jail.spawn(theirs.fileno(), self.home)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"{label}-reader")
        self._reader.start()
        self._drainer = threading.Thread(target=self._drain, daemon=True, name=f"{label}-output")
        self._drainer.start()
        try:
            # Not yet the learner's code: a start this slow is a starved machine (60 s,
            # where a quiet one takes 0.1 s), reported as the grader's problem.
            self.info = self.request("hello", timeout=60)
            self.request("load", labs=labs, timeout=60)
        except LearnerError as e:
            self.close()
            raise SandboxError(f"the sandbox did not start: {e}\n{self.output()}") from None

    # --- the wire ------------------------------------------------------------------

    def request(self, op: str, timeout: float | None = DEFAULT_TIMEOUT, what: str = "", **args):
        """Send a request; its decoded answer, or the learner's exception raised here."""
        if self.gone:
            raise SandboxGone("SandboxGone", self.gone)
        with self._lock:
            rid = self._next_id
            self._next_id += 1
            done = self._waiting[rid] = threading.Event()
        try:
            with self._conn_lock:
                wire.send(self.conn, {"id": rid, "op": op, "args": args})
        except (OSError, ValueError):
            self._ended()
            raise SandboxGone("SandboxGone", self.gone) from None
        if not done.wait(timeout):
            with self._lock:
                self._waiting.pop(rid, None)
            if self.gone:
                raise SandboxGone("SandboxGone", self.gone)
            # The process is stuck in the learner's code: ask it once, briefly, on which
            # line (a hint for the learner only, never trusted), then end it.
            where = self.where(rid) if op != "where" else ""
            self.kill(f"it was ended after {what or op} ran for {timeout:.0f} s")
            raise LearnerTimeout("Timeout", f"Your {what or op} did not return within "
                                 f"{timeout:.0f} s. Look for a wait without a timeout, or a "
                                 "callback that blocks kazoo's event thread.", where)
        reply = self._replies.pop(rid, None)
        if reply is None:               # woken by the process's end, not by an answer
            self._ended()
            raise SandboxGone("SandboxGone", self.gone or "the process running your code ended")
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            if error.get("kind") == "protocol":
                raise SandboxError(f"the sandbox refused {op}: {error.get('message')}")
            raise learner_error(error)
        return wire.decode(reply.get("ok"))

    def where(self, rid: int | None = None) -> str:
        """The notebook line(s) the learner's code is on now ('' if it cannot say).

        For the hint under a hang only: it is what the sandbox says, shown to the
        learner, never used to decide anything."""
        if self.gone:
            return ""
        try:
            lines = self.request("where", rid=rid, timeout=2)
        except (LearnerError, SandboxError):
            return ""
        if not isinstance(lines, list):
            return ""
        return "; ".join(str(line)[:300] for line in lines[:3])

    def _read(self) -> None:
        try:
            self._read_until_the_end()
        finally:
            # The reader alone closes the connection (see _hang_up), whatever ended it.
            with self._conn_lock:
                self.conn.close()
            self._ended()

    def _read_until_the_end(self) -> None:
        while True:
            try:
                message = wire.receive(self.conn)
            except (EOFError, OSError) as e:
                self.ended_how = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                return
            except Exception as e:      # not JSON, too long, too deep: it broke the protocol
                self.ended_how = f"{type(e).__name__}: {e}"
                self.kill(f"it sent something that is not a message ({type(e).__name__})")
                return
            if "event" in message and isinstance(message["event"], dict):
                self._file_event(message["event"])
                continue
            rid = message.get("id")
            with self._lock:
                done = self._waiting.pop(rid, None) if isinstance(rid, int) else None
            if done is not None:
                self._replies[rid] = message
                done.set()

    def _file_event(self, event: dict) -> None:
        # The learner's process writes these: only well-formed ones are filed, so every
        # reader of the timeline (states(), a cut-off check's message) may rely on them.
        if not isinstance(event.get("t"), (int, float)):
            return
        if event.get("kind") == "state" and not isinstance(event.get("state"), str):
            return
        with self._events:
            self.timeline.append(event)
            self._events.notify_all()
        if event.get("kind") == "state":
            for listener in list(self._listeners.get(event.get("client"), ())):
                try:
                    listener(event.get("state"))
                except Exception:
                    pass

    def _ended(self) -> None:
        if self.gone is None:
            code = self.proc.poll()
            if code is None:
                try:
                    code = self.proc.wait(timeout=10)
                except Exception:
                    code = None
            if code is not None and code < 0:
                name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
                self.gone = f"the process running your code was killed by {name}"
                if -code == signal.SIGXCPU:
                    self.gone += " (it used up its CPU time)"
            elif code is not None:
                self.gone = f"the process running your code ended (exit code {code})"
            else:
                self.gone = ("the process running your code stopped answering (it closed "
                             f"its connection but did not end: {self.ended_how or 'EOF'})")
            self.gone = (f"Your code ended the sandbox it ran in: {self.gone}. "
                         "Never call exit() or os._exit() in a lab.")
        with self._lock:
            waiting = list(self._waiting.values())
            self._waiting.clear()
        for done in waiting:
            done.set()
        with self._events:
            self._events.notify_all()

    def _drain(self) -> None:
        """Keep the tail of what the learner's code prints; never block it."""
        out = self.proc.stdout
        while True:
            chunk = out.read1(8192) if hasattr(out, "read1") else out.read(8192)
            if not chunk:
                return
            self.output_total += len(chunk)
            self._output.append(chunk)
            self._output_size += len(chunk)
            while self._output_size > OUTPUT_KEEP and len(self._output) > 1:
                self._output_size -= len(self._output.popleft())

    def output(self, since: int = 0, lines: int = 15) -> str:
        """The last ``lines`` lines the learner's code printed after byte ``since``."""
        data = b"".join(self._output)
        new = min(len(data), self.output_total - since)
        text = data[len(data) - new:].decode("utf-8", "replace") if new > 0 else ""
        tail = text.splitlines()[-lines:]
        return "\n".join(line[:300] for line in tail)

    # --- events ----------------------------------------------------------------------

    def events(self, kind: str | None = None, **match) -> list[dict]:
        with self._events:
            return [e for e in self.timeline if (kind is None or e.get("kind") == kind)
                    and all(e.get(k) == v for k, v in match.items())]

    # --- objects ---------------------------------------------------------------------

    def lab(self, module: str):
        """The lab module in this sandbox: ``lab.register(zk, path)`` calls it there."""
        return RemoteLab(self, module)

    def client(self, hosts: str, chroot: str = "", timeout: float = 2.0, auth=None, acl=None,
               reconnect=None, label: str = "", proxy=None):
        """A started kazoo client that lives in this sandbox (a ``RemoteClient``)."""
        info = self.request("client", hosts=hosts, chroot=chroot, session_timeout=timeout,
                            auth=auth, acl=acl, reconnect=reconnect, timeout=30,
                            what="starting a client")
        return RemoteClient(self, info, chroot, timeout, label, proxy)

    # --- life ------------------------------------------------------------------------

    def pause(self) -> None:
        """SIGSTOP the learner's process (and its group): a frozen leader."""
        signal_group(self.proc, signal.SIGSTOP, self.jail.uid)

    def resume(self) -> None:
        signal_group(self.proc, signal.SIGCONT, self.jail.uid)

    def _hang_up(self) -> None:
        """End the connection without freeing its descriptor: the reader thread wakes
        to an end of file and closes it itself. Closing it here could free the number
        while the reader is about to read it, and the next sandbox's socket, given the
        same number, would have its bytes read by this reader."""
        with self._conn_lock:
            if self.conn.closed:
                return
            try:
                dup = socket.socket(fileno=os.dup(self.conn.fileno()))
            except OSError:
                return
        try:
            dup.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        dup.close()

    def kill(self, why: str) -> None:
        if self.gone is None:
            self.gone = f"Your code was stopped: {why}."
        end_group(self.proc, self.jail.uid)
        self._hang_up()

    def close(self) -> None:
        """Ask it to exit; end its process group whatever it answers."""
        if self.gone is None and self.proc.poll() is None:
            try:
                self.request("exit", timeout=2)
            except (LearnerError, SandboxError):
                pass
        self.gone = self.gone or "closed"
        end_group(self.proc, self.jail.uid)
        self._hang_up()
        self._reader.join(timeout=5)

