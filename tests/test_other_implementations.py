"""Code nobody here wrote, graded by the same checks: kazoo's own election recipe.

``tests/implementations/lab4_kazoo_election.py`` wraps kazoo's ``Election``
(built on its ``Lock``) into the lab 4 interface as thinly as it can: it
decides in a thread of its own after ``start()`` returns, which the interface
allows. A check that failed it would be failing the library the labs are
built on; every lab 4 check must pass it, every run.
"""
from pathlib import Path

import pytest

from harness.grading import submissions
from harness.manifest import REPO

pytestmark = [pytest.mark.runs_checks]
IMPLEMENTATIONS = REPO / "tests" / "implementations"


def grade_with(tmp_path, key, source):
    sub = submissions.build(Path(tmp_path) / "submission", overrides={key: source})
    run = submissions.grade(sub, labs=[key], timeout=300)
    assert run["results"], run["output"][-3000:]
    return run["results"]


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_kazoos_election_passes_every_lab4_check(tmp_path):
    data = grade_with(tmp_path, "lab4", (IMPLEMENTATIONS / "lab4_kazoo_election.py").read_text())
    failed = [f"{c['name']}: {c['message'][:600]}" for c in data["checks"] if c["status"] != "passed"]
    assert not failed, f"seed {data.get('seed')}: " + "\n".join(failed)
    assert data["labs"]["lab4"]["passed"] == data["labs"]["lab4"]["total"] > 0
