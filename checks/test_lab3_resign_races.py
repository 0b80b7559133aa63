"""Lab 3 - resign() racing a notification the candidate is already handling.

Seeded randomized trials (harness/world/resign_races.py): in each, a few herd
candidates in a folder of their own and one racer; something changes among
the children (a candidate ahead resigns, or the leader's session expires), a
newcomer may join, and the racer resigns - before it is told, while its
callback is deciding on children it has already read, or after it decided.
Over all trials: a resigned candidate never leads, is never told it leads
after resign() returned, never watches again, and (children watches are not
in the servers' watch lists) its session is not notified of a later change.
The seed is in every failure message: `pytest checks --seed N` replays it.
"""
import pytest

from harness.world.resign_races import run_resign_races

HERD = "HerdCandidate"


@pytest.mark.trials
def test_resign_racing_a_notification(world, rng, seed):
    run_resign_races(world, HERD, rng, seed, herd=True)
