"""Experiments that run again: a notebook cell's run first ends what its last run made.

    with workshop.experiment("herd", keep=True, clean="/election") as herd_run:
        herd_clients = [herd_run.client() for _ in range(20)]
        herd = [herd_run.add(HerdCandidate(c, "/election")) for c in herd_clients]
        ...
    herd_run.end()      # a later cell; or never: the cell's next run does it first

Why: a learner runs an experiment, it fails (their class is wrong), they fix the class
and run the cell again in the same kernel. Without this, the old candidates still stand
in the election (the new ones line up behind them and none of them leads) and a failed
cell leaves its twenty sessions running until the kernel restarts.

- Entering the block ends the last run of the same name in this kernel, then deletes the
  ``clean`` paths (with everything under them), so the run starts from nothing.
- Leaving it by an exception (an interrupt too) ends the run: a failed cell leaves
  nothing behind. Leaving it normally ends it as well, unless ``keep``: then what it made
  outlives the cell, for the cells after it, until ``end()`` or the cell's next run.
- Ending never depends on the learner's code working. Each candidate's ``resign()`` gets
  one try, bounded by ``END_WAIT`` (the last to join first, so nobody is elected on the
  way out); what it raises is said in one line. Then every client is drained and
  stopped, which is what really ends a candidate: the servers delete its session's
  ephemeral nodes and watches, whatever its code did. Then the ``clean`` paths go.
"""
from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Callable

from kazoo.client import KazooClient

from harness.recipe import quiesce

END_WAIT = 5.0      # s: how long ending waits for the candidates' resign() and callbacks

_LAST: dict[str, Experiment] = {}     # the last run of each named experiment, this process


class Experiment:
    """One run of a named experiment: what it made, and how to end it (see the module)."""

    def __init__(self, name: str, make_client: Callable[..., KazooClient],
                 keep: bool = False, clean: str | tuple | list = ()):
        self.name = name
        self.keep = keep
        self.clean = (clean,) if isinstance(clean, str) else tuple(clean)
        self._make_client = make_client
        self._made: list[tuple[str, object]] = []     # (kind, thing), in the order made
        self.ended = False

    def client(self, **kwargs) -> KazooClient:
        """A new started client (``workshop.client(**kwargs)``), stopped when the run ends."""
        return self.add(self._make_client(**kwargs))

    def add(self, thing):
        """Make ``thing`` part of this run and return it: a candidate (it resigns when the
        run ends), a kazoo client (drained, stopped), or anything with ``close()`` (a
        LiveView, a FaultProxy) or ``stop()`` (lab 6's leader process)."""
        self._made.append((_kind(thing), thing))
        return thing

    def open_clients(self) -> list[KazooClient]:
        """The clients this run made that are not stopped."""
        return [t for kind, t in self._made if kind == "client" and not t._stopped.is_set()]

    def __enter__(self) -> Experiment:
        last = _LAST.get(self.name)
        if last is not None:
            last.end()
        _LAST[self.name] = self
        self._delete_clean()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None or not self.keep:
            self.end()
        return False

    def end(self) -> None:
        """Resign the candidates, close and stop what the run made, delete the ``clean``
        paths. A second call does nothing; nothing it meets is raised (said in one line)."""
        if self.ended:
            return
        self.ended = True
        candidates = [(type(t).__name__, t) for kind, t in reversed(self._made)
                      if kind == "candidate" and not _session_over(t)]
        clients = [t for kind, t in self._made if kind == "client"]
        with swallow_callback_errors(clients) as swallowed:
            try:
                resign_all(candidates, END_WAIT, swallowed)
                quiesce(clients, timeout=END_WAIT, strict=False)
            finally:
                for kind, thing in reversed(self._made):
                    if kind != "candidate":
                        _close(kind, thing, swallowed)
        self._delete_clean(swallowed)
        if swallowed:
            print(f"Experiment {self.name!r} ended. Ignored on the way: {summary(swallowed)}.")

    def _delete_clean(self, swallowed: list | None = None) -> None:
        """Delete the ``clean`` paths with a client of its own (the learner's may be broken);
        at the start a failure is raised, at the end it is said."""
        if not self.clean:
            return
        janitor = self._make_client()
        try:
            for path in self.clean:
                janitor.delete(path, recursive=True)      # nothing there: nothing to do
        except Exception as e:
            if swallowed is None:
                raise
            swallowed.append(f"deleting {', '.join(self.clean)} raised {type(e).__name__}")
        finally:
            janitor.stop()
            janitor.close()

    def __repr__(self) -> str:
        state = "ended" if self.ended else f"{len(self.open_clients())} open client(s)"
        return f"<experiment {self.name!r}: {len(self._made)} thing(s), {state}>"


def open_clients() -> dict[str, int]:
    """{experiment: how many clients its last run made and did not stop yet}, for the runs
    of this process that have any (what the tests count)."""
    counts = {name: len(run.open_clients()) for name, run in _LAST.items()}
    return {name: n for name, n in counts.items() if n}


def _kind(thing) -> str:
    if isinstance(thing, KazooClient):
        return "client"
    if callable(getattr(thing, "resign", None)):
        return "candidate"
    if callable(getattr(thing, "close", None)):
        return "closeable"
    if callable(getattr(thing, "stop", None)):
        return "stoppable"
    raise TypeError(f"an experiment cannot end a {type(thing).__name__}: give it a client, "
                    "a candidate (with resign()), or something with close() or stop()")


def _session_over(candidate) -> bool:
    """A candidate whose client the experiment stopped ("the leader's process goes away")
    has nothing left to resign: its node went with its session. Asking would only raise."""
    zk = getattr(candidate, "zk", None)
    return isinstance(zk, KazooClient) and zk._stopped.is_set()


def _close(kind: str, thing, swallowed: list) -> None:
    try:
        if kind == "client":
            thing.stop()
            thing.close()
        elif kind == "closeable":
            thing.close()
        else:
            thing.stop()
    except Exception as e:
        swallowed.append(f"closing a {type(thing).__name__} raised {type(e).__name__}")


# --- ending candidates whose code may be wrong (the live view's close() uses these too) ----

def resign_all(candidates: list, timeout: float, swallowed: list) -> None:
    """``resign()`` each of [(label, candidate)], in order, in one helper thread bounded by
    ``timeout`` (a resign() that hangs is left behind, said in ``swallowed``)."""
    def run():
        for label, candidate in candidates:
            try:
                candidate.resign()
            except Exception as exc:     # the learner's resign(): reported in one line
                swallowed.append(f"{label}.resign() raised {type(exc).__name__}")
    if not candidates:
        return
    t = threading.Thread(target=run, name="resign-all", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        swallowed.append(f"a resign() had not returned after {timeout:.0f} s")


@contextlib.contextmanager
def swallow_callback_errors(clients):
    """While candidates stop: kazoo's "Exception in worker queue thread" records from these
    clients' worker threads are collected (one short line each) instead of printed."""
    threads = {w.ident for c in clients for w in getattr(c.handler, "_workers", ())}
    swallowed: list = []

    def keep(record):
        if record.thread in threads and record.exc_info:
            exc = record.exc_info[1]
            swallowed.append(f"a watch callback raised {type(exc).__name__}")
            return False
        return True
    logger = logging.getLogger("kazoo.handlers.threading")
    logger.addFilter(keep)
    try:
        yield swallowed
    finally:
        logger.removeFilter(keep)


def summary(swallowed: list) -> str:
    """What was ignored, in one line: the three most frequent, counted."""
    seen = collections.Counter(swallowed)
    parts = [what + (f" ({n} times)" if n > 1 else "") for what, n in seen.most_common(3)]
    more = f", and {len(seen) - 3} more" if len(seen) > 3 else ""
    return "; ".join(parts) + more
