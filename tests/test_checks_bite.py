"""Proof that the checks bite: the starter scores zero, every wrong solution is caught,
and the first failing row a learner meets says its declared FIRST_WORDS.

(The solutions scoring full marks is `make test`'s second tier,
`pytest checks --submission solutions`.) The wrong solutions live in
solutions/wrong/, one file per mistake, named after its lab; labs.toml says
which labs there are. The table of which checks caught which mistake is written
to results/wrong-solutions.txt.
"""
import shutil
from pathlib import Path

import pytest

from harness import manifest
from harness.grading import submissions
from harness.tools import mutants

pytestmark = [pytest.mark.runs_checks]

WRONG = sorted(manifest.WRONG.glob("lab*.py"))
@pytest.fixture(scope="module", autouse=True)
def bite_table(worker_id):
    if worker_id == "master":                  # one process: this run's table only (the
        shutil.rmtree(mutants.CAUGHT, ignore_errors=True)   # test loop clears it itself)
    yield
    print("\n" + mutants.write_bite_table())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_shipped_starter_scores_zero():
    run = submissions.grade(manifest.STARTERS)
    data = run["results"]
    assert data, run["output"][-3000:]
    passed = [c["name"] for c in data["checks"] if c["lab"] and c["status"] != "failed"]
    assert not passed, f"these checks pass (or did not run) on the starter notebooks: {passed}"
    for key, lab in data["labs"].items():
        assert lab["total"] > 0 and lab["points"] == 0, (key, lab)
    assert sorted(data["labs"]) == sorted(lab.key for lab in manifest.labs()), \
        "every lab of labs.toml has checks"


@pytest.mark.parametrize("wrong", WRONG, ids=[p.stem for p in WRONG])
def test_each_wrong_solution_still_applies_to_the_solution(wrong: Path, tmp_path):
    """A mutation whose text left the solved notebook must be updated, not skipped."""
    lab = manifest.lab_of_wrong(wrong)
    mutants.build(tmp_path, overrides={lab.key: wrong.read_text()})
    text = wrong.read_text()
    assert text.lstrip().startswith('"""'), f"{wrong.name}: start with a docstring naming the mistake"


@pytest.mark.parametrize("wrong", WRONG, ids=[p.stem for p in WRONG])
def test_each_wrong_solution_declares_what_its_first_message_says(wrong: Path):
    """FIRST_WORDS: the words (the learner's terms for the mistake: "predecessor",
    "re-arm", "SUSPENDED") that the first failing row must contain."""
    words = mutants.first_words(wrong)
    assert words and all(isinstance(w, str) and w.strip() for w in words), \
        f"{wrong.name}: declare FIRST_WORDS, the words its first failing row must say"


def test_every_lab_has_wrong_solutions_in_the_suite():
    labs = {manifest.lab_of_wrong(p).key for p in WRONG}
    assert labs == {lab.key for lab in manifest.labs()}, labs


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("wrong", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_solution_is_caught_by_its_labs_checks(wrong: Path):
    names, run = mutants.caught_by(wrong)
    assert run["results"] is not None, run["output"][-3000:]
    mutants.record_caught(wrong, names)
    assert names, f"{wrong.name} ({mutants.mistake_of(wrong)}) passes every check of its lab"
    # The first failing row names the mistake (issue 28), not only what was observed.
    first = mutants.first_failure(run["results"])
    missing = mutants.misses(mutants.first_words(wrong), first)
    assert not missing, (f"{wrong.name} ({mutants.mistake_of(wrong)}): its first failing row, "
                         f"{first['name']}, does not say {missing}:\n{first['message']}")
