"""A class graded end to end: finished, untouched, half-finished and wrong submissions.

Built by harness.tools.classgen from solutions/, labs/ and solutions/wrong/;
graded by the batch grader as an instructor would (two at a time, on two ensembles
side by side); every mark held to what the class's expected.json says: full marks,
zero, or a lab that must lose points (the wrong solution's). CLASS_SIZE sets the
size (default 12 in the everyday suite and CI; docs/performance.md's class figure is made
with `python -m harness grade --publish`).
"""
import csv
import os

import pytest

from harness import cli
from harness.tools import classgen

SIZE = int(os.environ.get("CLASS_SIZE", "12"))


@pytest.mark.slow
@pytest.mark.runs_checks
@pytest.mark.timeout(3000)
def test_a_mixed_class_gets_the_marks_each_submission_earns(tmp_path):
    expected = classgen.build_class(tmp_path, size=SIZE, seed=1)
    out = tmp_path / "out"
    code = cli.main(["grade", str(tmp_path / "submissions"), "--out", str(out), "--jobs", "2",
                       "--ensembles", "2", "--timeout", "600"])
    assert code == 0
    with open(out / "grades.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert len(rows) == SIZE
    wrong = classgen.discrepancies(expected, rows)
    assert not wrong, "\n".join(wrong)
