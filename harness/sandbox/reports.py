"""What the learner's process says about itself: its exceptions in one line, and the
callbacks kazoo drops, told to the grader.

Whatever the learner's code prints is shown under a failing check, so no thread's
or logger's traceback reaches it whole: one line each, with the notebook line if
there is one. An exception kazoo catches on a client's worker thread is also
reported as an event (``callback_error``) naming that client.
"""
from __future__ import annotations

import logging
import sys
import threading

from harness.sandbox.cells import learner_where


def text_of(e: BaseException) -> str:
    try:
        return str(e)
    except Exception:
        return f"<{type(e).__name__} whose str() raised>"


class OneLineFormatter:
    """kazoo logs a closed connection's exceptions with their traceback (30 lines each,
    dozens per check once the check closes its clients): one line each instead,
    with the notebook line when the learner's code is in it."""

    def __init__(self):
        self._base = logging.Formatter("%(name)s %(levelname)s: %(message)s")

    def format(self, record) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            where = learner_where(record.exc_info[2])
            text += f" ({type(exc).__name__}: {text_of(exc)[:200]}{', at ' + where if where else ''})"
        return f"{record.name} {record.levelname}: {text}"


class CallbackErrors:
    """A callback that raised on a kazoo client's worker thread, told to the grader.

    kazoo logs such an exception and drops it: the candidate never learns, and a
    resigned candidate whose stale watch fires and raises leaves no other trace.
    So each one is also an event naming the client whose thread ran it (the
    threads of ``client.handler._workers``). What the sandbox reports is the
    learner's process's word: evidence against a submission, never for it.
    """

    def __init__(self, server):
        self.server, self.level = server, logging.ERROR

    def handle(self, record) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or record.levelno < self.level:
            return False
        client = self.server.client_of_thread(record.thread)
        if client is not None:
            self.server.emit(kind="callback_error", client=client, error=type(exc).__name__,
                             message=text_of(exc)[:200], where=learner_where(record.exc_info[2]))
        return True


def quiet_tracebacks() -> None:
    """What the learner's process prints is shown under a failing check: no tracebacks of
    threads or loggers there, one line each, with the notebook line if there is one."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])

    def one_line(args):
        if args.exc_type is SystemExit:
            return
        where = learner_where(args.exc_traceback)
        name = args.thread.name if args.thread is not None else "?"
        print(f"exception in thread {name}: {args.exc_type.__name__}: "
              f"{text_of(args.exc_value)[:200]}{' (at ' + where + ')' if where else ''}",
              file=sys.stderr, flush=True)
    threading.excepthook = one_line
