"""Proof that the checks bite: the starter scores zero, every wrong solution is caught.

(The solutions scoring full marks is the README's first test command,
`pytest checks --submission solutions`.) The wrong solutions live in
tests/wrong_solutions/, one file per mistake, named after its lab.
"""
from pathlib import Path

import pytest

pytestmark = [pytest.mark.runs_checks]

from harness.grading import submissions
from harness.manifest import REPO

WRONG = sorted((REPO / "tests" / "wrong_solutions").glob("lab*.py"))
CAUGHT: dict[str, list[str]] = {}


@pytest.fixture(scope="module", autouse=True)
def bite_table():
    yield
    if CAUGHT:
        width = max(len(n) for n in CAUGHT)
        lines = [f"{'wrong solution':<{width}}  caught by", "-" * (width + 40)]
        for name, checks in CAUGHT.items():
            lines.append(f"{name:<{width}}  {', '.join(checks) or 'NOTHING'}")
        table = "\n".join(lines)
        out = REPO / "results"
        out.mkdir(exist_ok=True)
        (out / "wrong-solutions.txt").write_text(table + "\n")
        print("\n" + table)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_shipped_starter_scores_zero():
    run = submissions.grade(REPO / "labs")
    data = run["results"]
    assert data, run["output"][-3000:]
    passed = [c["name"] for c in data["checks"] if c["lab"] and c["status"] != "failed"]
    assert not passed, f"these checks pass (or did not run) on the starter notebooks: {passed}"
    for key, lab in data["labs"].items():
        assert lab["total"] > 0 and lab["points"] == 0, (key, lab)
    assert len(data["labs"]) == 5, "every lab has checks"


@pytest.mark.parametrize("wrong", WRONG, ids=[p.stem for p in WRONG])
def test_each_wrong_solution_still_applies_to_the_solution(wrong: Path, tmp_path):
    """A mutation whose text left the solved notebook must be updated, not skipped."""
    lab = submissions.lab_of_file(wrong)
    submissions.build(tmp_path, overrides={lab.key: wrong.read_text()})
    text = wrong.read_text()
    assert text.lstrip().startswith('"""'), f"{wrong.name}: start with a docstring naming the mistake"


def test_every_lab_has_wrong_solutions_in_the_suite():
    labs = {p.name.split("_", 1)[0] for p in WRONG}
    assert labs == {"lab1", "lab2", "lab3", "lab4", "lab5"}, labs


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("wrong", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_solution_is_caught_by_its_labs_checks(wrong: Path):
    names, run = submissions.caught_by(wrong)
    assert run["results"] is not None, run["output"][-3000:]
    CAUGHT[wrong.stem] = names
    mistake = (wrong.read_text().split('"""')[1].strip().splitlines() or ["?"])[0]
    assert names, f"{wrong.name} ({mistake}) passes every check of its lab"
