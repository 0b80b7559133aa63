"""The recipe's own facts, in one place: names, numbers, order, and a quiet election.

Everything here is what ZooKeeper and the recipe define, not what a check
decides, so every side uses it alike: the live view, the checks' oracles, the
sandbox (lab 4's saboteur, ``quiesce`` on the learner's clients) and the
benchmark. It imports nothing of the harness.

- A candidate's node is ``<election>/<guid>-n_<number>``: ``MARKER`` then the
  number ZooKeeper appends, ``%010d`` of a signed 32-bit counter kept by the
  parent.
- Creation order is serial-number arithmetic on that counter (RFC 1982,
  SERIAL_BITS = 32): ``a`` was made before ``b`` when ``(b - a) mod 2**32`` lies
  in ``1 .. 2**31 - 1``. Plain signed order is wrong past the wrap, where the
  newest node is ``-2147483648``.
"""
from __future__ import annotations

import threading
import time

MARKER = "-n_"                 # between a candidate's guid and its sequence number
ELECTION = "/election"         # the election folder the checks use, in their namespace
SESSION_TIMEOUT = 2.0          # s: the checks' sessions (10 ticks of 200 ms)

SERIAL = 2 ** 32               # the counter's ring
HALF = 2 ** 31                 # RFC 1982: a precedes b within half the ring
INT_MIN, INT_MAX = -2 ** 31, 2 ** 31 - 1


def sequence_of(name) -> int | None:
    """The signed number after the last ``-n_`` of a node's name or path; None if there is
    none (``"5b0c-n_0000000042"`` -> 42, ``"x-n_-2147483648"`` -> -2147483648).

    The grader's own reading, lenient on purpose (``int`` accepts what ZooKeeper never
    writes): what counts as a sequence number is lab 2's question, not this one's."""
    _, sep, tail = str(name).rpartition(MARKER)
    if not sep:
        return None
    try:
        return int(tail)
    except ValueError:
        return None


def guid_of(name: str) -> str:
    """The part of a node's name before its last ``-n_`` (the candidate's guid)."""
    return str(name).rsplit("/", 1)[-1].rpartition(MARKER)[0]


def precedes(a: int, b: int) -> bool:
    """Was the node numbered ``a`` created before the one numbered ``b`` (RFC 1982)?"""
    return 0 < (b - a) % SERIAL < HALF


def serial_distance(a: int, b: int) -> int:
    """How many numbers after ``a`` the counter reached ``b`` (mod 2**32)."""
    return (b - a) % SERIAL


def creation_order(names) -> list[str]:
    """Names in the order they were created; names without a number last.

    The order starts after the widest gap in the ring of live numbers: for any live
    set spanning fewer than 2**31 numbers (every real election) that is the oldest
    node, and it agrees with ``precedes`` on every pair."""
    numbers = sorted({n % SERIAL for n in map(sequence_of, names) if n is not None})
    start = 0
    if numbers:
        gaps = [((numbers[(i + 1) % len(numbers)] - numbers[i]) % SERIAL or SERIAL, i)
                for i in range(len(numbers))]
        start = numbers[(max(gaps)[1] + 1) % len(numbers)]

    def key(name):
        seq = sequence_of(name)
        return (seq is None, (seq - start) % SERIAL if seq is not None else 0, name)
    return sorted(names, key=key)


class NotQuiet(RuntimeError):
    """The clients did not become quiet in time; the message says why, for a learner."""


class SyncLost(NotQuiet):
    """A client's sync failed: its connection was lost (or it was never answered)."""


def quiesce(clients, rounds: int = 2, timeout: float = 5.0, strict: bool = True) -> None:
    """Return once these kazoo clients have handled everything ZooKeeper told them.

    Per client, a ``sync`` round trip: its server answers only after applying every
    change committed before it, and the notifications those changes owed the session
    travel ahead of the answer on the same connection. Then a marker through each of
    kazoo's two worker queues (watch callbacks, async completions): it runs only once
    every callback queued before it has returned. Two rounds, because what one
    candidate's callback did (a delete, a create) can wake another. Clients that are
    not connected are skipped; shared clients are done once.

    ``strict``: raise ``NotQuiet`` when a step takes longer than ``timeout``; else give
    up quietly once ``timeout`` has passed in all (the live view: best effort).
    """
    from kazoo.protocol.states import Callback
    deadline = time.monotonic() + timeout
    live = {}
    for client in clients:
        if client.connected:
            live.setdefault(id(client.handler), client)

    def left() -> float:
        return timeout if strict else max(0.0, deadline - time.monotonic())

    for _ in range(rounds):
        pending = []
        for client in live.values():
            try:
                pending.append(client.sync_async("/"))
            except Exception as e:
                if strict:
                    raise _sync_failed(e, timeout) from None
        for reply in pending:
            try:
                reply.get(timeout=left())
            except Exception as e:
                if strict:
                    raise _sync_failed(e, timeout) from None
        marks = []
        for client in live.values():
            done = [threading.Event(), threading.Event()]
            try:
                client.handler.dispatch_callback(Callback("watch", done[0].set, ()))
                client.handler.completion_queue.put(done[1].set)
            except Exception:
                if strict:
                    raise
                continue
            marks += done
        if not all(m.wait(left()) for m in marks) and strict:
            raise NotQuiet(
                f"A watch callback (or async completion) of a candidate had not returned "
                f"{timeout:.0f} s after ZooKeeper's last notification: kazoo runs them one "
                "at a time, so a callback that blocks stops every later one. Keep callbacks "
                "short and never wait inside one for another callback.")


def _sync_failed(e: BaseException, timeout: float) -> NotQuiet:
    return SyncLost(
        f"A candidate's client could not sync with ZooKeeper within {timeout:.0f} s "
        f"({type(e).__name__}): its connection is down, or one of your callbacks "
        "blocks kazoo's worker threads (never wait inside a callback).")


def close_quietly(client, timeout: float = 5.0) -> None:
    """Close a kazoo client, but never wait on it for long.

    Learner code that blocks kazoo's event thread (a listener that waits on a
    ZooKeeper call) would make ``stop()`` wait forever; by then a check has already
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
