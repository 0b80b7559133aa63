"""harness/tools/mutants.py: MUTATIONS applied exactly once; every solutions/wrong/ file applies."""
import json

import pytest

from harness import manifest, notebooks
from harness.tools import mutants
from harness.tools.mutants import MutationError, mutated, mutations_of, replaced

WRONG_FILES = sorted(manifest.WRONG.glob("*.py"))


def notebook(*sources, extra=("print('not graded')",)) -> dict:
    """A notebook: a markdown cell, one solution cell per source, then plain code cells."""
    cells = [{"cell_type": "markdown", "source": "# lab", "metadata": {}}]
    cells += [{"cell_type": "code", "source": s, "metadata": {"tags": ["solution"]}}
              for s in sources]
    cells += [{"cell_type": "code", "source": s, "metadata": {}} for s in extra]
    return {"cells": cells, "metadata": {}}


def solution_texts(path) -> list[str]:
    return [source for _, source in notebooks.solution_cells(path)]


def other_cells(path) -> list[dict]:
    """The cells of the notebook at ``path`` that are not the learner's."""
    return [c for c in notebooks.read_notebook(path)["cells"] if not notebooks.is_solution(c)]


# --- mutations_of ---------------------------------------------------------------------------

def test_a_file_with_mutations_gives_its_pairs():
    source = '"""Keeps leading."""\nMUTATIONS = [\n    ("a == b", "a != b"),\n    ("x", "y"),\n]\n'
    assert mutations_of(source) == [("a == b", "a != b"), ("x", "y")]


def test_a_whole_module_has_no_mutations():
    module = '"""A whole module."""\n\ndef register(zk, path):\n    return None\n'
    assert mutations_of(module) is None
    assert mutations_of("") is None


def test_a_name_that_merely_contains_mutations_is_a_whole_module():
    assert mutations_of("MY_MUTATIONS = [('a', 'b')]\nmutations = [('c', 'd')]\n") is None


def test_a_file_that_does_not_parse_is_a_whole_module_broken_on_purpose():
    assert mutations_of("def register(zk, path:\n    MUTATIONS = []\n") is None


def test_only_a_top_level_mutations_list_counts():
    assert mutations_of("def f():\n    MUTATIONS = [('a', 'b')]\n") is None


# --- mutated and replaced -----------------------------------------------------------------------

def test_a_mutation_is_applied_once_in_the_cell_that_holds_it():
    nb = notebook("def a():\n    return 1\n", "def b():\n    return 2\n")
    assert mutated(nb, [("return 2", "return 3")], "nb") == \
        ["def a():\n    return 1\n", "def b():\n    return 3\n"]


def test_mutations_apply_in_order_each_to_the_result_of_the_last():
    nb = notebook("x = 1\n")
    assert mutated(nb, [("x = 1", "x = 2"), ("x = 2", "x = 3")], "nb") == ["x = 3\n"]


def test_mutated_reads_list_sources():
    nb = notebook(["a = 1\n", "b = 2\n"])
    assert mutated(nb, [("b = 2", "b = 0")], "nb") == ["a = 1\nb = 0\n"]


def test_only_solution_cells_are_searched():
    nb = notebook("a = 1\n", extra=("needle\n",))
    with pytest.raises(MutationError, match="occurs 0 times"):
        mutated(nb, [("needle", "pin")], "nb")


@pytest.mark.parametrize("sources, times", [
    (("a = 1\n",), 0),                           # gone: the solution changed under it
    (("x = 1\nx = 1\n",), 2),                    # twice in one cell
    (("x = 1\n", "x = 1\n"), 2),                 # once in each of two cells
])
def test_a_mutation_must_occur_exactly_once(sources, times):
    with pytest.raises(MutationError) as e:
        mutated(notebook(*sources), [("x = 1", "x = 2")], "02_lab.ipynb")
    assert f"02_lab.ipynb: 'x = 1' occurs {times} times" in str(e.value)


def test_replaced_puts_the_module_in_the_first_solution_cell_and_empties_the_others():
    nb = notebook("a", "b", "c")
    assert replaced(nb, "WHOLE") == ["WHOLE", "# (replaced)\n", "# (replaced)\n"]
    assert replaced(notebook(), "WHOLE") == []


def test_apply_writes_the_mutated_notebook(tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_text(json.dumps(notebook("if ok:\n    lead()\n")))
    mutants.apply(path, 'MUTATIONS = [("if ok:", "if not ok:")]\n')
    assert solution_texts(path) == ["if not ok:\n    lead()\n"]


# --- every wrong solution applies to the solved notebooks --------------------------------------

@pytest.mark.parametrize("wrong", WRONG_FILES, ids=lambda p: p.name)
def test_every_wrong_solution_applies_to_the_solved_notebook(wrong, tmp_path):
    lab = manifest.lab_of_wrong(wrong)
    text = wrong.read_text()
    sub = mutants.build(tmp_path / wrong.stem, overrides={lab.key: text})
    solved = manifest.SOLUTIONS / lab.notebook
    built = sub / lab.notebook
    mutations = mutations_of(text)
    if mutations is None:
        assert solution_texts(built)[0] == text
        assert set(solution_texts(built)[1:]) <= {"# (replaced)\n"}
    else:
        got = "".join(solution_texts(built))
        assert all(new in got for _, new in mutations)
        assert solution_texts(built) != solution_texts(solved)
    # the rest of the notebook, and every other lab, is the solved one
    assert other_cells(built) == other_cells(solved)
    for other in manifest.labs():
        if other.key != lab.key:
            same = manifest.SOLUTIONS / other.notebook
            assert (sub / other.notebook).read_bytes() == same.read_bytes(), other.notebook


def test_every_wrong_solution_says_its_mistake():
    for wrong in WRONG_FILES:
        assert mutants.mistake_of(wrong) not in ("", "?"), wrong.name


def test_no_wrong_solution_that_names_mutations_is_read_as_a_whole_module():
    # e.g. an annotated `MUTATIONS: list = [...]` is no ast.Assign: the file would silently
    # replace the whole lab with a module defining only MUTATIONS
    for wrong in WRONG_FILES:
        text = wrong.read_text()
        if "MUTATIONS" in text:
            assert mutations_of(text), wrong.name
