"""Earlier labs imported from a learner's notebooks: good ones load, bad ones fail one lab
with a clear message (harness/learner/imports.py, harness/sandbox/cells.py)."""
import subprocess
import sys

import nbformat
import pytest

from harness.learner import imports
from harness.manifest import REPO
from harness.sandbox.cells import LabLoadError


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, str(path))


@pytest.fixture
def submission(tmp_path):
    notebook(tmp_path / "02_sequence_numbers.ipynb",
             ("x = 'not graded'", []),
             ("def sequence_number(name):\n    return int(name.rsplit('-n_', 1)[1])", ["solution"]))
    notebook(tmp_path / "04_predecessor_watch.ipynb",
             ("from sequence_numbers import sequence_number\nFIRST = sequence_number('a-n_0000000007')", ["solution"]))
    yield tmp_path
    imports.uninstall()


def test_a_later_lab_imports_the_same_submissions_earlier_lab(submission):
    imports.install(submission)
    lab4 = imports.load_lab("predecessor_watch")
    assert lab4.FIRST == 7
    lab2 = sys.modules["sequence_numbers"]
    assert not hasattr(lab2, "x"), "only solution cells are loaded"


def test_syntax_error_names_the_notebook_and_cell(submission):
    notebook(submission / "01_ephemeral_nodes.ipynb",
             ("# intro", []), ("def register(zk, path:\n    pass", ["solution"]))
    imports.install(submission)
    with pytest.raises(LabLoadError, match=r"01_ephemeral_nodes.ipynb, cell 2 does not compile: line 1"):
        imports.load_lab("ephemeral_nodes")
    assert imports.load_lab("sequence_numbers").sequence_number("a-n_0000000003") == 3


def test_error_while_running_names_the_cell_and_line(submission):
    notebook(submission / "01_ephemeral_nodes.ipynb", ("a = 1\nb = undefined_name", ["solution"]))
    imports.install(submission)
    with pytest.raises(LabLoadError, match=r"cell 1, line 2 raised NameError"):
        imports.load_lab("ephemeral_nodes")


def test_a_broken_earlier_lab_is_named_by_the_later_one(submission):
    notebook(submission / "02_sequence_numbers.ipynb", ("raise RuntimeError('boom')", ["solution"]))
    imports.install(submission)
    with pytest.raises(LabLoadError, match=r"04_predecessor_watch.ipynb, cell 1 imports a lab .*02_sequence_numbers.ipynb.*boom"):
        imports.load_lab("predecessor_watch")


def test_not_json_missing_and_no_solution_cells(submission):
    (submission / "01_ephemeral_nodes.ipynb").write_text("{ this is not json")
    imports.install(submission)
    with pytest.raises(LabLoadError, match="not a notebook"):
        imports.load_lab("ephemeral_nodes")
    with pytest.raises(LabLoadError, match="05_failover.ipynb is missing"):
        imports.load_lab("failover")
    notebook(submission / "03_herd_election.ipynb", ("x = 1", []))
    with pytest.raises(LabLoadError, match="no code cell tagged 'solution'"):
        imports.load_lab("herd_election")


def test_a_missing_submission_folder_is_one_clear_sentence(tmp_path):
    with pytest.raises(LabLoadError, match="does not exist"):
        imports.install(tmp_path / "nowhere")


@pytest.mark.runs_checks
def test_pytest_checks_on_a_missing_folder_fails_cleanly(tmp_path):
    res = subprocess.run([sys.executable, "-m", "pytest", "checks", "-q",
                          "--submission", str(tmp_path / "nowhere")], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 4, res.stdout + res.stderr      # pytest's usage error
    assert "submission folder" in res.stderr and "does not exist" in res.stderr
    assert "Traceback" not in res.stdout + res.stderr
