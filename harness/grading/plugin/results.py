"""From each check's outcome to its verdict, and from the verdicts to the score table.

Every failing check gets a status: *failed* (a verdict on the learner's code, with
its message), or *infra-error* (the ensemble broke, or the grader did: no
verdict either way, regraded). The table and the JSON are ``scoring``'s, the
same everywhere the workshop prints a score.
"""
from __future__ import annotations

import json
import random
import traceback
from pathlib import Path

import pytest

from harness.ensemble import EnsembleError
from harness.grading import scoring
from harness.grading.plugin.fixtures import ensemble_trouble
from harness.grading.plugin.messages import (
    check_broke,
    earlier_lab_note,
    quota_note,
    hang_where,
    log_trace,
    look_at,
    plain_message,
    printed_by,
    same_cause,
    stacks_to_log,
)
from harness.grading.plugin.options import keep_the_alarm_for_the_main_thread, lab_of
from harness.grading.plugin.state import RUN, STARTED, RunState, run_state
from harness.sandbox.host import LearnerError, SandboxError
from harness.sandbox.jail import JailError
from harness.world.verdicts import CheckFailure

INFRA_ERRORS = (EnsembleError, SandboxError, JailError)
# kazoo's errors of a connection the client gave up (ConnectionLoss's other name included)
LOAD_ERRORS = {"ConnectionLoss", "ConnectionLossException", "ConnectionClosedError",
               "SessionExpiredError", "OperationTimeoutError", "ConnectionDropped"}


def is_check_fault(exc) -> bool:
    """Neither a verdict (CheckFailure, pytest.fail) nor the learner's code (LearnerError)."""
    return not isinstance(exc, (CheckFailure, LearnerError, NotImplementedError,
                                pytest.fail.Exception, AssertionError, *INFRA_ERRORS))


def pytest_configure(config):
    keep_the_alarm_for_the_main_thread()
    stacks_to_log(config)
    submission = Path(config.getoption("submission"))
    if not submission.is_dir():
        raise pytest.UsageError(f"the submission folder {submission} does not exist "
                                "(give a folder of lab notebooks to --submission)")
    seed = config.getoption("seed")
    config.stash[RUN] = RunState(seed if seed is not None
                                 else random.SystemRandom().randrange(10**6))
    config.pluginmanager.register(ResultRecorder(config), "workshop-result-recorder")
    config.addinivalue_line("markers", "faults: the check breaks the ensemble or reads "
                            "server-wide counters; it runs alone and the ensemble is healed after")
    config.addinivalue_line("markers", "trials: randomized trials; run after the lab's "
                            "targeted checks, so that the first failing check is a targeted one")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # The item knows its file even outside the rootdir (an instructor's hidden
    # checks), where the report's own path may be empty.
    report.workshop_lab = lab_of(item)
    if call.excinfo is None or report.passed or report.skipped:
        return
    said_before = judge(item, call, report)
    if not said_before and item.config.getoption("tbstyle") == "auto" and lab_of(item):
        report.longrepr = report.workshop_message


def judge(item, call, report) -> bool:
    """Set the report's workshop status and message for a check that did not pass.

    True when the report already says all it should (an infrastructure error
    said once before: its long text is a pointer to the first)."""
    state = run_state(item.config)
    exc = call.excinfo.value
    broken = stalled = ""
    breaks_nothing = lab_of(item) and item.get_closest_marker("faults") is None
    if isinstance(exc, CheckFailure) and breaks_nothing:
        # A check that breaks nothing found the ensemble broken: what failed may have
        # gone with it. No verdict either way (and heal before the next check).
        broken = ensemble_trouble(item.config)
    if (not broken and breaks_nothing and isinstance(exc, LearnerError)
            and exc.type_name in LOAD_ERRORS):
        stalled = stalled_beneath(state, item.stash.get(STARTED, call.start))
    if stalled:
        # The learner's call failed of a lost connection, and a server (or the grader's
        # proxy) had left a request of the learner's client unanswered until kazoo gave
        # the connection up: the machine's load, which the learner's code cannot cause
        # through a check that breaks nothing (CI once lost a lab 4 check so). Any other
        # failure stands: under load a connection may drop and come back (kazoo keeps
        # the session and its watches) without being the cause of what failed.
        report.workshop_status = scoring.INFRA
        report.workshop_message = (f"Infrastructure: {stalled} during this check, which "
                                   f"breaks nothing itself; no verdict. What the check "
                                   f"saw: {plain_message(call.excinfo)}")
    elif broken:
        report.workshop_status = scoring.INFRA
        report.workshop_message = (f"Infrastructure: the ensemble broke during this check "
                                   f"({broken}), which breaks nothing itself; no verdict. "
                                   f"What the check saw: {exc}")
        state.heal_first = True
    elif isinstance(exc, INFRA_ERRORS):
        state.heal_first = True
        report.workshop_status = scoring.INFRA
        report.workshop_message = f"Infrastructure: {exc}"
        if state.infra_said:                                    # say it once
            report.longrepr = "Infrastructure: the ensemble is not available (see the first error)."
            return True
        state.infra_said = True
    elif is_check_fault(exc) and lab_of(item):
        state.heal_first = True
        report.workshop_status = scoring.INFRA
        report.workshop_message = check_broke(call.excinfo)
        log_trace(item.config, item.nodeid, "".join(
            traceback.format_exception(type(exc), exc, call.excinfo.tb)))
    else:
        verdict(item, call, report, state)
    return False


def verdict(item, call, report, state) -> None:
    """A failure of the learner's code: its message, where to look, what it printed."""
    exc = call.excinfo.value
    report.workshop_status = scoring.FAILED
    timed_out = isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout")
    said = plain_message(call.excinfo)
    again = None if timed_out else same_cause(item, said)
    if again is not None:           # said in full in the lab's first such row
        report.workshop_message = again
        return
    report.workshop_message = said + look_at(item, said) + quota_note(item)
    if timed_out:
        report.workshop_message += hang_where(item)
    else:
        report.workshop_message += earlier_lab_note(item)
    report.workshop_message += printed_by(item)
    if timed_out and lab_of(item):
        state.hung_labs.add(lab_of(item))


def stalled_beneath(state: RunState, since: float) -> str:
    """What the grader's gateway proxies saw of a stall since ``since`` (time.time()), in
    words; '' if none (ensemble/proxy.py, STALL_SECONDS)."""
    if state.grading is None:
        return ""
    stalls = state.grading.watch_limits.stalls_since(since)
    if not stalls:
        return ""
    _, server, seconds = max(stalls, key=lambda s: s[2])
    more = f" ({len(stalls)} connections so)" if len(stalls) > 1 else ""
    return (f"the server at {server} left a request of the learner's client unanswered for "
            f"{seconds:.1f} s, and kazoo gave the connection up{more}: the machine was too "
            "loaded")


class ResultRecorder:
    """Keeps every check's outcome for the score table (one per pytest session)."""

    def __init__(self, config):
        self.config = config

    def pytest_runtest_logreport(self, report):
        took = run_state(self.config).seconds
        took[report.nodeid] = took.get(report.nodeid, 0.0) + report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            _record(self.config, report)
        elif report.when == "teardown":
            if report.failed:
                _record(self.config, report)
            else:
                _add_teardown_time(self.config, report)


def _add_teardown_time(config, report):
    state = run_state(config)
    done = next((r for r in state.results if r.nodeid == report.nodeid), None)
    if done is not None:
        done.seconds = round(state.seconds.get(report.nodeid, 0.0), 2)


def _record(config, report):
    state = run_state(config)
    lab = getattr(report, "workshop_lab", "")
    name = report.nodeid.split("::", 1)[-1]
    previous = next((r for r in state.results if r.nodeid == report.nodeid), None)
    if report.passed:
        status, message = scoring.PASSED, ""
    else:
        status = getattr(report, "workshop_status", scoring.FAILED)
        message = getattr(report, "workshop_message", None) or str(report.longrepr)[-2000:]
    seconds = round(state.seconds.get(report.nodeid, 0.0), 2)
    if previous is not None:          # a teardown error after a pass still fails the check
        previous.seconds = seconds
        if status != scoring.PASSED and previous.status == scoring.PASSED:
            previous.status, previous.message = status, message
        return
    state.results.append(scoring.CheckResult(lab, name, report.nodeid, status, message,
                                             seconds=seconds))
    write_json(config)     # after every check: a run cut off by its time limit keeps what it did


def write_json(config) -> scoring.Report:
    state = run_state(config)
    report = scoring.score(state.results)
    out = config.getoption("results_json")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(out).with_suffix(".tmp")
        data = report.to_json(submission=str(Path(config.getoption("submission")).resolve()),
                              seed=state.seed)
        if state.grading is not None:
            data["load"] = state.grading.load_report()
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(out)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = write_json(config)
    text = scoring.table(report)
    if text:
        terminalreporter.write_sep("=", "workshop score")
        terminalreporter.write_line(f"submission: {Path(config.getoption('submission')).resolve()}"
                                    f"   seed: {run_state(config).seed}")
        terminalreporter.write_line(text)
