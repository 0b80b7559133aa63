"""harness/notebooks.py's cell model and harness/learner/starters.py, on hand-made notebooks."""
import json

import pytest

from harness import notebooks
from harness.learner import starters
from harness.learner.starters import MarkerError, strip_solutions
from harness.notebooks import NotebookError


def code(source, tags=(), outputs=None, count=None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)},
            "outputs": outputs or [], "execution_count": count}


def markdown(source, tags=()) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {"tags": list(tags)}}


def solution(source, **kw) -> dict:
    return code(source, tags=("solution",), **kw)


def notebook(*cells) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def saved(tmp_path, content, name="02_lab.ipynb"):
    """Write ``content`` (a dict as JSON, or text as is) and return its path."""
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


# --- read_notebook --------------------------------------------------------------------

def test_read_notebook_returns_a_valid_notebook(tmp_path):
    nb = notebook(markdown("# hi"), solution("x = 1\n"))
    assert notebooks.read_notebook(saved(tmp_path, nb)) == nb


def test_a_missing_notebook_is_named_with_its_folder(tmp_path):
    with pytest.raises(NotebookError) as e:
        notebooks.read_notebook(tmp_path / "03_herd.ipynb")
    assert "03_herd.ipynb is missing" in str(e.value) and str(tmp_path) in str(e.value)


@pytest.mark.parametrize("content, why", [
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "no list of cells"),                       # JSON, but not an object
    (json.dumps({"metadata": {}}), "no list of cells"),
    (json.dumps({"cells": {"0": {}}}), "no list of cells"),
    (json.dumps({"cells": [{"cell_type": "code"}, "x = 1"]}), "a cell is not an object"),
])
def test_a_file_that_is_not_a_notebook_says_which_and_why(tmp_path, content, why):
    with pytest.raises(NotebookError) as e:
        notebooks.read_notebook(saved(tmp_path, content, "05_failover.ipynb"))
    assert str(e.value).startswith("05_failover.ipynb is not a notebook") and why in str(e.value)


def test_a_notebook_that_is_not_utf8_is_not_a_notebook(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(b'{"cells": ["\xff\xfe"]}')
    with pytest.raises(NotebookError, match="bad.ipynb is not a notebook"):
        notebooks.read_notebook(path)


# --- which cell is what ---------------------------------------------------------------

def test_a_solution_is_a_code_cell_tagged_solution():
    assert notebooks.is_solution(solution("x"))
    assert not notebooks.is_solution(code("x"))
    assert not notebooks.is_solution(markdown("x", tags=("solution",)))   # markdown: never code
    assert not notebooks.is_solution(code("x", tags=("instructor",)))


def test_cells_without_metadata_or_tags_are_plain_cells():
    for cell in ({"cell_type": "code"}, {"cell_type": "code", "metadata": None},
                 {"cell_type": "code", "metadata": {"tags": None}}):
        assert not notebooks.is_solution(cell) and not notebooks.is_instructors(cell)


def test_instructors_cells_are_those_tagged_instructor_of_any_type():
    assert notebooks.is_instructors(markdown("answers", tags=("instructor",)))
    assert notebooks.is_instructors(code("x", tags=("solution", "instructor")))
    assert not notebooks.is_instructors(solution("x"))


def test_cell_source_joins_a_list_of_lines_or_takes_a_string():
    assert notebooks.cell_source(code(["a = 1\n", "b = 2\n"])) == "a = 1\nb = 2\n"
    assert notebooks.cell_source(code("a = 1\n")) == "a = 1\n"
    assert notebooks.cell_source({"cell_type": "code"}) == ""


def test_solutions_are_numbered_over_all_cells_from_one():
    nb = notebook(markdown("# lab"), solution("a"), code("check()"), markdown("more"),
                  solution(["b\n", "c"]))
    assert [(n, notebooks.cell_source(c)) for n, c in notebooks.numbered_solutions(nb)] == \
        [(2, "a"), (5, "b\nc")]


def test_solution_cells_reads_numbers_and_sources_from_a_file(tmp_path):
    path = saved(tmp_path, notebook(code("import x"), solution(["def f():\n", "    pass\n"])))
    assert notebooks.solution_cells(path) == [(2, "def f():\n    pass\n")]


def test_set_solution_sources_replaces_the_solution_cells_in_order_only():
    nb = notebook(code("keep"), solution("old 1"), markdown("keep too"), solution("old 2"))
    notebooks.set_solution_sources(nb, ["new 1", "new 2"])
    assert [c["source"] for c in nb["cells"]] == ["keep", "new 1", "keep too", "new 2"]


@pytest.mark.parametrize("count", [1, 3])
def test_set_solution_sources_refuses_the_wrong_number_of_sources(count):
    nb = notebook(solution("a"), solution("b"))
    with pytest.raises(ValueError, match=f"{count} sources for 2 solution cells"):
        notebooks.set_solution_sources(nb, ["x"] * count)
    assert [c["source"] for c in nb["cells"]] == ["a", "b"]         # untouched


# --- strip_solutions ------------------------------------------------------------------

SOLVED = '''\
def sequence_number(name):
    """Doc."""
    ### BEGIN SOLUTION hint: split at the LAST "-n_"
    _, _, tail = name.rpartition("-n_")
    return int(tail)
    ### END SOLUTION


def later():
    return 1
'''


def test_a_solution_block_becomes_a_raise_with_its_hint_at_its_indentation():
    assert strip_solutions(SOLVED, "cell 3") == '''\
def sequence_number(name):
    """Doc."""
    raise NotImplementedError("split at the LAST \\"-n_\\"")


def later():
    return 1
'''


def test_the_starter_code_runs_and_raises_the_hint():
    namespace = {}
    exec(strip_solutions(SOLVED, "cell 3"), namespace)
    with pytest.raises(NotImplementedError) as e:
        namespace["sequence_number"]("x-n_1")
    assert str(e.value) == 'split at the LAST "-n_"'
    assert namespace["later"]() == 1


def test_a_block_without_a_hint_gets_the_default_hint():
    for begin in ("### BEGIN SOLUTION", "### BEGIN SOLUTION hint:", "### BEGIN SOLUTION hint:   "):
        text = strip_solutions(f"x = 1\n{begin}\ny = 2\n### END SOLUTION\n", "c")
        assert text == f"x = 1\nraise NotImplementedError({json.dumps(starters.DEFAULT_HINT)})\n"


def test_several_blocks_at_several_indentations():
    source = ("class C:\n"
              "    def a(self):\n"
              "        ### BEGIN SOLUTION hint: one\n"
              "        return 1\n"
              "        ### END SOLUTION\n"
              "### BEGIN SOLUTION hint: two\n"
              "X = 2\n"
              "### END SOLUTION")
    assert strip_solutions(source, "c") == ("class C:\n"
                                            "    def a(self):\n"
                                            '        raise NotImplementedError("one")\n'
                                            'raise NotImplementedError("two")')   # no newline added


def test_a_hint_with_quotes_backslashes_and_accents_stays_valid_python():
    hint = 'use "rpartition" \\ not split — 2³²'
    text = strip_solutions(f"### BEGIN SOLUTION hint: {hint}\npass\n### END SOLUTION\n", "c")
    with pytest.raises(NotImplementedError) as e:
        exec(text, {})
    assert str(e.value) == hint


def test_source_without_markers_is_unchanged():
    assert strip_solutions("a = 1\n# ## BEGIN SOLUTION is not a marker\n", "c") == \
        "a = 1\n# ## BEGIN SOLUTION is not a marker\n"


@pytest.mark.parametrize("source, says", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
     "cell 4: line 2: BEGIN SOLUTION inside another block"),
    ("x = 1\n    ### BEGIN SOLUTION hint: h\ny = 2\n",
     "cell 4: BEGIN SOLUTION at line 2 is never closed"),
    ("x = 1\n### END SOLUTION\n", "cell 4: line 2: END SOLUTION without BEGIN"),
])
def test_misplaced_markers_are_refused_with_the_cell_and_line(source, says):
    with pytest.raises(MarkerError) as e:
        strip_solutions(source, "cell 4")
    assert str(e.value) == says


# --- starter ----------------------------------------------------------------------------

def solved_notebook() -> dict:
    nb = notebook(markdown("# Lab 2"),
                  code("import x\n", outputs=[{"output_type": "stream", "text": "hi"}], count=3),
                  solution(SOLVED.splitlines(True), outputs=[{"output_type": "error"}], count=4),
                  markdown("The answer is 42", tags=("instructor",)),
                  code("check()\n", tags=("instructor",), count=5),
                  code("check('lab2')\n", count=6))
    nb["metadata"]["widgets"] = {"state": {}}
    return nb


def test_the_starter_leaves_out_instructors_cells_and_keeps_the_rest_in_order():
    cells = starters.starter(solved_notebook(), "02.ipynb")["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code", "code"]
    assert notebooks.cell_source(cells[3]) == "check('lab2')\n"
    assert not any(notebooks.is_instructors(c) for c in cells)


def test_the_starter_clears_every_code_cells_outputs_and_execution_count():
    cells = starters.starter(solved_notebook(), "02.ipynb")["cells"]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in cells if c["cell_type"] == "code")
    assert "outputs" not in cells[0]                   # markdown cells are left as they were


def test_the_starter_strips_the_solution_cells_into_a_list_of_lines():
    cells = starters.starter(solved_notebook(), "02.ipynb")["cells"]
    assert cells[2]["source"] == strip_solutions(SOLVED, "").splitlines(True)
    assert notebooks.is_solution(cells[2])             # still the learner's cell to write


def test_the_starter_drops_widget_state_and_leaves_the_solved_notebook_alone():
    solved = solved_notebook()
    before = json.dumps(solved, sort_keys=True)
    nb = starters.starter(solved, "02.ipynb")
    assert "widgets" not in nb["metadata"]
    assert json.dumps(solved, sort_keys=True) == before


def test_a_marker_error_names_the_notebook_and_the_cell_number_over_all_cells():
    nb = notebook(markdown("x", tags=("instructor",)), code("y"),
                  solution("### BEGIN SOLUTION\nz = 1\n"))
    with pytest.raises(MarkerError) as e:
        starters.starter(nb, "02.ipynb")
    assert str(e.value) == "02.ipynb cell 3: BEGIN SOLUTION at line 1 is never closed"


def test_markers_outside_solution_cells_are_left_alone():
    nb = notebook(code("### BEGIN SOLUTION\nshown = 1\n"))
    cell, = starters.starter(nb, "x.ipynb")["cells"]
    assert cell["source"] == "### BEGIN SOLUTION\nshown = 1\n"
