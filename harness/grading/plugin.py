"""The pytest plugin behind ``pytest checks``: fixtures, short messages, scores.

Loaded by the repository's root ``conftest.py``. Options:

    --submission DIR    the folder of lab notebooks to grade (default: labs/)
    --seed N            seed of every randomized input (default: random, printed)
    --results-json F    write per-check and per-lab results as JSON
    --namespace PATH    znode under which each check gets its own chroot

A check belongs to the lab its file is named after: ``test_lab3_*.py`` grades
``lab3`` (so an instructor's hidden ``test_lab3_extra.py`` counts there too).
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

import pytest

from .. import faultlock, manifest
from ..checkkit import CheckFailure, close_quietly
from ..ensemble import SERVING_MODES, Ensemble, EnsembleError
from ..launcher import LauncherError
from ..sandbox.host import LearnerError, SandboxError
from ..sandbox.jail import JailError
from ..world import Grading, World
from . import scoring

REPO = manifest.REPO
SESSION_TIMEOUT = 2.0           # seconds; 10 ticks of the ensemble
INFRA_ERRORS = (EnsembleError, LauncherError, SandboxError, JailError)
_LAB_FILE = re.compile(r"test_(lab\d+)_")


def pytest_addoption(parser):
    group = parser.getgroup("workshop grading")
    group.addoption("--submission", default=str(REPO / "labs"),
                    help="folder of lab notebooks to grade (default: labs/)")
    group.addoption("--seed", type=int, default=None, help="seed of randomized inputs")
    group.addoption("--results-json", default=None, help="write results as JSON here")
    group.addoption("--namespace", default=os.environ.get("ZK_WORKSHOP_NAMESPACE", "/checks"),
                    help="znode under which each check gets its own chroot")
    group.addoption("--cells", default=None,
                    help="JSON {module: [[cell number, source], ...]}: grade these solution "
                         "cells instead of the saved notebook's (the notebook's check())")


def keep_the_alarm_for_the_main_thread() -> None:
    """Make every thread started from now on block SIGALRM.

    pytest-timeout (signal method) cuts a hanging check with SIGALRM, handled in
    the main thread. Linux hands a process signal to any thread that does not
    block it: when it lands on one of kazoo's threads, a main thread waiting
    forever on a ZooKeeper reply (learner code that blocked kazoo's connection
    thread) is never woken, and the whole run hangs instead of failing one check.
    """
    # A process started from such a thread inherits the blocked signal (a batch
    # grader's worker starts each submission's pytest): unblock it in our main thread.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    if getattr(threading.Thread._bootstrap_inner, "_blocks_sigalrm", False):
        return
    original = threading.Thread._bootstrap_inner

    def bootstrap_inner(self):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        original(self)
    bootstrap_inner._blocks_sigalrm = True
    threading.Thread._bootstrap_inner = bootstrap_inner


def pytest_configure(config):
    keep_the_alarm_for_the_main_thread()
    stacks_to_log(config)
    submission = Path(config.getoption("submission"))
    if not submission.is_dir():
        raise pytest.UsageError(f"the submission folder {submission} does not exist "
                                "(give a folder of lab notebooks to --submission)")
    seed = config.getoption("seed")
    config._workshop_seed = seed if seed is not None else random.SystemRandom().randrange(10**6)
    config._workshop_results = []
    config._workshop_seconds = {}      # nodeid -> seconds spent in set-up, run and tear-down
    config._workshop_load_errors = {}
    config._workshop_hung_labs = set()
    config.pluginmanager.register(ResultRecorder(config), "workshop-result-recorder")
    config.addinivalue_line("markers", "faults: the check breaks the ensemble or reads "
                            "server-wide counters; it runs alone and the ensemble is healed after")
    config.addinivalue_line("markers", "trials: randomized trials; run after the lab's "
                            "targeted checks, so that the first failing check is a targeted one")


def pytest_collection_modifyitems(session, config, items):
    """Within each lab, targeted checks first and randomized trials (marked ``trials``) last.

    A mistake usually fails both; the score table shows a lab's first failing
    check as its hint, and that should be the one-line message of a targeted
    check, not the timeline of a random storm.
    """
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(lab_of(item), i)
    position = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (first_seen[lab_of(item)],
                                 item.get_closest_marker("trials") is not None,
                                 position[id(item)]))
    if config.getoption("tbstyle") == "auto":
        for item in items:
            if lab_of(item):
                skip_pytest_traceback(item)


def skip_pytest_traceback(item) -> None:
    """Let pytest make no traceback of a lab check's failure.

    The learner is shown the check's own message instead (pytest_runtest_makereport
    puts it in place of the traceback), and pytest's traceback, which reads and parses
    the source of every frame, cost a starter notebook about 90 ms per failing check:
    half of its grading's time. --tb=long or short still gets pytest's own.
    """
    def placeholder(excinfo, *args, **kwargs):
        return f"{excinfo.typename}: {excinfo.value}"[:2000]
    item.repr_failure = placeholder
    item._repr_failure_py = placeholder


def pytest_report_header(config):
    sub = Path(config.getoption("submission")).resolve()
    return [f"submission: {sub}", f"seed: {config._workshop_seed} "
            f"(replay with --seed {config._workshop_seed})"]


def lab_of(item) -> str:
    m = _LAB_FILE.match(Path(str(item.fspath)).name)
    return m.group(1) if m else ""


# --- fixtures ------------------------------------------------------------------

@pytest.fixture(scope="session")
def ensemble(request):
    """The running ensemble; a local one is started if none answers."""
    ens = Ensemble()
    request.config._workshop_ensemble = ens       # for heal_if_broken
    if not ens.has_quorum():
        try:
            ens.backend.up()
        except (LauncherError, EnsembleError) as e:
            raise EnsembleError(f"the ZooKeeper ensemble is not running and could not be "
                                f"started: {e} Start it with `make up`.") from None
    ens.wait_for_quorum(timeout=30)
    if len(ens.serving()) < len(ens.servers):
        # A run cut off in the middle of a fault check may have left a server
        # down or paused: every run starts from three healthy servers.
        with faultlock.held(exclusive=True):
            ens.heal()
    return ens


def ensemble_trouble(config) -> str:
    """'' while every server of the run's ensemble serves (leads or follows); else what
    is wrong with it (its modes). Asked only after something went wrong: it costs one
    four-letter word per server."""
    ens = getattr(config, "_workshop_ensemble", None)
    if ens is None:
        return ""
    try:
        modes = ens.modes()
        if all(m in SERVING_MODES for m in modes.values()):
            return ""
        return ", ".join(f"zoo{i} {m}" for i, m in modes.items())
    except Exception as e:          # asking failed: that says enough
        return f"the servers could not be asked ({type(e).__name__})"


MAX_HEALS = 3      # per run: an ensemble that cannot be healed is not tried before every check


def heal_if_broken(config) -> None:
    """Before the next check, after one that met a broken ensemble: heal it.

    Only fault checks break the ensemble, and they heal it afterwards. When it breaks
    otherwise (a server's JVM died, someone ran `make down` or killed one by hand),
    every later check would wait out its time limits on it, an infrastructure error
    each: a class grading lost 8 minutes and 33 checks of one submission that way. One
    outside break now costs the check that met it, not the rest of the run.
    """
    ens = getattr(config, "_workshop_ensemble", None)
    tries = config.__dict__.setdefault("_workshop_heals", [0])
    if ens is None or tries[0] >= MAX_HEALS:
        return
    with faultlock.held(exclusive=True):
        why = ensemble_trouble(config)
        if not why:
            return
        tries[0] += 1
        try:
            ens.heal()
            log_trace(config, "healed the ensemble before the next check", f"it was: {why}")
        except Exception as e:
            log_trace(config, "the ensemble could not be healed", f"it was: {why}\n{e}")


@pytest.fixture(autouse=True)
def _ensemble_lock(request):
    """Fault checks run alone (exclusive); every other check shares the ensemble."""
    lab = lab_of(request.node)
    if lab in request.config._workshop_hung_labs:
        # Hanging code would cost a full time limit per check: one is enough.
        pytest.fail(f"Not run: an earlier {lab} check did not finish in time; fix that one first.",
                    pytrace=False)
    if request.node.get_closest_marker("runs_checks"):
        yield       # it runs checks itself, which take the lock (flock does not nest)
        return
    exclusive = request.node.get_closest_marker("faults") is not None
    if request.config.__dict__.pop("_workshop_heal_first", False):
        heal_if_broken(request.config)
    with faultlock.held(exclusive):
        yield


@pytest.fixture
def faults(ensemble, request):
    """The ensemble, for a check that breaks it; healed afterwards whatever happens."""
    if request.node.get_closest_marker("faults") is None:
        raise RuntimeError("a check using `faults` must be marked @pytest.mark.faults")
    ensemble.heal()
    yield ensemble
    ensemble.heal()


@pytest.fixture
def rng(request):
    """A random generator seeded from the run's seed and the check's name."""
    return random.Random(f"{request.config._workshop_seed}:{request.node.nodeid}")


@pytest.fixture(scope="session")
def grading(ensemble, request):
    """The run's sandboxes (the learner's code runs there) and its ZooKeeper credentials."""
    cells = request.config.getoption("cells")
    override = {}
    if cells:
        data = json.loads(Path(cells).read_text())
        override = {m: [tuple(c) for c in v] for m, v in data.items()}
    run = Grading(ensemble, Path(request.config.getoption("submission")), override)
    request.config._workshop_grading = run
    yield run
    run.close()


def ensure_guarded(admin, path: str, grading: Grading) -> None:
    """Create ``path``'s missing ancestors so that only the grader may delete under them.

    Everyone may read and create there (so a namespace of one run never blocks
    another run); only the grader's credential may delete, write or change ACLs.
    """
    from kazoo.exceptions import NodeExistsError
    from kazoo.security import ACL, Id, Permissions
    guarded = [ACL(Permissions.READ | Permissions.CREATE, Id("world", "anyone")),
               grading.grader.acl()]
    node = ""
    for part in path.strip("/").split("/"):
        node += "/" + part
        try:
            admin.create(node, b"", acl=guarded)
        except NodeExistsError:
            acls, stat = admin.get_acls(node)
            if any(a.id.scheme == "world" and a.perms & Permissions.DELETE for a in acls):
                try:
                    admin.set_acls(node, guarded, version=stat.aversion)
                except Exception:
                    pass        # someone else tightened it first


def make_namespace(ensemble, grading, request, acl):
    """A fresh znode for one check, with ``acl``; it and everything under it deleted after."""
    prefix = request.config.getoption("namespace").rstrip("/")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:60]
    path = f"{prefix}/{name}-{uuid.uuid4().hex[:8]}"
    admin = ensemble.client(timeout=SESSION_TIMEOUT, auth_data=[grading.grader.auth])
    admin.start(timeout=15)
    if prefix not in grading.guarded:        # once per run, not once per check
        ensure_guarded(admin, prefix, grading)
        grading.guarded.add(prefix)
    admin.create(path, b"", acl=acl)
    try:
        yield path
    finally:
        try:
            if admin.connected or wait_connected(admin, 10):
                admin.delete(path, recursive=True)
        except Exception:
            pass        # a leftover namespace is harmless: names are unique
        admin.stop()
        admin.close()


@pytest.fixture
def namespace_acl(grading):
    """The ACL of a check's namespace and of the grader's nodes in it: the grader's and
    this run's learner credential, nobody else's."""
    return grading.namespace_acl()


@pytest.fixture
def namespace(ensemble, grading, namespace_acl, request):
    """A fresh znode for this check only; it and everything under it is deleted after."""
    yield from make_namespace(ensemble, grading, request, namespace_acl)


def wait_connected(client, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not client.connected:
        time.sleep(0.05)
    return client.connected


@pytest.fixture
def clients(ensemble, namespace, namespace_acl, grading):
    """Factory of the GRADER's own started kazoo clients, chrooted to the namespace.

    ``clients()`` -> one client; ``clients(5)`` -> a list of five. These never
    reach the learner's code: for that, use ``world.client()``.
    """
    made = []

    def make(n=None, timeout=SESSION_TIMEOUT, **kwargs):
        out = []
        for _ in range(1 if n is None else n):
            c = ensemble.client(chroot=namespace, timeout=timeout,
                                auth_data=[grading.grader.auth],
                                default_acl=namespace_acl, **kwargs)
            made.append(c)
            c.start(timeout=15)
            out.append(c)
        return out[0] if n is None else out

    make.namespace = namespace
    yield make
    for c in made:
        close_quietly(c)


@pytest.fixture
def zk(clients):
    """A started kazoo client of the grader's, in this check's own namespace (a chroot)."""
    return clients()


def lab_module(request) -> str:
    key = lab_of(request.node)
    info = manifest.by_key(key)
    if info is None:
        raise RuntimeError(f"{request.node.fspath} is not named test_labN_*.py")
    return info.module


@pytest.fixture
def lab(request, grading):
    """The learner's module for the lab this check file grades, as it runs in the sandbox."""
    module = lab_module(request)
    error = grading.load(module)
    if error:
        pytest.fail(f"Your lab could not be loaded: {error}", pytrace=False)
    sandbox = grading.sandbox_for(module)
    request.node._workshop_output = (sandbox, sandbox.output_total)
    return sandbox.lab(module)


@pytest.fixture
def world(lab, grading, namespace, request):
    """The check's world (harness/world.py): sandbox clients, candidates, observers, faults."""
    w = World(grading, lab_module(request), namespace,
              seed=f"{request.config._workshop_seed}:{request.node.nodeid}")
    yield w
    w.close()
    if w.notes:
        log_trace(request.config, f"grader notes: {request.node.nodeid}", "\n".join(w.notes))


# --- messages a learner can read ----------------------------------------------

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


def is_check_fault(exc) -> bool:
    """Neither a verdict (CheckFailure, pytest.fail) nor the learner's code (LearnerError)."""
    return not isinstance(exc, (CheckFailure, LearnerError, NotImplementedError,
                                pytest.fail.Exception, AssertionError, *INFRA_ERRORS))


def hang_where(item) -> str:
    """Where the learner's code is stuck, asked of its sandbox (pytest-timeout cut the check)."""
    sandbox, _ = getattr(item, "_workshop_output", (None, 0))
    where = sandbox.where() if sandbox is not None else ""
    return f"\n  where your code is now: {where}" if where else ""


def log_path(config) -> Path:
    """One log file per run for what a learner should not have to read (thread stacks,
    the grader's own tracebacks); messages point to it."""
    path = getattr(config, "_workshop_log", None)
    if path is None:
        from ..launcher import state_dir
        folder = state_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        path = config._workshop_log = folder / f"checks-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    return path


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


def printed_by(item) -> str:
    """What the learner's code printed during this check, trimmed, for the failure message."""
    sandbox, mark = getattr(item, "_workshop_output", (None, 0))
    text = sandbox.output(since=mark, lines=60) if sandbox is not None else ""
    text = "\n".join([line for line in text.splitlines()
                      if not KAZOO_CHATTER.match(line)][-12:])
    if not text.strip():
        return ""
    return "\n  your code printed (last lines):\n    " + text.replace("\n", "\n    ")


# Labs 3-5 import the learner's own lab 2 (sequence_numbers). A wrong lab 2 makes a
# correct lab 3 fail with messages about leaders; these probes, run once per lab after
# its first failure, name the real cause. Plain cases only (no wrap, guids that sort
# against the numbers): what any correct lab 2 answers.
EARLIER = ["ff-n_0000000009", "aa-n_0000000010", "00-n_0000000100"]
LAB2_PROBES = [
    ("sort_candidates", [list(reversed(EARLIER))], EARLIER),
    ("predecessor", [EARLIER, EARLIER[2]], EARLIER[1]),
    ("predecessor", [EARLIER, EARLIER[0]], None),
]
USES_LAB2 = {"lab3", "lab4", "lab5"}


def earlier_lab_note(item) -> str:
    """' note: ... lab 2's sort_candidates is wrong ...' when this lab's lab 2 is; else ''."""
    lab = lab_of(item)
    if lab not in USES_LAB2:
        return ""
    said = item.config.__dict__.setdefault("_workshop_lab2_notes", {})
    if lab in said:
        return said[lab]
    said[lab] = ""
    sandbox, _ = getattr(item, "_workshop_output", (None, 0))
    if sandbox is None or sandbox.gone:
        return ""
    for name, args, want in LAB2_PROBES:
        call = f"{name}({', '.join(repr(a) for a in args)})"
        try:
            got = sandbox.request("call", module="sequence_numbers", name=name, args=args,
                                  timeout=5, what=f"lab 2's {name}")
        except LearnerError as e:
            got_text = f"raised {e.type_name}: {e.message}"[:200]
        except SandboxError:
            return ""
        else:
            if got == want:
                continue
            got_text = f"returned {got!r}"[:200]
        said[lab] = (f"\n  note: this lab uses your lab 2, and lab 2's {name} is wrong: {call} "
                     f"{got_text}, expected {want!r}. Fix lab 2 first (pytest checks -k lab2), "
                     "then check this lab again.")
        return said[lab]
    return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # The item knows its file even outside the rootdir (an instructor's hidden
    # checks), where the report's own path may be empty.
    report.workshop_lab = lab_of(item)
    if call.excinfo is None or report.passed or report.skipped:
        return
    exc = call.excinfo.value
    broken = ""
    if (isinstance(exc, CheckFailure) and lab_of(item)
            and item.get_closest_marker("faults") is None):
        # A check that breaks nothing found the ensemble broken: what failed may have
        # gone with it. No verdict either way (and heal before the next check).
        broken = ensemble_trouble(item.config)
    if broken:
        report.workshop_status = scoring.INFRA
        report.workshop_message = (f"Infrastructure: the ensemble broke during this check "
                                   f"({broken}), which breaks nothing itself; no verdict. "
                                   f"What the check saw: {exc}")
        item.config._workshop_heal_first = True
    elif isinstance(exc, INFRA_ERRORS):
        item.config._workshop_heal_first = True
        report.workshop_status = scoring.INFRA
        report.workshop_message = f"Infrastructure: {exc}"
        if getattr(item.config, "_workshop_infra_said", False):      # say it once
            report.longrepr = "Infrastructure: the ensemble is not available (see the first error)."
            return
        item.config._workshop_infra_said = True
    elif is_check_fault(exc) and lab_of(item):
        item.config._workshop_heal_first = True
        report.workshop_status = scoring.INFRA
        report.workshop_message = check_broke(call.excinfo)
        log_trace(item.config, item.nodeid, "".join(
            traceback.format_exception(type(exc), exc, call.excinfo.tb)))
    else:
        report.workshop_status = scoring.FAILED
        timed_out = isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout")
        report.workshop_message = plain_message(call.excinfo)
        if timed_out:
            report.workshop_message += hang_where(item)
        else:
            report.workshop_message += earlier_lab_note(item)
        report.workshop_message += printed_by(item)
        if timed_out and lab_of(item):
            item.config._workshop_hung_labs.add(lab_of(item))
    if item.config.getoption("tbstyle") == "auto" and lab_of(item):
        report.longrepr = report.workshop_message


class ResultRecorder:
    """Keeps every check's outcome for the score table (one per pytest session)."""

    def __init__(self, config):
        self.config = config

    def pytest_runtest_logreport(self, report):
        took = self.config._workshop_seconds
        took[report.nodeid] = took.get(report.nodeid, 0.0) + report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            _record(self.config, report)
        elif report.when == "teardown":
            if report.failed:
                _record(self.config, report)
            else:
                _add_teardown_time(self.config, report)


def _add_teardown_time(config, report):
    done = next((r for r in config._workshop_results if r.nodeid == report.nodeid), None)
    if done is not None:
        done.seconds = round(config._workshop_seconds.get(report.nodeid, 0.0), 2)


def _record(config, report):
    lab = getattr(report, "workshop_lab", "")
    name = report.nodeid.split("::", 1)[-1]
    results = config._workshop_results
    previous = next((r for r in results if r.nodeid == report.nodeid), None)
    if report.passed:
        status, message = scoring.PASSED, ""
    else:
        status = getattr(report, "workshop_status", scoring.FAILED)
        message = getattr(report, "workshop_message", None) or str(report.longrepr)[-2000:]
    seconds = round(config._workshop_seconds.get(report.nodeid, 0.0), 2)
    if previous is not None:          # a teardown error after a pass still fails the check
        previous.seconds = seconds
        if status != scoring.PASSED and previous.status == scoring.PASSED:
            previous.status, previous.message = status, message
        return
    results.append(scoring.CheckResult(lab, name, report.nodeid, status, message,
                                       seconds=seconds))
    write_json(config)     # after every check: a run cut off by its time limit keeps what it did


def write_json(config) -> scoring.Report:
    report = scoring.score(config._workshop_results)
    out = config.getoption("results_json")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(out).with_suffix(".tmp")
        tmp.write_text(json.dumps(report.to_json(
            submission=str(Path(config.getoption("submission")).resolve()),
            seed=config._workshop_seed), indent=2))
        tmp.replace(out)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = write_json(config)
    text = scoring.table(report)
    if text:
        terminalreporter.write_sep("=", "workshop score")
        terminalreporter.write_line(f"submission: {Path(config.getoption('submission')).resolve()}"
                                    f"   seed: {config._workshop_seed}")
        terminalreporter.write_line(text)
