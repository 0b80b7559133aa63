"""Lab 3 - a candidate alone leads; candidates that join one at a time change nothing.

Every other lab 3 check starts five or more candidates, so a candidate whose
start() waits for the children to change before it decides is woken by the
next one's join and passes them. Here one candidate starts alone (nobody will
ever wake it), then candidates join one at a time with the election quiet in
between (``World.quiesce``): after each join exactly the first leads and its
on_elected has been called once (harness/joins.py).
"""
from harness.world.joins import expect_lone_candidate_leads, expect_quiet_joins, waits_on_children

HERD = "HerdCandidate"


def test_a_lone_candidate_leads(world):
    expect_lone_candidate_leads(world, HERD)


def test_candidates_joining_one_at_a_time_change_nothing(world, rng):
    expect_quiet_joins(world, HERD, rng.randint(3, 5), rng, waits_on_children)
