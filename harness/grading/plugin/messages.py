"""What a learner reads when a check fails: the verdict in plain words, not a traceback.

A verdict (``CheckFailure``) is shown as it is; the learner's own exception as
the sandbox reported it, with its notebook cell and line; a hang with where the
code is stuck; an error of the grader's own is said to be one ("not a verdict
on your code"). Thread stacks and the grader's tracebacks go to the run's log
file, named in one line. A lab whose earlier lab is wrong says so.
"""
from __future__ import annotations

import os
import re
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from harness import manifest, notebooks, settings
from harness.grading.plugin.options import lab_of
from harness.grading.plugin.state import STARTED, run_state, sandbox_output
from harness.sandbox.host import LearnerError, SandboxError
from harness.world.verdicts import CheckFailure


def plain_message(excinfo) -> str:
    """A verdict, or the learner's error as the sandbox reported it (with its cell and
    line). No notebook frame is ever in the grader's own traceback: the learner's code
    runs in the sandbox, and a hang's "where" is asked of it (``hang_where``)."""
    exc = excinfo.value
    if isinstance(exc, CheckFailure):
        return str(exc)
    if isinstance(exc, LearnerError):
        return exc.learner_text()
    if isinstance(exc, NotImplementedError):
        return f"Not done yet: {exc or 'this part of the lab is still a stub'}"
    if isinstance(exc, pytest.fail.Exception):
        msg = str(exc)
        if msg.startswith("Timeout"):
            return ("Your code did not finish in time (the check was cut off). Look for a wait "
                    "without a timeout, or a callback that blocks kazoo's event thread."
                    f"\n  ({msg.splitlines()[0]})")
        return msg
    if isinstance(exc, AssertionError):
        return str(exc).split("\nassert ")[0] or "a check did not hold"
    return check_broke(excinfo)


def check_broke(excinfo) -> str:
    """An exception of the grader's own: the learner's code runs in the sandbox, so
    whatever else is raised here is the check's (or the harness's) fault, said so."""
    exc = excinfo.value
    frames = [f for f in traceback.extract_tb(excinfo.tb)
              if "/checks/" in f.filename or "/harness/" in f.filename or "test_" in Path(f.filename).name]
    at = ""
    if frames:
        f = frames[-1]
        at = f" at {Path(f.filename).name}, line {f.lineno}"
    return (f"This check stopped on an error of its own ({type(exc).__name__}: {str(exc)[:300]}{at}). "
            "That is a fault in the grader, not a verdict on your code: this check gave no "
            "points either way. Tell your instructor; the rest of your grade stands.")


def hang_where(item) -> str:
    """Where the learner's code is stuck, asked of its sandbox (pytest-timeout cut the
    check), and how its clients' connections went meanwhile, if one ever broke."""
    sandbox, _ = sandbox_output(item)
    if sandbox is None:
        return ""
    where = sandbox.where()
    began = item.stash.get(STARTED, None)
    since = time.monotonic() - (time.time() - began) if began else 0.0   # the events' clock
    return ((f"\n  where your code is now: {where}" if where else "")
            + connections_during(sandbox.events("state"), since))


def connections_during(events: list[dict], since: float, most: int = 6) -> str:
    """'  your clients' connections meanwhile: client 3: SUSPENDED at 2.1 s, ...' from the
    sandbox's state events since ``since`` (its monotonic clock); '' if none broke. A
    client that cannot reach the servers fails every call with ConnectionLoss: a loop
    that retries then never ends, and the learner should see why."""
    by_client: dict = {}
    for e in events:
        if e["t"] >= since:
            by_client.setdefault(e.get("client"), []).append(e)
    broke = {c: es for c, es in by_client.items() if any(e["state"] != "CONNECTED" for e in es)}
    if not broke:
        return ""
    told = "; ".join(f"client {c}: " + ", ".join(f"{e['state']} at {e['t'] - since:.1f} s"
                                                 for e in es[:most])
                     + (f" (and {len(es) - most} more)" if len(es) > most else "")
                     for c, es in broke.items())
    return (f"\n  your clients' connections meanwhile (from the check's start): {told}. "
            "While a client is not CONNECTED, every call on it fails (ConnectionLoss).")


def log_path(config) -> Path:
    """One log file per run for what a learner should not have to read (thread stacks,
    the grader's own tracebacks); messages point to it."""
    state = run_state(config)
    if state.log is None:
        folder = settings.current().state_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        state.log = folder / f"checks-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    return state.log


def log_trace(config, title: str, text: str) -> None:
    try:
        with open(log_path(config), "a") as f:
            f.write(f"===== {time.strftime('%H:%M:%S')} {title}\n{text}\n")
    except OSError:
        pass


def stacks_to_log(config) -> None:
    """pytest-timeout prints every thread's stack when it cuts a check: hundreds of lines
    of kazoo and harness internals. They go to the log file; the message says where."""
    try:
        import pytest_timeout
    except ImportError:
        return

    def dump_stacks(terminal):
        current = threading.current_thread().ident
        names = {t.ident: t.name for t in threading.enumerate()}
        text = "".join(f"--- thread {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                       for ident, frame in sys._current_frames().items() if ident != current)
        log_trace(config, "threads when a check was cut off", text)
        terminal.write(f"(thread stacks of the cut-off check: {log_path(config)})\n")
    pytest_timeout.dump_stacks = dump_stacks


# kazoo's own reconnect chatter ("Connection dropped", "Transition to CONNECTING"):
# the checks' faults cause it, the learner did not print it. Its ERROR lines stay (a
# callback of theirs that raised is one).
KAZOO_CHATTER = re.compile(r"^kazoo(\.\w+)* (WARNING|INFO|DEBUG): ")


def printed(sandbox, mark: int) -> str:
    """What the learner's code printed after ``mark``, trimmed, for the failure message."""
    text = sandbox.output(since=mark, lines=60) if sandbox is not None else ""
    text = "\n".join([line for line in text.splitlines()
                      if not KAZOO_CHATTER.match(line)][-12:])
    if not text.strip():
        return ""
    return "\n  your code printed (last lines):\n    " + text.replace("\n", "\n    ")


def printed_by(item) -> str:
    """What the learner's code printed during this check."""
    return printed(*sandbox_output(item))


def quota_note(item) -> str:
    """Lines naming the limits the check's code came to (its namespace's quota, the
    watches a submission may keep); else ''."""
    grading = getattr(item, "funcargs", {}).get("grading")
    path = getattr(item, "funcargs", {}).get("namespace")
    peak = grading.peaks.get(path) if grading is not None and path else None
    if peak is None:
        return ""
    peak.sample()
    refused = [v for v in grading.watch_limits.violations if v.at >= peak.started]
    watches = ""
    if refused:
        watches = (f"\n  limits: the grader's proxy closed your connection {len(refused)} "
                   f"time(s): {refused[0].text()}. A submission may keep "
                   f"{grading.watch_limits.max_watches:,} watches; a correct recipe keeps one "
                   f"per candidate and sends requests of a few hundred bytes: look for a "
                   f"watch set in a loop, or data that grows.")
    return peak.note() + watches


def earlier_lab_note(item) -> str:
    """' note: ... lab 2's sort_candidates is wrong ...' when an earlier lab this one uses
    (labs.toml's ``needs``) fails one of its probes; else ''. A wrong lab 2 makes a correct
    lab 3 fail with messages about leaders; the probes, run once per lab after its first
    failure, name the real cause."""
    lab = manifest.by_key(lab_of(item))
    if lab is None or not lab.needs:
        return ""
    said = run_state(item.config).earlier_notes
    if lab.key not in said:
        said[lab.key] = ""
        sandbox, _ = sandbox_output(item)
        if sandbox is not None and not sandbox.gone:
            said[lab.key] = next(filter(None, (_probe_note(sandbox, manifest.by_key(key))
                                               for key in lab.needs)), "")
    return said[lab.key]


def _probe_note(sandbox, earlier) -> str:
    for probe in earlier.probes:
        args = list(probe.args)
        call = f"{probe.function}({', '.join(repr(a) for a in args)})"
        try:
            got = sandbox.request("call", module=earlier.module, name=probe.function, args=args,
                                  timeout=5, what=f"lab {earlier.number}'s {probe.function}")
        except LearnerError as e:
            got_text = f"raised {e.type_name}: {e.message}"[:200]
        except SandboxError:
            return ""
        else:
            if got == probe.expect:
                continue
            got_text = f"returned {got!r}"[:200]
        return (f"\n  note: this lab uses your lab {earlier.number}, and lab {earlier.number}'s "
                f"{probe.function} is wrong: {call} {got_text}, expected {probe.expect!r}. Fix "
                f"lab {earlier.number} first (pytest checks -k {earlier.key}), then check this "
                "lab again.")
    return ""


_WATCH_SET = r"\bwatch=(?!=)|DataWatch\(|ChildrenWatch\("     # a keyword argument, not `watch = ...`
# The line a message is about, where the learner's definition has one: (what the message
# says, the line to point at). Checked in order; the def line when no line matches.
POINTERS = [
    (r"re-arm", _WATCH_SET),
    (r"You watch the leader|Watch only the node just before", _WATCH_SET),
    (r"ephemeral", r"\.create\("),
    (r"SUSPENDED", r"\bstate\s*(==|!=|in\b|is\b)|KazooState\.(LOST|SUSPENDED)"),
    (r"as text|compare the numbers|sort", r"sorted\(|\.sort\(|\bmin\("),
]


def look_at(item, message: str) -> str:
    """'  look at: <notebook>, cell N, line M: def sort_candidates(children):' for a failing
    check whose message names a graded function of the lab (else the lab's candidate
    class), when the message has no cell and line of its own; '' if said before in this
    run (a repeated location is printed once)."""
    lab = manifest.by_key(lab_of(item))
    if lab is None or "where:" in message or "look at:" in message:
        return ""
    names = [n for n in lab.builds if re.search(rf"\b{re.escape(n)}\(", message)]
    names += [lab.candidate] if lab.candidate else []
    path = Path(item.config.getoption("submission")) / lab.notebook
    pointing = next((line for said, line in POINTERS if re.search(said, message)), None)
    for name in names:
        found = notebooks.definition_of(path, name, pointing)
        if found is None:
            continue
        cell, line, text = found
        where = f"{lab.notebook}, cell {cell}, line {line}: {text}"
        said = run_state(item.config).locations
        if where in said:
            return ""
        said.add(where)
        return f"\n  look at: {where}"
    return ""


def same_cause(item, message: str) -> str | None:
    """A one-line message for a failure whose message repeats an earlier failure of the
    same lab word for word (a NameError, a lab that cannot load): the learner reads the
    cause once, in the first row; None for a message not seen before."""
    lab = lab_of(item)
    if (not lab or message.startswith("Not done yet")
            or ("\n" not in message.strip() and len(message) <= 160)):
        return None                     # short, or a starter's stub: said each time
    seen = run_state(item.config).messages.setdefault(lab, {})
    first = seen.get(message)
    if first is None:
        seen[message] = item.name
        return None
    line = (message.strip().splitlines() or [""])[0]
    return f"The same cause as {first} (above): {line[:160]}"
