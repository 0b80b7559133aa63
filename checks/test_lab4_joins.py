"""Lab 4 - a candidate alone leads; candidates that join one at a time change nothing.

Every other lab 4 check starts five or more candidates, so a candidate whose
start() waits for the children to change before it decides is woken by the
next one's join. Here one candidate starts alone (nobody will ever wake it),
then candidates join one at a time with the election quiet in between
(``World.quiesce``): after each join the newcomer watches the node just before
its own, exactly the first leads, and its on_elected has been called once
(harness/joins.py). A candidate may decide in a thread of its own after
start() returns: each judgement waits for that decision, with a deadline.
"""
from harness.world.joins import (
    expect_lone_candidate_leads,
    expect_quiet_joins,
    waits_on_predecessor,
)

RECIPE = "Candidate"


def test_a_lone_candidate_leads(world):
    expect_lone_candidate_leads(world, RECIPE)


def test_candidates_joining_one_at_a_time_change_nothing(world, rng):
    expect_quiet_joins(world, RECIPE, rng.randint(3, 5), rng, waits_on_predecessor)
