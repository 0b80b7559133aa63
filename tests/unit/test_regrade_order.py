"""The class grader's second pass: who is graded again beside whom, and what a
submission pressed on (harness/grading/batch.py). No ensemble: rows and loads as data."""
from __future__ import annotations

from pathlib import Path

from harness.grading import batch


def test_those_that_pressed_on_nothing_are_graded_again_first_and_apart():
    rows = {Path("a"): {"pressed": ""}, Path("b"): {"pressed": "900 request(s) refused"},
            Path("c"): {}, Path("d"): {"pressed": "80 s of CPU in its sandboxes"}}
    groups = batch.regrade_groups(list(rows), rows)
    assert groups == [[Path("a"), Path("c")], [Path("b"), Path("d")]]


def test_no_empty_turn():
    rows = {Path("a"): {"pressed": ""}}
    assert batch.regrade_groups([Path("a")], rows) == [[Path("a")]]
    assert batch.regrade_groups([], rows) == []


def test_cpu_is_named_only_past_what_the_solutions_take():
    assert batch.pressed({"sandbox_cpu_seconds": batch.CPU_NOTED}) == ""
    said = batch.pressed({"sandbox_cpu_seconds": batch.CPU_NOTED + 1})
    assert "of CPU in its sandboxes" in said and f"{batch.SOLUTIONS_CPU:.0f} s" in said
    assert batch.pressed({"sandbox_cpu_seconds": None}) == ""
    assert batch.pressed({}) == ""
