"""An ensemble broken from outside a run costs the check that met it, not the rest.

Only fault checks break the ensemble, and they heal it afterwards. But a
server's JVM can die, or someone runs `make down` in another terminal; every
later check then waited out its time limits on the broken ensemble, an
infrastructure error each (a class graded eight at a time lost 8 minutes and
33 checks of one submission that way). Here an instructor's check kills two of
the three servers behind the run's back (no fault lock, no healing) between
lab 1 and lab 2: the run heals the ensemble before the next check, and lab 2 is
graded in full.
"""
import pytest

from harness.grading import submissions
from harness.tools import mutants

pytestmark = [pytest.mark.runs_checks, pytest.mark.timeout(300)]

BREAK = '''
from harness.world.verdicts import CheckFailure
from harness.ensemble import Ensemble


def test_two_servers_die_behind_the_runs_back():
    ens = Ensemble()
    ens.kill(1)
    ens.kill(2)
    {after}
'''


def grade_with_a_break(tmp_path, after: str) -> dict:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_lab1_zz_outside_break.py").write_text(BREAK.format(after=after))
    sub = mutants.build(tmp_path / "solutions")
    run = submissions.grade(sub, labs=["lab1", "lab2"], hidden=hidden, timeout=240)
    assert run["results"] is not None, run["output"][-3000:]
    return {c["name"]: c for c in run["results"]["checks"]}


def lab2_statuses(checks: dict) -> dict:
    found = {}
    for c in checks.values():
        if c["lab"] == "lab2":
            found.setdefault(c["status"], []).append(c["name"])
    return found


def test_a_check_that_fails_while_the_ensemble_breaks_beneath_it_gives_no_verdict(tmp_path):
    checks = grade_with_a_break(tmp_path, 'raise CheckFailure("your node is gone")')
    broke = checks["test_two_servers_die_behind_the_runs_back"]
    assert broke["status"] == "infra-error", broke
    assert "the ensemble broke during this check" in broke["message"], broke["message"]
    assert "your node is gone" in broke["message"]          # what it saw, still said
    # healed before the next check: every lab 2 check graded, and passed
    assert set(lab2_statuses(checks)) == {"passed"}, lab2_statuses(checks)


def test_a_break_met_by_the_next_check_costs_that_check_only(tmp_path):
    checks = grade_with_a_break(tmp_path, "pass")
    assert checks["test_two_servers_die_behind_the_runs_back"]["status"] == "passed"
    statuses = lab2_statuses(checks)
    # the first lab 2 check that talks to ZooKeeper meets the broken ensemble (no verdict);
    # the run heals it before the next one
    assert len(statuses.get("infra-error", [])) <= 1, statuses
    assert not statuses.get("failed"), statuses
    assert len(statuses["passed"]) >= 9, statuses
