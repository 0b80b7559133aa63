"""Batch grading of a class: ten submissions, the expected score for each, and it finishes.

Graded on labs 1-4 to keep the suite's time reasonable (lab 5 goes through the
same machinery; its wrong solutions are proved caught in test_checks_bite.py).
"""
import csv
import json
import shutil
import zipfile

import pytest

pytestmark = [pytest.mark.runs_checks]

from harness import cli, manifest
from harness.ensemble import side, topology
from harness.grading import batch
from harness.manifest import REPO
from harness.tools import mutants

LABS = ["lab1", "lab2", "lab3", "lab4"]
WRONG = manifest.WRONG
HANG = '''
from predecessor_watch import *          # the solution, except that start() never returns
import threading
class Candidate(Candidate):
    def start(self):
        threading.Event().wait()
'''
CRASH = "import os\nos._exit(3)\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    subs.mkdir()
    mutants.build(subs / "solutions")
    shutil.copytree(REPO / "labs", subs / "starter")
    for wrong in ["lab1_persistent_node", "lab2_lexicographic_sort", "lab3_never_rearms"]:
        mutants.build(subs / wrong, overrides={wrong[:4]: (WRONG / f"{wrong}.py").read_text()})
    mutants.build(subs / "syntax_error", overrides={"lab1": "def register(zk, path:\n    pass\n"})
    lab4 = "".join(src for _, src in __import__("harness.notebooks", fromlist=["x"]).solution_cells(
        REPO / "solutions" / manifest.by_key("lab4").notebook))
    mutants.build(subs / "hangs_in_start", overrides={"lab4": lab4 + HANG})
    mutants.build(subs / "crashes_in_lab2", overrides={"lab2": CRASH})
    cheat = subs / "ships_a_conftest"
    shutil.copytree(REPO / "labs", cheat)
    (cheat / "conftest.py").write_text(
        "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n")
    (cheat / "checks").mkdir()
    (cheat / "checks" / "test_lab1_fake.py").write_text("def test_ok():\n    pass\n")
    zipped = subs / "zipped_solutions.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for lab in manifest.labs():
            zf.write(REPO / "solutions" / lab.notebook, f"my-work/{lab.notebook}")
    out = root / "out"
    code = cli.main(["grade", str(subs), "--out", str(out), "--labs", ",".join(LABS), "--jobs", "2",
                       "--timeout", "600"])
    assert code == 0
    with open(out / "grades.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    return rows, out


def full(lab):
    return float(manifest.by_key(lab).points)


def failures(out, name):
    """What failed for one submission, with seed and messages: the assertion's evidence."""
    detail = json.loads((out / f"{name}.json").read_text())
    bad = [f"{c['name']} ({c['status']}): {c['message'][:400]}" for c in detail["checks"]
           if c["status"] != "passed"]
    return f"seed {detail.get('seed')}; not passed: {bad}"


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_each_submission_gets_the_expected_score(graded):
    rows, out = graded
    assert len(rows) == 10, sorted(rows)
    for name in ("solutions", "zipped_solutions"):
        assert [float(rows[name][k]) for k in LABS] == [full(k) for k in LABS], (
            rows[name], failures(out, name))
    for name in ("starter", "ships_a_conftest"):
        assert float(rows[name]["total"]) == 0.0, rows[name]
    for wrong in ("lab1_persistent_node", "lab2_lexicographic_sort", "lab3_never_rearms"):
        lab = wrong[:4]
        assert float(rows[wrong][lab]) < full(lab), rows[wrong]
        # Labs 3 and 4 import the same submission's lab 2: its mistakes follow
        # into them. Every other lab keeps its full score.
        spared = [k for k in LABS if k != lab and not (lab == "lab2" and k in ("lab3", "lab4"))]
        assert all(float(rows[wrong][k]) == full(k) for k in spared), (rows[wrong],
                                                                        failures(out, wrong))
    assert float(rows["syntax_error"]["lab1"]) == 0.0
    assert all(float(rows["syntax_error"][k]) == full(k) for k in ("lab2", "lab3", "lab4"))
    assert float(rows["hangs_in_start"]["lab4"]) == 0.0
    assert all(float(rows["hangs_in_start"][k]) == full(k) for k in ("lab1", "lab2", "lab3"))
    crash = rows["crashes_in_lab2"]
    assert float(crash["lab1"]) == full("lab1") and float(crash["lab2"]) == 0.0
    detail = json.loads((out / "syntax_error.json").read_text())
    msg = next(c["message"] for c in detail["checks"] if c["lab"] == "lab1")
    assert "01_ephemeral_nodes.ipynb" in msg and "does not compile" in msg


def test_progress_says_done_rate_and_time_left():
    assert batch.progress(3, 10, 65) == "3 done in 1m05s, 2.8/min, about 2m32s left"
    assert batch.progress(10, 10, 400) == "10 done in 6m40s, 1.5/min, all done"
    assert batch.progress(1, 100, 12).endswith("about 19m48s left")


def test_side_ensembles_ports_are_all_usable_and_never_shared():
    """Every side ensemble can start: its ports lie below the ephemeral range, and
    none is a port of another ensemble (side or reserved) or of JupyterLab."""
    taken = {8888: "JupyterLab"}
    for offset in side.RESERVED_OFFSETS + side.OFFSETS:
        for server in topology.servers(offset):        # raises if a port is unusable
            for port in (server.client_port, server.peer_port, server.election_port):
                assert port not in taken, f"offset {offset}: port {port} is also {taken[port]}'s"
                taken[port] = f"offset {offset}"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_side_by_side_ensembles_grade_lab5_at_once_and_are_taken_down(tmp_path, capsys):
    """Lab 5's fault checks hold their ensemble's lock alone: two submissions on one
    ensemble take turns, on two they do not. Same marks; the second ensemble is gone after."""
    import socket

    from harness.ensemble import side
    subs = tmp_path / "subs"
    for name in ("first", "second"):
        mutants.build(subs / name)
    code = cli.main(["grade", str(subs), "--out", str(tmp_path / "out"), "--labs", "lab5",
                       "--jobs", "2", "--ensembles", "2", "--timeout", "300"])
    assert code == 0
    with open(tmp_path / "out" / "grades.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert [float(rows[n]["lab5"]) for n in ("first", "second")] == [full("lab5")] * 2, rows
    used = {json.loads((tmp_path / "out" / f"{n}.json").read_text())["ensemble_port_offset"]
            for n in ("first", "second")}
    assert used == {0, side.OFFSETS[0]}, used
    shown = capsys.readouterr().out
    assert f"port offset {side.OFFSETS[0]} up" in shown
    port = 2181 + side.OFFSETS[0]
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the side ensemble still listens"


def test_the_longest_gradings_start_first(tmp_path):
    """Finished work (lab 5 waits for real session timeouts) goes before half-done work,
    and untouched starters (every check fails at once) come last."""
    starter = mutants.build(tmp_path / "a_starter", base=REPO / "labs")
    half = mutants.build(tmp_path / "b_half", base=REPO / "labs")
    for key in ("lab1", "lab2"):
        nb = manifest.by_key(key).notebook
        shutil.copy(REPO / "solutions" / nb, half / nb)
    finished = mutants.build(tmp_path / "c_finished")
    assert batch.attempted(starter) == []
    assert batch.attempted(half) == ["lab1", "lab2"]
    order = batch.longest_first({p: p for p in (starter, half, finished)})
    assert order == [finished, half, starter]


def test_a_submission_whose_checks_met_a_broken_ensemble_is_graded_again(tmp_path, capsys):
    """A check that stops on an error of its own (an infrastructure error: no verdict)
    the first time, and passes the second: the class grader grades that lab again (and
    only that lab) before it writes anything, so grades.csv holds the mark, not 'regrade'."""
    subs = tmp_path / "submissions"
    mutants.build(subs / "solutions")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    marker, runs = tmp_path / "broke-once", tmp_path / "lab1-runs"
    (hidden / "test_lab2_flaky_infra.py").write_text(
        "from pathlib import Path\n"
        f"MARKER = Path({str(marker)!r})\n"
        "def test_lab2_the_grader_breaks_once(lab):\n"
        "    if not MARKER.exists():\n"
        "        MARKER.write_text('x')\n"
        "        {}['the grader broke']      # the check's own error: no verdict\n")
    (hidden / "test_lab1_counted.py").write_text(
        f"def test_lab1_counted(lab):\n    open({str(runs)!r}, 'a').write('run\\n')\n")
    out = tmp_path / "out"
    assert cli.main(["grade", str(subs), "--out", str(out), "--labs", "lab1,lab2", "--jobs", "1",
                     "--hidden", str(hidden), "--timeout", "300"]) == 0
    printed = capsys.readouterr().out
    assert ("grading again lab2 of solutions, at once: checks there met a broken ensemble"
            in printed)
    with open(out / "grades.csv") as f:
        row = next(csv.DictReader(f))
    assert row["status"] == "graded" and row["infra_errors"] == "0", row
    for key in ("lab1", "lab2"):
        assert float(row[key]) == manifest.by_key(key).points, row
    data = json.loads((out / "solutions.json").read_text())
    assert data["graded_again"] == [["lab2"]]
    assert runs.read_text() == "run\n"             # lab 1's verdicts stand: graded once
    assert {c["lab"] for c in data["checks"]} == {"lab1", "lab2"}
