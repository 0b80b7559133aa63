"""The notebooks: starters generated from solutions, clean, and solved ones run top to bottom."""
import json
from datetime import datetime

import nbformat
import pytest
from nbclient import NotebookClient

from harness import manifest
from harness.learner import starters
from harness.manifest import REPO

LABS = manifest.labs()


def test_starters_and_lab_tables_are_in_sync_with_solutions_and_labs_toml():
    from harness.tools import derived
    stale = starters.generate(REPO / "solutions", REPO / "labs", check=True)
    stale += derived.render(check=True)
    assert not stale, f"out of date with solutions/ and labs.toml ({stale}): run " \
                      "`python -m harness starters`"


@pytest.mark.parametrize("folder", ["labs", "solutions"])
def test_notebooks_are_saved_without_outputs(folder):
    for lab in LABS:
        nb = json.loads((REPO / folder / lab.notebook).read_text())
        dirty = [i for i, c in enumerate(nb["cells"], 1)
                 if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
        assert not dirty, f"{folder}/{lab.notebook}: cells {dirty} hold outputs"


@pytest.mark.parametrize("lab", LABS, ids=[lab.key for lab in LABS])
def test_a_starter_keeps_the_story_and_hides_every_solution(lab):
    solved = json.loads((REPO / "solutions" / lab.notebook).read_text())
    starter = json.loads((REPO / "labs" / lab.notebook).read_text())
    text = "".join("".join(c["source"]) for c in starter["cells"])
    assert "### BEGIN SOLUTION" not in text and "NotImplementedError" in text
    assert sum(c["cell_type"] == "markdown" for c in starter["cells"]) >= 4, "the story is told in markdown cells"
    last = "".join(starter["cells"][-1]["source"])
    assert "workshop.check(" in last, "the last cell grades the notebook"
    assert len(starter["cells"]) <= len(solved["cells"])


NOTEBOOKS = sorted((REPO / "labs").glob("*.ipynb")) + sorted((REPO / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_every_notebook_names_its_kernel(path):
    """Without a kernelspec, JupyterLab opens the notebook on a "Select Kernel" dialog."""
    meta = json.loads(path.read_text()).get("metadata") or {}
    kernel = meta.get("kernelspec") or {}
    assert kernel.get("name") == "python3" and kernel.get("language") == "python", \
        f"{path.parent.name}/{path.name}: metadata.kernelspec is {kernel or 'missing'}; expected python3"
    assert (meta.get("language_info") or {}).get("name") == "python", \
        f"{path.parent.name}/{path.name}: metadata.language_info is missing or not python"


def test_reset_keeps_the_learners_version_beside_the_fresh_starter(tmp_path, capsys):
    lab = manifest.by_key("lab3")
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    (solutions / lab.notebook).write_text((REPO / "solutions" / lab.notebook).read_text())
    fresh = starters.render(starters.starter(json.loads((solutions / lab.notebook).read_text()), lab.notebook))
    mine = labs / lab.notebook

    # no notebook yet, then the untouched starter: nothing to keep
    assert starters.reset("lab3", solutions, labs) == (lab.notebook, None)
    assert mine.read_text() == fresh
    mine.write_text(json.dumps(json.loads(fresh)))            # the same notebook, saved otherwise
    assert starters.reset("lab3", solutions, labs)[1] is None
    assert sorted(p.name for p in labs.iterdir()) == [lab.notebook]

    # the learner's work is kept, byte for byte, under a timestamped name
    work = json.loads(fresh)
    work["cells"][0]["source"] = ["my notes\n"]
    mine.write_text(json.dumps(work))
    when = datetime(2026, 11, 27, 9, 5, 7)
    name, backup = starters.reset("lab3", solutions, labs, now=when)
    assert backup == labs / f"{lab.notebook}.bak-20261127-090507"
    assert json.loads(backup.read_text()) == work and mine.read_text() == fresh

    # a second reset in the same second does not overwrite the first backup
    mine.write_text("not even JSON")
    _, again = starters.reset("lab3", solutions, labs, now=when)
    assert again == labs / f"{lab.notebook}.bak-20261127-090507-2"
    assert again.read_text() == "not even JSON" and json.loads(backup.read_text()) == work


def test_the_marker_syntax_is_enforced():
    with pytest.raises(starters.MarkerError):
        starters.strip_solutions("### BEGIN SOLUTION\nx = 1\n", "t")
    out = starters.strip_solutions("def f():\n    ### BEGIN SOLUTION hint: add one\n    return 1\n    ### END SOLUTION\n", "t")
    assert out == 'def f():\n    raise NotImplementedError("add one")\n'


@pytest.mark.slow
@pytest.mark.runs_checks      # the notebook's check() runs the lab's checks
@pytest.mark.timeout(400)
@pytest.mark.parametrize("lab", LABS, ids=[lab.key for lab in LABS])
def test_solved_notebook_runs_top_to_bottom_and_passes_its_checks(lab):
    nb = nbformat.read(str(REPO / "solutions" / lab.notebook), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO / "solutions")}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors[0].get("ename", "") + ": " + errors[0].get("evalue", "")
    last = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    assert "PASS" in last and "FAIL" not in last and "INFRA" not in last, last[-2000:]


# A learner's Run All with one plausible mistake (the walk of 2026-12-07 made these two):
# the experiments say what did not happen and go on, and check() at the bottom runs.
MISTAKES = {"lab3": "lab3_never_rearms", "lab4": "lab4_watches_the_first"}


@pytest.mark.slow
@pytest.mark.runs_checks
@pytest.mark.timeout(400)
@pytest.mark.parametrize("key, wrong", sorted(MISTAKES.items()))
def test_run_all_with_a_mistake_reaches_check_and_fails_there(key, wrong, tmp_path):
    from harness.tools import mutants
    lab = manifest.by_key(key)
    sub = mutants.build(tmp_path / "submission",
                        overrides={key: (manifest.WRONG / f"{wrong}.py").read_text()})
    nb = nbformat.read(str(sub / lab.notebook), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(sub)}}).execute()
    errors = [(i, o) for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"cell {errors[0][0]}: {errors[0][1].get('ename')}: {errors[0][1].get('evalue')}"
    said = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "NOT within" in said, "the mistake did not show in the experiments"
    last = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    assert "FAIL" in last, last[-2000:]
