"""Each teaching platform's output, validated against what its documentation requires.

Most tests build results from small Report objects (no ensemble): a full score, a
learner whose notebook does not load (gradable, zero), an infrastructure failure
(not gradable: not the learner's fault) and a run that left no results at all.
The last tests grade real submissions end to end: the Gradescope bundle run in a
layout like Gradescope's, and a regrade of a small class.
"""
import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest
import yaml

from harness import cli, manifest
from harness.grading import autograde, platforms, regrade
from harness.grading.scoring import FAILED, INFRA, PASSED, CheckResult, score
from harness.manifest import REPO
from harness.tools import mutants

VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]

# Gradescope, "Autograder Specifications", Output format:
# https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["score", "tests"],            # score: required unless on every test
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "integer", "minimum": 0},       # seconds
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": VISIBILITY},
        "stdout_visibility": {"enum": VISIBILITY},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["score", "max_score", "name", "number", "output", "visibility"],
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number", "minimum": 0},
                "max_score": {"type": "number", "minimum": 0},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string", "minLength": 1},
                "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": {"enum": VISIBILITY},
                "extra_data": {"type": "object"},
            }}},
        "leaderboard": {"type": "array"},
    },
}

# PrairieLearn, "External Grading", Grading results:
# https://prairielearn.readthedocs.io/en/latest/externalGrading/#grading-results
PRAIRIELEARN_SCHEMA = {
    "type": "object",
    "required": ["gradable"],
    "additionalProperties": False,
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"},
        "output": {"type": "string"},
        "images": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "points", "max_points"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "points": {"type": "number", "minimum": 0},
                "max_points": {"type": "number", "minimum": 0},
                "message": {"type": "string"},
                "output": {"type": "string"},
                "images": {"type": "array"},
            }}},
    },
    # a gradable result must carry its score
    "if": {"properties": {"gradable": {"const": True}}},
    "then": {"required": ["gradable", "score"]},
}

# GitHub Classroom's reporter (classroom-resources/autograding-grading-reporter):
# src/main.js decodes base64 env <RUNNER>_RESULTS to JSON; src/notify-classroom.js sums
# tests[].score and max_score; src/console-results.js reads tests[].status == 'pass',
# name, message; main.js fails the run on status 'fail' or 'error'.
# https://github.com/classroom-resources/autograding-grading-reporter
GITHUB_SCHEMA = {
    "type": "object",
    "required": ["version", "status", "max_score", "tests"],
    "properties": {
        "version": {"const": 1},
        "status": {"enum": ["pass", "fail", "error"]},
        "max_score": {"type": "number", "minimum": 0},
        "tests": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["name", "status", "score", "message"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "status": {"enum": ["pass", "fail", "error"]},
                "score": {"type": "number", "minimum": 0},
                "message": {"type": "string"},
            }}},
    },
}

# Canvas, "How do I import grades in the Gradebook?": the CSV's first columns identify
# the learner (Student, ID, SIS User ID, SIS Login ID, Section), then one column per
# assignment; a blank cell leaves that grade as it is.
# https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


# --- small reports, no ensemble -------------------------------------------------------

def checks_of(lab, statuses, message="", hidden=()):
    return [CheckResult(lab, f"test_{lab}_{i}", f"checks/test_{lab}_x.py::test_{lab}_{i}", s,
                        "" if s == PASSED else (message or f"check {i} of {lab} failed"))
            for i, s in enumerate(statuses)] + [
        CheckResult(lab, name, f"../tmp/grade-x/hidden/test_{lab}_hidden.py::{name}", s,
                    "" if s == PASSED else "hidden check failed")
        for name, s in hidden]


def full_report():
    return score(checks_of("lab1", [PASSED] * 3) + checks_of("lab2", [PASSED] * 3, hidden=[
        ("test_hidden_big", PASSED)]) + [CheckResult("", "test_harness", "checks/test_00.py::t", PASSED)])


def partial_report():
    return score(checks_of("lab1", [PASSED, FAILED, PASSED]) + checks_of("lab2", [PASSED, PASSED],
                                                                         hidden=[("test_hid", FAILED)]))


def not_loading_report():
    msg = ("Your lab could not be loaded: 01_ephemeral_nodes.ipynb, cell 3 does not compile: "
           "SyntaxError: '(' was never closed")
    return score(checks_of("lab1", [FAILED] * 3, message=msg) + checks_of("lab2", [FAILED] * 2, message=msg))


def infra_report():
    return score(checks_of("lab1", [PASSED, INFRA, INFRA], message="Infrastructure: no quorum")
                 + checks_of("lab2", [INFRA, INFRA], message="Infrastructure: no quorum"))


CASES = {"full": full_report, "partial": partial_report, "not_loading": not_loading_report,
         "infra": infra_report, "no_results": lambda: None}


@pytest.mark.parametrize("case", CASES)
def test_gradescope_results_follow_the_specification(case):
    report = CASES[case]()
    out = platforms.gradescope(report, execution_time=12.3)
    jsonschema.validate(out, GRADESCOPE_SCHEMA)
    json.dumps(out)
    assert out["execution_time"] == 13
    if report is None:
        assert out["score"] == 0 and out["extra_data"]["gradable"] is False
        assert "not your code's fault" in out["output"]
        return
    graded = [c for c in report.checks if c.lab]
    assert len(out["tests"]) == len(graded), "one test per graded check (not the harness's own)"
    assert out["score"] == pytest.approx(sum(t["score"] for t in out["tests"]), abs=0.01)
    assert out["score"] == report.points
    assert all(t["score"] <= t["max_score"] for t in out["tests"])
    assert len({t["number"] for t in out["tests"]}) == len(out["tests"])
    hidden = [t for t in out["tests"] if "hidden" in t["name"]]
    assert all(t["visibility"] == "after_published" for t in hidden)
    assert all(t["visibility"] == "visible" for t in out["tests"] if t not in hidden)
    if case in ("full", "partial"):
        assert hidden, "the --hidden checks map to after_published"
    if case == "not_loading":
        assert out["score"] == 0 and out["extra_data"]["gradable"] is True
        assert all("could not be loaded" in t["output"] for t in out["tests"])
    if case == "infra":
        assert out["extra_data"]["gradable"] is False and "Not graded" in out["output"]
        assert "not your code's fault" in out["output"]


@pytest.mark.parametrize("case", CASES)
def test_prairielearn_results_follow_the_specification(case):
    report = CASES[case]()
    out = platforms.prairielearn(report, failure="pytest exited 2")
    jsonschema.validate(out, PRAIRIELEARN_SCHEMA)
    json.dumps(out)
    if case in ("infra", "no_results"):
        assert out["gradable"] is False, "an infrastructure failure is not the learner's zero"
        assert "not your code's fault" in out["message"]
        return
    assert out["gradable"] is True
    tests = out["tests"]
    assert out["score"] == pytest.approx(sum(t["points"] for t in tests) / sum(t["max_points"] for t in tests))
    assert out["score"] == {"full": 1.0, "not_loading": 0.0}.get(case, out["score"])
    if case == "partial":
        assert 0 < out["score"] < 1
    if case == "not_loading":
        assert all("could not be loaded" in t["message"] for t in tests)


def decode_like_the_reporter(lines: str) -> dict:
    """$GITHUB_OUTPUT lines -> step outputs -> the reporter's <RUNNER>_RESULTS -> JSON."""
    outputs = dict(line.split("=", 1) for line in lines.splitlines() if line)
    return {k: json.loads(base64.b64decode(v).decode("utf-8")) for k, v in outputs.items()}


@pytest.mark.parametrize("case", CASES)
def test_github_classroom_results_follow_the_reporter(case):
    report = CASES[case]()
    runners = decode_like_the_reporter(platforms.github_output_lines(report))
    assert sorted(runners) == sorted(lab.key for lab in manifest.labs())
    for key, res in runners.items():
        jsonschema.validate(res, GITHUB_SCHEMA)
        assert res["max_score"] == manifest.by_key(key).points
    mine = {k: v for k, v in runners.items() if k in ("lab1", "lab2")}
    # notify-classroom.js: the dashboard's total is the sum of the tests' scores
    total = sum(t["score"] for r in mine.values() for t in r["tests"])
    if case == "full":
        assert all(r["status"] == "pass" for r in mine.values())
        assert total == pytest.approx(25.0, abs=1e-9), "each lab's shares add up to its points"
        assert [t["score"] for t in mine["lab1"]["tests"]] == [3.34, 3.33, 3.33]
    if case == "partial":
        assert mine["lab1"]["status"] == "fail" and mine["lab2"]["status"] == "fail"
        assert 0 < total < 25
    if case == "not_loading":
        assert total == 0 and all(r["status"] == "fail" for r in mine.values())
        assert "could not be loaded" in mine["lab1"]["tests"][0]["message"]
    if case in ("infra", "no_results"):
        assert all(r["status"] == "error" for r in mine.values()), "an error, not a failing learner"
        assert all("not your code's fault" in t["message"] for r in mine.values()
                   for t in r["tests"] if t["status"] == "error")
    # labs that did not run at all are reported as errors, never as a pass
    assert runners["lab5"]["status"] == "error"


def test_the_workflow_template_wires_each_lab_to_the_reporter():
    wf = yaml.safe_load((REPO / "docs" / "classroom" / "github-classroom.yml").read_text())
    steps = wf["jobs"]["run-autograding-tests"]["steps"]
    assert wf["permissions"]["checks"] == "write"
    checks = next(s for s in steps if s.get("id") == "checks")
    assert "--github-output" in checks["run"] and "pytest checks" in checks["run"]
    up = next(s for s in steps if "ensemble" in s.get("name", ""))
    assert "make up" in up["run"]
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    runners = reporter["with"]["runners"].split(",")
    assert runners == [lab.key for lab in manifest.labs()], "one runner per lab of labs.toml"
    for r in runners:      # src/main.js reads process.env[`${runner.toUpperCase()}_RESULTS`]
        assert reporter["env"][f"{r.upper()}_RESULTS"] == f"${{{{ steps.checks.outputs.{r} }}}}"
    # notify-classroom.js looks for the check run named "Autograding Tests"
    assert wf["jobs"]["run-autograding-tests"]["name"] == "Autograding Tests"


def canvas_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == CANVAS_COLUMNS, rows[0]
    assert rows[1][0].strip() == "Points Possible"
    return rows


@pytest.mark.parametrize("columns", ["per-lab", "total"])
def test_lms_csv_has_canvas_import_columns(columns):
    reports = {"alice": full_report(), "bob": partial_report(), "carol": not_loading_report(),
               "dave": infra_report(), "erin": None}
    roster = [{"Student": "Alice A", "ID": "101", "SIS User ID": "a1", "SIS Login ID": "alice",
               "Section": "S1"},
              {"Student": "Bob B", "ID": "102", "SIS User ID": "bob", "SIS Login ID": "bb", "Section": "S1"}]
    text, warnings = platforms.lms_csv(reports, columns, roster)
    rows = canvas_rows(text)
    labs = manifest.labs()
    heads = rows[0][5:]
    assert len(heads) == (len(labs) if columns == "per-lab" else 1)
    assert [float(x) for x in rows[1][5:]] == ([lab.points for lab in labs] if columns == "per-lab"
                                               else [sum(lab.points for lab in labs)])
    by = {r[0]: r for r in rows[2:]}
    assert by["Alice A"][1:5] == ["101", "a1", "alice", "S1"], "matched by SIS Login ID"
    assert by["Bob B"][1] == "102", "matched by SIS User ID"
    cells = lambda name: by[name][5:]
    for name in ("Alice A", "Bob B", "carol"):
        assert all(c != "" for c in cells(name)) and all(float(c) >= 0 for c in cells(name))
    if columns == "total":
        assert float(cells("Alice A")[0]) == full_report().points
        assert float(cells("carol")[0]) == 0.0, "a notebook that does not load: gradable, zero"
    else:
        assert float(cells("Alice A")[0]) == 10.0 and float(cells("Bob B")[0]) < 10.0
        assert all(float(c) == 0.0 for c in cells("carol"))
    for name in ("dave", "erin"):            # not gradable: blank, Canvas keeps what it had
        assert all(c == "" for c in cells(name)), by[name]
        assert any(w.startswith(f"{name}: not gradable") for w in warnings)
    assert any(w.startswith("carol: not in the roster") for w in warnings)


def test_lms_csv_from_a_batch_results_folder(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "alice.json").write_text(json.dumps(full_report().to_json(submission="a", seed=1)))
    (out / "bob.json").write_text(json.dumps({"error": "timed out", "output_tail": "..."}))
    (out / "grades.csv").write_text("submission,total\n")
    (out / "history").mkdir()
    (out / "history" / "old.json").write_text("{}")
    csv_path = tmp_path / "canvas.csv"
    warnings = platforms.write_lms_csv(out, csv_path, "total")
    rows = canvas_rows(csv_path.read_text())
    assert {r[0]: r[5] for r in rows[2:]} == {"alice": f"{full_report().points:g}", "bob": ""}
    assert any("bob: not gradable" in w for w in warnings)


def test_the_gradescope_bundle_has_the_layout_gradescope_expects(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_lab2_hidden.py").write_text("def test_x(lab):\n    pass\n")
    z = autograde.bundle(tmp_path / "autograder.zip", hidden)
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        for script in ("setup.sh", "run_autograder"):       # at the root of the zip, executable
            assert script in names
            assert (zf.getinfo(script).external_attr >> 16) & 0o111
            assert zf.read(script).startswith(b"#!")
        assert "hidden/test_lab2_hidden.py" in names
        assert "labs.toml" in names and "requirements.txt" in names and "checks/test_lab1_ephemeral_nodes.py" in names
        assert not any(n.startswith(("solutions/", "tests/")) for n in names), "no answers in the bundle"
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    assert "zookeeper" in setup and "openjdk" in setup and "requirements.txt" in setup
    assert "/autograder/results/results.json" in run.replace("$ROOT", "/autograder")
    assert "$ROOT/submission" in run and "harness status" in run


# --- regrading -------------------------------------------------------------------------

def results_json(statuses_by_lab, hidden=()):
    checks = []
    for lab, sts in statuses_by_lab.items():
        checks += checks_of(lab, sts)
    for lab, name, s in hidden:
        checks.append(CheckResult(lab, name, f"../tmp/grade-{name}/hidden/x.py::{name}", s, ""))
    return score(checks).to_json(submission="x", seed=1)


def test_regrade_diff_of_two_fabricated_result_sets(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    # alice: a check now fails; bob: one now passes, a hidden check is new, one is removed;
    # carol: the same; dave: crashed before, graded now; erin: only in the old grading
    classes = {
        "alice": ({"lab1": [PASSED] * 3}, {"lab1": [PASSED, FAILED, PASSED]}, (), ()),
        "bob": ({"lab1": [FAILED, PASSED, PASSED]}, {"lab1": [PASSED, PASSED, PASSED]},
                [("lab1", "test_removed", PASSED)], [("lab1", "test_hidden_new", FAILED)]),
        "carol": ({"lab2": [PASSED, FAILED]}, {"lab2": [PASSED, FAILED]}, (), ()),
    }
    for name, (o, n, oh, nh) in classes.items():
        (old / f"{name}.json").write_text(json.dumps(results_json(o, oh)))
        (new / f"{name}.json").write_text(json.dumps(results_json(n, nh)))
    (old / "dave.json").write_text(json.dumps({"error": "crashed"}))
    (new / "dave.json").write_text(json.dumps(results_json({"lab1": [PASSED] * 3})))
    (old / "erin.json").write_text(json.dumps(results_json({"lab1": [PASSED] * 3})))
    diffs = regrade.diff_class(regrade.load_class(old), regrade.load_class(new))
    assert diffs["alice"]["flipped"] == [{"check": "lab1::test_lab1_1", "was": "passed", "now": "failed"}]
    assert diffs["alice"]["marks"]["lab1"] == (10.0, round(20 / 3, 2))
    assert diffs["alice"]["marks"]["total"] == (10.0, round(20 / 3, 2))
    assert diffs["bob"]["flipped"] == [{"check": "lab1::test_lab1_0", "was": "failed", "now": "passed"}]
    assert diffs["bob"]["new"] == ["lab1::test_hidden_new"]
    assert diffs["bob"]["removed"] == ["lab1::test_removed"]
    assert not regrade.changed(diffs["carol"])
    assert diffs["dave"]["is_graded"] and not diffs["dave"]["was_graded"]
    assert diffs["dave"]["marks"]["total"] == (None, 10.0)
    assert not diffs["erin"]["in_new"]
    text = regrade.render(diffs)
    assert "passed -> failed: lab1::test_lab1_1" in text
    assert "failed -> passed: lab1::test_lab1_0" in text
    assert "new check: lab1::test_hidden_new" in text and "removed check: lab1::test_removed" in text
    assert "total 10 -> 6.67" in text
    assert "unchanged: 1 submission(s) (carol)" in text
    assert "not in this grading" in text.split("erin:")[1]


def test_snapshot_keeps_each_earlier_grading(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert regrade.snapshot(out) is None
    (out / "a.json").write_text("{}")
    (out / "grades.csv").write_text("x\n")
    first = regrade.snapshot(out, stamp="20260101T000000Z")
    (out / "a.json").write_text('{"v": 2}')
    second = regrade.snapshot(out, stamp="20260101T000000Z")
    assert first != second and (first / "a.json").read_text() == "{}"
    assert (second / "a.json").read_text() == '{"v": 2}' and (first / "grades.csv").exists()
    assert not list(out.glob("*.json"))


# --- end to end: real submissions graded against the running ensemble ------------------



@pytest.mark.runs_checks
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_gradescope_bundle_grades_a_real_submission_in_an_autograder_layout(tmp_path, ensemble):
    """The bundle run as Gradescope runs it (an /autograder tree under a temporary root),
    on the solutions and on the starter; every platform's output from the same results.

    Here the ensemble already answers (the fixture starts it if this is the first test of
    the run to need it), so run_autograder says so and does not start one (on Gradescope
    it starts three local JVMs)."""
    zip_path = autograde.bundle(tmp_path / "autograder.zip")
    graded = {}
    for who, notebooks in (("solutions", REPO / "solutions"), ("starter", REPO / "labs")):
        root = tmp_path / who / "autograder"
        (root / "source").mkdir(parents=True)
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(root / "source")
        for name in ("setup.sh", "run_autograder"):
            os.chmod(root / "source" / name, 0o755)
        shutil.copytree(notebooks, root / "submission" / "my-work",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable,
                   AUTOGRADER_LABS="lab1,lab2")
        run = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env,
                             capture_output=True, text=True, timeout=800)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "already answers: not starting it" in run.stdout
        result = json.loads((root / "results" / "results.json").read_text())
        jsonschema.validate(result, GRADESCOPE_SCHEMA)
        graded[who] = (result, json.loads((root / "results" / "workshop.json").read_text()))
    full = sum(manifest.by_key(k).points for k in ("lab1", "lab2"))
    sol, sol_json = graded["solutions"]
    assert sol["score"] == full, [t["output"][:300] for t in sol["tests"] if t["status"] != "passed"]
    assert sol["extra_data"]["gradable"] is True
    assert all(t["name"].startswith(("Lab 1 ", "Lab 2 ")) for t in sol["tests"])
    starter, starter_json = graded["starter"]
    assert starter["score"] == 0 and starter["extra_data"]["gradable"] is True
    assert all(t["output"].startswith("Not done yet") for t in starter["tests"] if t["number"].startswith("1."))

    # the other platforms, from the same results
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    for who, (_, data) in graded.items():
        (class_dir / f"{who}.json").write_text(json.dumps(data))
        report = platforms.report_from_json(data)
        pl = platforms.prairielearn(report)
        jsonschema.validate(pl, PRAIRIELEARN_SCHEMA)
        assert pl["gradable"] and pl["score"] == (1.0 if who == "solutions" else 0.0)
        runners = decode_like_the_reporter(platforms.github_output_lines(report, ["lab1", "lab2"]))
        for res in runners.values():
            jsonschema.validate(res, GITHUB_SCHEMA)
            assert res["status"] == ("pass" if who == "solutions" else "fail")
        assert sum(t["score"] for r in runners.values() for t in r["tests"]) == pytest.approx(
            full if who == "solutions" else 0)
    cli = subprocess.run([sys.executable, "-m", "harness", "grade", "--export", "lms-csv", str(class_dir),
                          str(tmp_path / "canvas.csv"), "--lms-columns", "total"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    rows = canvas_rows((tmp_path / "canvas.csv").read_text())
    assert {r[0]: r[5] for r in rows[2:]} == {"solutions": f"{full:g}", "starter": "0"}


@pytest.mark.runs_checks
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_pytest_checks_writes_every_platform_file(tmp_path):
    """`pytest checks --gradescope/--prairielearn/--github-output` on the starter's lab 1."""
    res = subprocess.run([sys.executable, "-m", "pytest", "checks", "-k", "lab1", "--submission", "labs",
                          "--gradescope", str(tmp_path / "gs.json"),
                          "--prairielearn", str(tmp_path / "pl.json"),
                          "--github-output", str(tmp_path / "gh.txt")],
                         cwd=REPO, capture_output=True, text=True, timeout=500)
    assert res.returncode == 1, res.stdout[-3000:]
    gs = json.loads((tmp_path / "gs.json").read_text())
    jsonschema.validate(gs, GRADESCOPE_SCHEMA)
    assert gs["score"] == 0 and gs["tests"] and gs["extra_data"]["gradable"]
    pl = json.loads((tmp_path / "pl.json").read_text())
    jsonschema.validate(pl, PRAIRIELEARN_SCHEMA)
    assert pl["gradable"] is True and pl["score"] == 0
    runners = decode_like_the_reporter((tmp_path / "gh.txt").read_text())
    jsonschema.validate(runners["lab1"], GITHUB_SCHEMA)
    assert runners["lab1"]["status"] == "fail" and runners["lab2"]["status"] == "error"


HIDDEN_LAB1 = ("from harness.world import expect\n\n"
               "def test_hidden_added_later(lab):\n"
               "    expect(False, 'hidden: a check the instructor added after the first grading')\n")


@pytest.mark.runs_checks
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_regrade_end_to_end_keeps_history_and_reports_flips(tmp_path, capsys):
    subs = tmp_path / "submissions"
    mutants.build(subs / "alice")
    wrong = (manifest.WRONG / "lab1_persistent_node.py").read_text()
    mutants.build(subs / "bob", overrides={"lab1": wrong})
    out = tmp_path / "out"
    assert cli.main(["grade", str(subs), "--out", str(out), "--labs", "lab1", "--jobs", "2",
                       "--timeout", "300", "--seed", "7"]) == 0
    first = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert first["alice"]["total"]["points"] == 10.0 and first["bob"]["total"]["points"] < 10.0
    bob_failed = {c["name"] for c in first["bob"]["checks"] if c["status"] == "failed"}
    assert bob_failed

    # bob fixes his lab; the instructor adds a hidden check; the class is regraded
    shutil.rmtree(subs / "bob")
    mutants.build(subs / "bob")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_lab1_added.py").write_text(HIDDEN_LAB1)
    capsys.readouterr()
    assert cli.main(["grade", str(subs), "--out", str(out), "--labs", "lab1", "--jobs", "2", "--timeout", "300",
                       "--seed", "7", "--regrade", "--hidden", str(hidden),
                       "--lms-csv", str(tmp_path / "canvas.csv")]) == 0
    printed = capsys.readouterr().out
    history = list((out / "history").iterdir())
    assert len(history) == 1, "the earlier grading is kept"
    kept = {p.stem: json.loads(p.read_text()) for p in history[0].glob("*.json") if p.name != "changes.json"}
    assert kept == first, "the earlier results, unchanged"
    assert (history[0] / "grades.csv").exists() and (history[0] / "changes.json").exists()
    changes = (out / "changes.txt").read_text()
    assert changes.strip() in printed
    for name in bob_failed:
        assert f"failed -> passed: lab1::{name}" in changes.split("bob:")[1], changes
    for who in ("alice", "bob"):
        section = changes.split(f"{who}:")[1]
        assert "new check: lab1::test_hidden_added_later" in section
    alice = changes.split("alice:")[1].split("bob:")[0]
    assert "marks: lab1 10 -> " in alice and "passed ->" not in alice, alice
    rows = canvas_rows((tmp_path / "canvas.csv").read_text())
    assert {r[0] for r in rows[2:]} == {"alice", "bob"}


@pytest.mark.runs_checks
@pytest.mark.timeout(300)
def test_an_unreachable_ensemble_is_not_gradable_on_every_platform(tmp_path):
    """No ensemble (and none can be started): every platform says not gradable, not zero."""
    empty = tmp_path / "no-zookeeper"
    empty.mkdir()
    res = subprocess.run([sys.executable, "-m", "pytest", "checks", "-k", "lab1", "--submission", "solutions",
                          "--gradescope", str(tmp_path / "gs.json"),
                          "--prairielearn", str(tmp_path / "pl.json"),
                          "--github-output", str(tmp_path / "gh.txt")],
                         cwd=REPO, capture_output=True, text=True, timeout=250,
                         env=dict(os.environ, ZK_WORKSHOP_PORT_OFFSET="25000",
                                  ZK_WORKSHOP_STATE=str(tmp_path / "s"), ZOOKEEPER_HOME=str(empty)))
    assert res.returncode != 0
    pl = json.loads((tmp_path / "pl.json").read_text())
    jsonschema.validate(pl, PRAIRIELEARN_SCHEMA)
    assert pl["gradable"] is False and "not your code's fault" in pl["message"]
    gs = json.loads((tmp_path / "gs.json").read_text())
    jsonschema.validate(gs, GRADESCOPE_SCHEMA)
    assert gs["extra_data"]["gradable"] is False and "not your code's fault" in gs["output"]
    runners = decode_like_the_reporter((tmp_path / "gh.txt").read_text())
    jsonschema.validate(runners["lab1"], GITHUB_SCHEMA)
    assert runners["lab1"]["status"] == "error"
