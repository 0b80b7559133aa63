"""A notebook's check() grades the kernel's code and prints the command line's rows."""
import subprocess
import sys

from harness import loader, manifest, workshop
from harness.manifest import REPO
import pytest

pytestmark = [pytest.mark.runs_checks, pytest.mark.timeout(300)]


def solution_namespace(lab_key):
    lab = manifest.by_key(lab_key)
    ns = {"__name__": "__main__"}
    for _, source in loader.solution_cells(REPO / "solutions" / lab.notebook):
        exec(compile(source, "<cell>", "exec"), ns)
    return ns


def table_rows(text, title):
    return [line for line in text.splitlines() if title in line]


def test_check_grades_what_the_kernel_holds_and_matches_the_command_line(capsys):
    workshop.start("lab1", folder=REPO / "solutions")
    ns = solution_namespace("lab1")
    row = workshop.check("lab1", namespace=ns)
    shown = capsys.readouterr().out
    assert row.passed == row.total > 0, shown
    cli = subprocess.run([sys.executable, "-m", "pytest", "checks", "-k", "lab1", "-q",
                          "--submission", "solutions"], cwd=REPO, capture_output=True, text=True,
                         timeout=300).stdout
    title = manifest.by_key("lab1").title
    assert table_rows(shown, title) == table_rows(cli, title), (shown, cli)


def test_check_sees_an_edit_that_was_run_but_not_saved(capsys):
    workshop.start("lab1", folder=REPO / "solutions")
    ns = solution_namespace("lab1")
    exec("def owner_session(zk, path):\n    return zk.client_id[0]\n", ns)   # a wrong edit
    row = workshop.check("lab1", namespace=ns)
    shown = capsys.readouterr().out
    assert 0 < row.passed < row.total, shown
    assert "FAIL  test_owner_session" in shown
    loader.uninstall()
