"""harness/tools/estimates.py: a lab's estimated time, from its notebook; and 00_start_here's
table, which shows it labelled as an estimate (labs.toml's ``minutes`` are the measured ones)."""
import json

from harness import manifest
from harness.learner import starters
from harness.tools import derived, estimates
from harness.tools.estimates import Estimate

WORDS, LINES, PART = (estimates.WORDS_PER_MINUTE, estimates.CODE_LINES_PER_MINUTE,
                      estimates.EXERCISE_MINUTES)


def cell(kind, source, tags=()):
    c = {"cell_type": kind, "source": source, "metadata": {"tags": list(tags)}}
    if kind == "code":
        c.update(outputs=[], execution_count=None)
    return c


def solved(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


SOLVED = solved(
    cell("markdown", "# Lab 9\n\nfive words of prose here"),
    cell("code", "x = 1\n\n# a comment is read too\n"),
    cell("code", "def f():\n    ### BEGIN SOLUTION hint: one\n    a = 1\n    return a\n"
                 "    ### END SOLUTION\n\n\ndef g():\n    ### BEGIN SOLUTION\n    return 2\n"
                 "    ### END SOLUTION\n", tags=("solution",)),
    cell("markdown", ["two ", "words"]),
)


def test_a_starter_counts_its_prose_its_given_code_and_its_parts_to_write():
    """What the learner opens: the solutions' lines are not counted, each part to write is."""
    assert estimates.of_starter(starters.starter(SOLVED, "t")) == Estimate(
        words=10, code_lines=4, exercises=2)


def test_a_lab_is_estimated_from_its_solved_notebook_as_a_starter(tmp_path):
    lab = manifest.labs()[0]
    (tmp_path / lab.notebook).write_text(json.dumps(SOLVED))
    assert estimates.of_lab(lab, tmp_path) == Estimate(words=10, code_lines=4, exercises=2)


def test_minutes_are_the_stated_rates_rounded_to_five():
    assert Estimate(words=0, code_lines=0, exercises=0).minutes == 0
    assert Estimate(words=2 * WORDS, code_lines=0, exercises=1).minutes == 5      # 7 min
    assert Estimate(words=3 * WORDS, code_lines=0, exercises=2).minutes == 15     # 13 min
    assert Estimate(words=20 * WORDS, code_lines=10 * LINES, exercises=4).minutes \
        == 20 + 10 + 4 * PART
    assert "200 words a minute" in estimates.method() and f"{PART} minutes" in estimates.method()


def test_more_prose_makes_a_longer_estimate():
    """The estimate follows the notebook: ten more minutes of reading, ten more minutes."""
    longer = solved(*SOLVED["cells"], cell("markdown", "word " * (10 * WORDS)))
    before = estimates.of_starter(starters.starter(SOLVED, "t"))
    after = estimates.of_starter(starters.starter(longer, "t"))
    assert after.words == before.words + 10 * WORDS and after.minutes == before.minutes + 10


def test_start_here_shows_each_labs_estimate_labelled_as_one():
    table = derived.start_here_table()
    rows = [r for r in table.splitlines() if r.startswith("| ") and r[2].isdigit()]
    assert len(rows) == len(manifest.labs())
    for lab, row in zip(manifest.labs(), rows):
        assert f"| ~{estimates.of_lab(lab).minutes} min |" in row, row
    assert "| estimate |" in table.splitlines()[0]
    assert "not a measurement" in table and estimates.method() in table
    measured = any(lab.minutes for lab in manifest.labs())
    assert ("measured" in table.splitlines()[0]) == measured
