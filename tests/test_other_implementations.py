"""Code nobody here wrote, graded by the same checks: kazoo's own election recipe.

``tests/implementations/lab4_kazoo_election.py`` wraps kazoo's ``Election``
(built on its ``Lock``) into the lab 4 interface as thinly as it can: it
decides in a thread of its own after ``start()`` returns, which the interface
allows. A check that failed it would be failing the library the labs are
built on; every lab 4 check must pass it, every run (20 runs in a row, each
with a fresh seed).

``tests/implementations/lab5_kazoo_election.py`` wraps the same recipe into
lab 5's ``ResilientCandidate``. kazoo's recipe really differs from lab 5: it
takes no notice of the connection's state, so a leader whose connection is
SUSPENDED keeps leading. The lab 5 suspension check must fail it, with the
step-down message: that is checked here, not skipped.

``tests/implementations/lab6_kazoo_election.py`` is lab 6 written another way:
kazoo's ``Election`` (taking part again after its session is lost), a token from
the node's ``czxid``, ``guarded_set`` with kazoo's ``transaction()``. It never
steps down on SUSPENDED; every lab 6 check must still pass it, since the fence,
not the step-down, is what lab 6 grades.
"""
import os
from pathlib import Path

import pytest

from harness.grading import submissions
from harness.manifest import REPO
from harness.tools import mutants

pytestmark = [pytest.mark.runs_checks]
IMPLEMENTATIONS = REPO / "tests" / "implementations"


def grade_with(tmp_path, key, source, extra_args=None):
    sub = mutants.build(Path(tmp_path) / "submission", overrides={key: source})
    run = submissions.grade(sub, labs=[key], timeout=300, extra_args=extra_args)
    assert run["results"], run["output"][-3000:]
    return run["results"]


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_kazoos_election_passes_every_lab4_check(tmp_path):
    data = grade_with(tmp_path, "lab4", (IMPLEMENTATIONS / "lab4_kazoo_election.py").read_text())
    failed = [f"{c['name']}: {c['message'][:600]}" for c in data["checks"] if c["status"] != "passed"]
    assert not failed, f"seed {data.get('seed')}: " + "\n".join(failed)
    assert data["labs"]["lab4"]["passed"] == data["labs"]["lab4"]["total"] > 0


# 20 in a row is the figure the issue asks for (about 11 minutes here: run it with
# KAZOO_RUNS=20); the everyday suite and CI run 3 in a row, on top of the single run above.
RUNS_IN_A_ROW = int(os.environ.get("KAZOO_RUNS", "3"))


@pytest.mark.slow
@pytest.mark.timeout(RUNS_IN_A_ROW * 240)
def test_kazoos_election_passes_every_lab4_check_many_runs_in_a_row(tmp_path):
    source = (IMPLEMENTATIONS / "lab4_kazoo_election.py").read_text()
    sub = mutants.build(Path(tmp_path) / "submission", overrides={"lab4": source})
    for n in range(1, RUNS_IN_A_ROW + 1):
        run = submissions.grade(sub, labs=["lab4"], timeout=300)
        data = run["results"]
        assert data, f"run {n}: " + run["output"][-3000:]
        failed = [f"{c['name']}: {c['message'][:600]}" for c in data["checks"]
                  if c["status"] != "passed"]
        assert not failed, f"run {n} of {RUNS_IN_A_ROW}, seed {data.get('seed')}: " + "\n".join(failed)
        assert data["labs"]["lab4"]["passed"] == data["labs"]["lab4"]["total"] > 0


@pytest.mark.timeout(300)
def test_kazoos_election_does_not_step_down_on_suspended(tmp_path):
    """kazoo's recipe keeps leading while SUSPENDED: lab 5's check says exactly that."""
    check = "test_after_a_short_suspension_the_leader_leads_again"
    data = grade_with(tmp_path, "lab5",
                      (IMPLEMENTATIONS / "lab5_kazoo_election.py").read_text(),
                      extra_args=["-k", check])
    ran = [c for c in data["checks"] if c["name"].endswith(check)]
    assert len(ran) == 1, [c["name"] for c in data["checks"]]
    verdict = ran[0]
    assert verdict["status"] == "failed", (
        f"seed {data.get('seed')}: kazoo's recipe never steps down on SUSPENDED, yet the "
        f"suspension check said {verdict['status']}: {verdict['message'][:600]}")
    assert ("is_leader stayed True" in verdict["message"]
            and "Step down as soon as the state listener sees SUSPENDED" in verdict["message"]), (
        f"seed {data.get('seed')}: failed for another reason: {verdict['message'][:600]}")


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_kazoos_election_with_a_czxid_token_passes_every_lab6_check(tmp_path):
    data = grade_with(tmp_path, "lab6", (IMPLEMENTATIONS / "lab6_kazoo_election.py").read_text())
    failed = [f"{c['name']}: {c['message'][:400]}" for c in data["checks"]
              if c["status"] != "passed"]
    assert not failed, f"seed {data.get('seed')}: " + "\n".join(failed)
    assert data["labs"]["lab6"]["passed"] == data["labs"]["lab6"]["total"] > 0
