"""One submission, graded as a platform's container grades it, and the Gradescope bundle.

    pytest checks --submission DIR --gradescope F --prairielearn F --github-output F
    python -m harness grade --one SUBMISSION [--gradescope F] [--prairielearn F] ...
    python -m harness bundle OUT.zip [--hidden DIR]

This module is also a pytest plugin (the root conftest.py loads it): the three
options above write each platform's file from the run's report. The formats
themselves are ``platforms``'.
"""
from __future__ import annotations

import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from harness import manifest
from harness.grading import scoring
from harness.grading.platforms import (
    is_hidden,
    report_from_json,
    summary,
    write_json,
    write_outputs,
)
from harness.grading.scoring import Report

REPO = manifest.REPO


# --- the pytest side: `pytest checks --gradescope F --prairielearn F --github-output F` ----

def pytest_addoption(parser):
    group = parser.getgroup("workshop grading")
    group.addoption("--gradescope", default=None, metavar="PATH",
                    help="also write Gradescope's results.json here")
    group.addoption("--prairielearn", default=None, metavar="PATH",
                    help="also write PrairieLearn's external-grading results.json here")
    group.addoption("--github-output", default=None, metavar="PATH",
                    help="append labN=<base64 result> lines here (GitHub Classroom's reporter; "
                         "pass \"$GITHUB_OUTPUT\")")


STARTED = pytest.StashKey[float]()


def pytest_configure(config):
    config.stash[STARTED] = time.monotonic()


def _results(config) -> list:
    from harness.grading.plugin.state import RUN
    state = config.stash.get(RUN, None)
    return state.results if state is not None else []


def _mark_hidden(config) -> None:
    for c in _results(config):
        c.hidden = is_hidden(c)


@pytest.hookimpl(tryfirst=True)      # hidden flags set before the results JSON is written
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _mark_hidden(config)
    wanted = [config.getoption(o) for o in ("gradescope", "prairielearn", "github_output")]
    if not any(wanted):
        return
    report = scoring.score(_results(config))
    took = time.monotonic() - config.stash.get(STARTED, time.monotonic())
    write_outputs(report, *wanted, execution_time=took)


# --- one submission, as a platform's container grades it ---------------------

def autograde(submission: Path, gradescope_path=None, prairielearn_path=None, github_path=None,
              hidden: Path | None = None, timeout: float = 1500, labs: list[str] | None = None,
              results_json: Path | None = None) -> Report | None:
    """Grade one submission folder (the lab notebooks anywhere in it) in its own pytest
    process, and write each platform's file. The report, or None when the run failed."""
    from harness.grading import batch, submissions
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograde-") as tmp:
        sub = batch.unpack(Path(submission), Path(tmp) / "submission")
        run = submissions.grade(sub, labs=labs, timeout=timeout, hidden=hidden)
    report = report_from_json(run["results"])
    failure = ""
    if report is None:
        failure = ("the grading run produced no results "
                   f"({'timed out' if run['exit_code'] == -1 else 'exit ' + str(run['exit_code'])}); "
                   "last output:\n" + run["output"][-3000:])
    if results_json:
        write_json(results_json, run["results"] or {"error": failure})
    write_outputs(report, gradescope_path, prairielearn_path, github_path,
                  execution_time=time.monotonic() - t0, failure=failure)
    print(summary(report) if report else failure)
    return report


# --- the Gradescope autograder bundle ----------------------------------------------

BUNDLE_FILES = ["harness", "checks", "labs.toml", "pyproject.toml", "setup.py", "requirements.txt",
                "pytest.ini", "conftest.py", "docker-compose.yml", ".env"]
GRADESCOPE_DIR = REPO / "docs" / "classroom" / "gradescope"


def grader_files() -> list[Path]:
    """The grader's files (BUNDLE_FILES, folders walked): the bundle's, the PrairieLearn image's."""
    out = []
    for name in BUNDLE_FILES:
        src = REPO / name
        out += [src] if src.is_file() else sorted(
            p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return out


def bundle(out: Path, hidden: Path | None = None) -> Path:
    """Gradescope's autograder zip: setup.sh and run_autograder at its root, the grader beside."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (GRADESCOPE_DIR / name).read_text())
        for p in grader_files():
            zf.write(p, str(p.relative_to(REPO)))
        if hidden:
            for p in sorted(Path(hidden).glob("test_lab*_*.py")):
                zf.write(p, f"hidden/{p.name}")
    return out


# --- command line ---------------------------------------------------------------------
