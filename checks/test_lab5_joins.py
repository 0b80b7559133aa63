"""Lab 5 - a candidate alone leads; candidates that join one at a time change nothing.

The other lab 5 checks start several candidates, so a candidate whose worker
waits for the children to change before it decides is woken by the next
one's join. Here one ResilientCandidate starts alone (nobody will ever wake
it), then candidates join one at a time, each on a client of its own, with the
election quiet in between (``World.quiesce``): after each join the newcomer
watches the node just before its own, exactly the first leads, on_elected has
been called once on the first only and on_revoked never (harness/joins.py).
"""
from harness.world.joins import (
    expect_lone_candidate_leads,
    expect_quiet_joins,
    waits_on_predecessor,
)

RESILIENT = "ResilientCandidate"
CALLBACKS = ("on_elected", "on_revoked")


def test_a_lone_candidate_leads(world):
    expect_lone_candidate_leads(world, RESILIENT, callbacks=CALLBACKS)


def test_candidates_joining_one_at_a_time_change_nothing(world, rng):
    expect_quiet_joins(world, RESILIENT, rng.randint(3, 5), rng, waits_on_predecessor,
                       callbacks=CALLBACKS, share_clients=False)
