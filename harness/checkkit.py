"""Small tools the checks are written with.

A check failure is a ``CheckFailure`` whose message a learner can act on:
what was expected, what happened, where to look. Waits are for a condition
with a deadline (``wait_until``), never a bare sleep.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from kazoo.client import KazooClient

# kazoo's default reconnect back-off doubles up to an hour: after a long outage the
# next try could come long after the heal, and a check or figure would time kazoo's
# back-off instead of the code under test. Never give up, never doze past 0.5 s.
RECONNECT = {"max_tries": -1, "delay": 0.05, "max_delay": 0.5}


class CheckFailure(AssertionError):
    """A check did not hold; the message is written for the learner."""


def expect(condition, message: str) -> None:
    if not condition:
        raise CheckFailure(message)


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.01):
    """Return the predicate's first truthy value, or None once ``timeout`` passes.

    Polls every ``interval`` at first, then more slowly (a twentieth of the time
    waited so far, at most 0.1 s): what comes at once is seen at once, and wrong
    code that never gets there costs a few dozen reads of the sandbox, not five
    hundred (a class graded five at a time is short of CPU, not of waiting).
    """
    start = time.monotonic()
    deadline = start + timeout
    while True:
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now >= deadline:
            return None
        time.sleep(min(max(interval, (now - start) / 20), 0.1, deadline - now))


def holds_for(predicate: Callable[[], object], duration: float, interval: float = 0.01) -> bool:
    """True if the predicate stays truthy for the whole ``duration``."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(interval)
    return bool(predicate())


class Recorder:
    """Counts calls of a callback from kazoo's event thread, and wakes waiters."""

    def __init__(self):
        self.calls: list[float] = []
        self._cond = threading.Condition()

    def __call__(self, *args, **kwargs):
        with self._cond:
            self.calls.append(time.monotonic())
            self._cond.notify_all()

    @property
    def count(self) -> int:
        return len(self.calls)

    def wait_for(self, n: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.calls) >= n, timeout=timeout)


class CommittedReads(KazooClient):
    """A grader's client whose reads see every write committed before them.

    ZooKeeper promises a client its own writes in order, not another session's
    at once: a follower may answer a read before it has applied a write the
    leader already committed for someone else. Seen here: after a resign() had
    returned (its delete acknowledged), the grader's client, on a follower that
    had just restarted, still read the candidate's node. ``sync`` first makes
    that client's server catch up with the leader (one round trip).
    """

    def exists(self, path, watch=None):
        self.sync("/")
        return super().exists(path, watch=watch)

    def get(self, path, watch=None):
        self.sync("/")
        return super().get(path, watch=watch)

    def get_children(self, path, watch=None, include_data=False):
        self.sync("/")
        return super().get_children(path, watch=watch, include_data=include_data)


def session_id(client: KazooClient) -> int | None:
    cid = client.client_id
    return cid[0] if cid else None


def short(value, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def close_quietly(client, timeout: float = 5.0) -> None:
    """Close a client, but never wait on it for long.

    Learner code that blocks kazoo's event thread (a listener that waits on a
    ZooKeeper call) would make ``stop()`` wait forever; the check has already
    failed by its time limit, so the client is abandoned to its daemon threads.
    """
    def close():
        try:
            client.stop()
            client.close()
        except Exception:
            pass
    closer = threading.Thread(target=close, daemon=True, name="close-client")
    closer.start()
    closer.join(timeout)
