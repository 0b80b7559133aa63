"""The grades in each teaching platform's own format, from the same Report as the score table.

One small function per format; each takes a ``scoring.Report`` (or a class of them)
and returns what the platform reads:

    gradescope(report)          Gradescope's results.json (autograder specification)
    prairielearn(report)        PrairieLearn's external-grading results.json
    github(report, "lab3")      one GitHub Classroom grader step's result (reporter format)
    lms_csv(class_reports)      a Canvas gradebook-import CSV (one column per lab, or a total)

Two verdicts are kept apart everywhere: a learner whose notebooks do not load or
whose checks fail is *gradable* (and scores what they earned, maybe zero); a run
whose checks could not run (the ensemble was not serving, the grader crashed) is
*not gradable*: not the learner's fault, said so, and never posted as a zero.

From pytest, ``autograde``'s options (``--gradescope F --prairielearn F --github-output F``).
From the command line (on the JSON written by ``--results-json`` or by the batch grader):

    python -m harness grade --export github RESULTS.json [--lab lab3]   # labN=<base64> lines
    python -m harness grade --export gradescope RESULTS.json OUT.json
    python -m harness grade --export prairielearn RESULTS.json OUT.json
    python -m harness grade --export lms-csv RESULTS_DIR OUT.csv [--lms-columns per-lab|total]
                                             [--lms-roster canvas-export.csv]
    python -m harness grade --one SUBMISSION [--gradescope F] [--prairielearn F]
                                             [--hidden DIR] [--timeout S]
    python -m harness bundle OUT.zip [--hidden DIR]                     # Gradescope autograder
"""
from __future__ import annotations

import base64
import csv
import io
import json
import math
from pathlib import Path

from harness import manifest
from harness.grading import scoring
from harness.grading.scoring import FAILED, INFRA, PASSED, CheckResult, Report

REPO = manifest.REPO
NOT_GRADABLE = ("Not graded: the grader itself could not run some checks (the ZooKeeper "
                "ensemble was not serving, or the grader broke). This is not your code's fault; "
                "it will be regraded (or resubmit later).")


# --- from the results JSON back to a Report ------------------------------------

def report_from_json(data: dict | None) -> Report | None:
    """The Report of a results JSON (``--results-json`` or the batch grader's per-submission
    file); None when the run left no results (it crashed or timed out before any check)."""
    if not data or "checks" not in data:
        return None
    fields = set(CheckResult.__dataclass_fields__)
    checks = [CheckResult(**{k: v for k, v in c.items() if k in fields}) for c in data["checks"]]
    return scoring.score(checks)


def is_hidden(check: CheckResult) -> bool:
    """An instructor's --hidden check: flagged so, or collected from outside checks/."""
    nodeid = check.nodeid.replace("\\", "/")
    return bool(check.hidden) or (bool(check.lab) and not nodeid.startswith("checks/"))


def gradable(report: Report | None) -> bool:
    """True when every check ran: what the learner earned is their mark, zero included."""
    return report is not None and report.infra_errors == 0


def _graded(report: Report) -> list[CheckResult]:
    return [c for c in report.checks if c.lab]          # the harness's own checks carry no points


def _lab(key: str) -> manifest.Lab:
    return manifest.by_key(key)


def summary(report: Report) -> str:
    return scoring.table(report) or "No check ran."


# --- Gradescope ------------------------------------------------------------------
# https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format

def gradescope(report: Report | None, execution_time: float | None = None,
               failure: str = "") -> dict:
    """Gradescope's results.json: a test per check (hidden checks shown after publishing)."""
    out: dict = {"score": 0.0, "output": "", "visibility": "visible", "stdout_visibility": "hidden"}
    if execution_time is not None:
        out["execution_time"] = int(math.ceil(execution_time))
    if report is None:
        out["output"] = f"{NOT_GRADABLE}\n{failure}".strip()
        out["tests"] = []
        out["extra_data"] = {"gradable": False}
        return out
    tests = []
    counters: dict[str, int] = {}
    for c in _graded(report):
        lab = _lab(c.lab)
        counters[c.lab] = counters.get(c.lab, 0) + 1
        hidden = is_hidden(c)
        text = "passed" if c.status == PASSED else c.message
        if c.status == INFRA:
            text = f"Not run (not your code's fault): {c.message}"
        tests.append({
            "score": round(c.points, 4),
            "max_score": round(c.max_points, 4),
            "status": "passed" if c.status == PASSED else "failed",
            "name": f"Lab {lab.number} {lab.title}: {c.name}" + (" (hidden)" if hidden else ""),
            "number": f"{lab.number}.{counters[c.lab]}",
            "output": text,
            "visibility": "after_published" if hidden else "visible",
        })
    out["score"] = round(report.points, 2)
    out["tests"] = tests
    out["output"] = summary(report)
    out["extra_data"] = {"gradable": gradable(report), "infra_errors": report.infra_errors,
                         "max_points": report.max_points}
    if not gradable(report):
        out["output"] = f"{NOT_GRADABLE}\n\n{out['output']}"
    return out


# --- PrairieLearn ----------------------------------------------------------------
# https://prairielearn.readthedocs.io/en/latest/externalGrading/#grading-results

def prairielearn(report: Report | None, failure: str = "") -> dict:
    """PrairieLearn's results.json: score in [0, 1]; gradable false when the grader failed."""
    if report is None or not gradable(report):
        return {"gradable": False, "score": 0.0,
                "message": NOT_GRADABLE,
                "output": (failure or (summary(report) if report else ""))[-20000:],
                "tests": _pl_tests(report) if report else []}
    got = sum(c.points for c in _graded(report))
    possible = sum(c.max_points for c in _graded(report))
    return {"gradable": True,
            "score": min(1.0, round(got / possible, 6)) if possible else 0.0,
            "message": f"{report.points:g} / {report.max_points:g} points",
            "output": summary(report),
            "tests": _pl_tests(report)}


def _pl_tests(report: Report) -> list[dict]:
    tests = []
    for c in _graded(report):
        lab = _lab(c.lab)
        tests.append({"name": f"Lab {lab.number} {lab.title}: {c.name}",
                      "description": lab.title,
                      "points": round(c.points, 4), "max_points": round(c.max_points, 4),
                      "message": "passed" if c.status == PASSED else c.message,
                      "output": "" if c.status == PASSED else c.message})
    return tests


# --- GitHub Classroom ------------------------------------------------------------
# The autograding reporter (classroom-resources/autograding-grading-reporter) reads,
# for each runner id in its `runners` input, the env var <ID>_RESULTS: base64 of
# {version, status, max_score, tests[{name, status, score, message}]}; the Classroom
# total is the sum of the tests' scores over the sum of the runners' max_score.

def _shares(report: Report, lab: str) -> list[tuple[CheckResult, float]]:
    """Each check's points in hundredths, the lab's total kept exact (largest remainder)."""
    mine = [c for c in report.checks if c.lab == lab]
    if not mine:
        return []
    total = round(_lab(lab).points * 100)
    base = [total * 1 // len(mine)] * len(mine)
    for i in range(total - sum(base)):
        base[i] += 1
    return [(c, base[i] / 100) for i, c in enumerate(mine)]


def github(report: Report | None, lab: str, failure: str = "") -> dict:
    """One grader step's result for ``lab``: a test per check, the lab's points as max."""
    max_score = _lab(lab).points
    if report is None:
        return {"version": 1, "status": "error", "max_score": max_score,
                "tests": [{"name": f"Lab {_lab(lab).number}", "status": "error", "score": 0,
                           "message": f"{NOT_GRADABLE} {failure}".strip()}]}
    tests = []
    for c, share in _shares(report, lab):
        status = {PASSED: "pass", FAILED: "fail"}.get(c.status, "error")
        message = c.message if c.status != INFRA else f"{NOT_GRADABLE} {c.message}"
        tests.append({"name": c.name, "status": status,
                      "score": share if c.status == PASSED else 0, "message": message[:1500]})
    if not tests:
        status = "error"
        tests = [{"name": f"Lab {_lab(lab).number}", "status": "error", "score": 0,
                  "message": "No check of this lab ran."}]
    elif any(t["status"] == "error" for t in tests):
        status = "error"
    elif all(t["status"] == "pass" for t in tests):
        status = "pass"
    else:
        status = "fail"
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


def github_encoded(report: Report | None, lab: str) -> str:
    return base64.b64encode(json.dumps(github(report, lab)).encode()).decode()


def github_output_lines(report: Report | None, labs: list[str] | None = None) -> str:
    """``labN=<base64>`` lines for $GITHUB_OUTPUT: a step output per lab."""
    keys = labs or [lab.key for lab in manifest.labs()]
    return "".join(f"{k}={github_encoded(report, k)}\n" for k in keys)


# --- the LMS gradebook (Canvas's CSV import) -----------------------------------
# https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
# Canvas reads Student, ID, SIS User ID, SIS Login ID, Section, then one column per
# assignment; a blank cell leaves that grade unchanged.

LMS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def lms_assignment(lab: manifest.Lab | None) -> str:
    return f"Lab {lab.number}: {lab.title}" if lab else "ZooKeeper workshop"


def read_roster(path: Path) -> list[dict]:
    """A Canvas gradebook export (or any CSV with its first columns): one row per learner."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r.get("Student", "").strip() and "Points Possible" not in r["Student"]]


def _match(name: str, roster: list[dict]) -> dict | None:
    for key in ("SIS Login ID", "SIS User ID", "ID", "Student"):
        for r in roster:
            if (r.get(key) or "").strip().lower() == name.strip().lower():
                return r
    return None


def lms_csv(reports: dict[str, Report | None], columns: str = "per-lab",
            roster: list[dict] | None = None) -> tuple[str, list[str]]:
    """Canvas import CSV text for a class ({submission: Report}), and the warnings to show.

    A submission that is not gradable gets blank cells (Canvas keeps what it had), never a zero.
    """
    if columns not in ("per-lab", "total"):
        raise ValueError("columns must be per-lab or total")
    labs = manifest.labs()
    if columns == "per-lab":
        heads = [lms_assignment(lab) for lab in labs]
        possible = [f"{lab.points:g}" for lab in labs]
    else:
        heads = [lms_assignment(None)]
        possible = [f"{sum(lab.points for lab in labs):g}"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LMS_COLUMNS + heads)
    w.writerow(["    Points Possible", "", "", "", ""] + possible)
    warnings = []
    for name in sorted(reports):
        report = reports[name]
        who = _match(name, roster) if roster else None
        if roster and who is None:
            warnings.append(f"{name}: not in the roster (matched against SIS Login ID, SIS User ID, "
                            "ID and Student): its row needs an ID before Canvas can import it")
        ident = [(who or {}).get(k, "") for k in LMS_COLUMNS]
        if not who:
            ident[0] = name
        if not gradable(report):
            warnings.append(f"{name}: not gradable (the grader could not run every check): "
                            "left blank; regrade it")
            cells = [""] * len(heads)
        elif columns == "per-lab":
            got = {row.key: row.points for row in report.labs}
            cells = [f"{got.get(lab.key, 0.0):g}" for lab in labs]
        else:
            cells = [f"{report.points:g}"]
        w.writerow(ident + cells)
    return buf.getvalue(), warnings


def class_reports(results_dir: Path) -> dict[str, Report | None]:
    """The batch grader's per-submission JSON files in ``results_dir`` (not its history)."""
    out = {}
    for p in sorted(Path(results_dir).glob("*.json")):
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError):
            data = None
        out[p.stem] = report_from_json(data)
    return out


def write_lms_csv(results_dir: Path, out: Path, columns: str = "per-lab",
                  roster: Path | None = None) -> list[str]:
    text, warnings = lms_csv(class_reports(results_dir), columns,
                             read_roster(roster) if roster else None)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text)
    return warnings


# --- writing files ---------------------------------------------------------------

def write_json(path: Path | str, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)


def write_outputs(report: Report | None, gradescope_path=None, prairielearn_path=None,
                  github_path=None, execution_time: float | None = None, failure: str = "") -> None:
    if gradescope_path:
        write_json(gradescope_path, gradescope(report, execution_time, failure))
    if prairielearn_path:
        write_json(prairielearn_path, prairielearn(report, failure))
    if github_path:
        with open(github_path, "a") as f:       # $GITHUB_OUTPUT is appended to
            f.write(github_output_lines(report))


def load(path: Path) -> Report | None:
    """The Report of a results JSON; None (not gradable) when the file is missing or broken."""
    try:
        return report_from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError):
        return None
