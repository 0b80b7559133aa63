"""A notebook's check() grades what the kernel ran, through the same grader as the command line."""
import subprocess
import sys
import time

import pytest

from harness import manifest, notebooks
from harness.learner import workshop
from harness.manifest import REPO

pytestmark = [pytest.mark.runs_checks, pytest.mark.timeout(300)]
LAB1 = manifest.by_key("lab1")


def solution_cells(lab_key="lab1"):
    return notebooks.solution_cells(REPO / "solutions" / manifest.by_key(lab_key).notebook)


def table_rows(text, title):
    return [line for line in text.splitlines() if title in line]


def test_check_grades_the_cells_and_matches_the_command_line(capsys):
    workshop.start("lab1", folder=REPO / "solutions")
    assert workshop.check("lab1", cells=solution_cells()) is None     # nothing for Jupyter to echo
    shown = capsys.readouterr().out
    assert workshop.last_score(shown) == (8, 8), shown
    assert __import__("re").search(r"seed \d+: replay these inputs with "
                                   r"`pytest checks -k lab1 --seed \d+`", shown), shown
    cli = subprocess.run([sys.executable, "-m", "pytest", "checks", "-k", "lab1", "-q",
                          "--submission", "solutions"], cwd=REPO, capture_output=True, text=True,
                         timeout=300).stdout
    assert table_rows(shown, LAB1.title) == table_rows(cli, LAB1.title), (shown, cli)


def test_check_sees_an_edit_that_was_run_but_not_saved(capsys):
    workshop.start("lab1", folder=REPO / "solutions")
    (number, source), = solution_cells()
    wrong = source + "\n\ndef owner_session(zk, path):\n    return zk.client_id[0]\n"
    workshop.check("lab1", cells=[(number, wrong)])
    shown = capsys.readouterr().out
    passed, total = workshop.last_score(shown)
    assert 0 < passed < total, shown
    assert "FAIL  test_owner_session" in shown


def run(source, ok=True, error="", cell_id=None, t=None):
    return {"cell_id": cell_id, "source": source, "ok": ok, "error": error,
            "t": time.time() if t is None else t}


@pytest.fixture
def kernel(monkeypatch):
    """The kernel's record of executed cells, as check() reads it."""
    runs = []
    monkeypatch.setattr(workshop, "_runs", runs)
    workshop.start("lab1", folder=REPO / "solutions")
    return runs


def test_a_cell_never_run_is_not_graded(kernel, capsys):
    assert workshop.check("lab1") is None
    shown = capsys.readouterr().out
    assert "Not graded" in shown and "has not been run" in shown, shown
    assert "PASS" not in shown and "ok 1" not in shown


def test_a_cell_edited_since_it_ran_is_not_graded(kernel, capsys):
    (number, source), = solution_cells()
    kernel.append(run(source.replace("makepath=True", "makepath=False")))   # an older version ran
    assert workshop.check("lab1") is None
    shown = capsys.readouterr().out
    assert f"cell {number} (a Your turn cell) has not been run" in shown, shown


def test_check_reports_a_syntax_error_by_cell_and_line(monkeypatch, capsys, tmp_path):
    # A submission whose saved solution cell does not compile, run as it is (nbclient-style).
    from harness.tools import mutants
    sub = mutants.build(tmp_path / "sub", overrides={"lab1": "def register(zk, path:\n    pass\n"})
    cells = notebooks.solution_cells(sub / LAB1.notebook)
    runs = [run(src, ok=False, error="SyntaxError") for _, src in cells]
    monkeypatch.setattr(workshop, "_runs", runs)
    workshop.start("lab1", folder=sub)
    assert workshop.check("lab1") is None
    shown = capsys.readouterr().out
    number = cells[0][0]
    assert f"cell {number} does not compile: line 1" in shown, shown
    assert "PASS" not in shown
    # the command line, on the same saved notebook, passes nothing either
    cli = subprocess.run([sys.executable, "-m", "pytest", "checks", "-k", "lab1", "-q",
                          "--submission", str(sub)], cwd=REPO, capture_output=True, text=True,
                         timeout=300).stdout
    assert workshop.last_score(cli) == (0, 8), cli
    assert "does not compile" in cli or "SyntaxError" in cli, cli


def test_a_cell_edited_and_saved_after_it_ran_is_not_graded(monkeypatch, capsys, tmp_path):
    from harness.tools import mutants
    sub = mutants.build(tmp_path / "sub")
    (number, source), = notebooks.solution_cells(sub / LAB1.notebook)
    runs = [run(source.replace("ephemeral=True", "ephemeral=False"), cell_id="abc",
                t=time.time() - 60)]
    monkeypatch.setattr(workshop, "_runs", runs)
    monkeypatch.setattr(workshop, "_last_run", lambda cell, src: runs[0])
    workshop.start("lab1", folder=sub)
    workshop.check("lab1")
    shown = capsys.readouterr().out
    assert f"cell {number} was edited and saved after it ran" in shown, shown


def test_check_refuses_while_this_kernel_holds_the_fault_lock(monkeypatch, capsys, tmp_path):
    """A server killed in the live view and not restarted: the checks would wait for ever
    for the lock this kernel holds; check() says what to do instead."""
    from harness.ensemble import faultlock
    monkeypatch.setattr(faultlock, "lock_path", lambda: tmp_path / "faults.lock")
    faultlock.acquire_exclusive()
    try:
        started = time.monotonic()
        assert workshop.check("lab1", cells=solution_cells()) is None
        assert time.monotonic() - started < 5
    finally:
        faultlock.release_exclusive()
    out = capsys.readouterr().out
    assert out.startswith("Not graded: this notebook still holds the ensemble"), out
    assert "view.restart_server(i)" in out and "PASS" not in out
