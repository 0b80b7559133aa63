"""A failing row points at the line it is about (the watch set, the sort, the create)."""
import json
import re

from harness import notebooks
from harness.grading.plugin.messages import POINTERS

CELL = '''import kazoo

class Candidate:
    """Watches its predecessor: watch=... is set in _watch."""

    def _watch(self, pred):
        watch = self._make_watch()
        # get(pred, watch=...) below
        self.zk.get(pred,
                    watch=watch)

def sort_candidates(children):
    return sorted(children)
'''


def notebook(tmp_path, source=CELL):
    nb = {"cells": [{"cell_type": "markdown", "source": "# lab"},
                    {"cell_type": "code", "source": source, "metadata": {"tags": ["solution"]}}]}
    path = tmp_path / "lab.ipynb"
    path.write_text(json.dumps(nb))
    return path


def pointer(message):
    return next(line for said, line in POINTERS if re.search(said, message))


def test_the_watch_is_the_keyword_argument_not_a_variable_docstring_or_comment(tmp_path):
    found = notebooks.definition_of(notebook(tmp_path), "Candidate", pointer("You watch the leader"))
    assert found == (2, 10, "watch=watch)")


def test_the_sort_line_of_the_function_the_message_names(tmp_path):
    found = notebooks.definition_of(notebook(tmp_path), "sort_candidates", pointer("sorted as text"))
    assert found == (2, 13, "return sorted(children)")


def test_no_such_line_gives_the_def_line(tmp_path):
    found = notebooks.definition_of(notebook(tmp_path), "sort_candidates", pointer("re-arm"))
    assert found == (2, 12, "def sort_candidates(children):")    # not the Candidate's watch
    assert notebooks.definition_of(notebook(tmp_path), "Candidate") == (2, 3, "class Candidate:")


