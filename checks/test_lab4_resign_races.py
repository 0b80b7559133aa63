"""Lab 4 - resign() racing a notification the candidate is already handling.

Seeded randomized trials (harness/world/resign_races.py): in each, one or two
candidates ahead of a racer, in a folder of their own; the racer's
predecessor goes (it resigns, or the leader's session expires), a newcomer may
join, and the racer resigns - before it is told, while its watch callback is
deciding on children it has already read, or after it decided. Over all
trials: a resigned candidate never leads, is never told it leads after
resign() returned, never watches again, and its session (it holds only
resigned candidates) holds no watch on a node that is gone, and none at all
once its trial's nodes have all gone (wchc).

What kazoo itself does (kazoo 2.11, tests/implementations/lab4_kazoo_election.py):
``Election.cancel()`` sets a flag that its ``Lock`` reads only before each
children read, so a cancel that lands while it decides still runs the leader
function; and it leaves its one-shot ``get()`` watch on the predecessor (kazoo
cannot remove a watch from the server). The adapter does not lead once
resign() has been called; the leftover get() watch is on a live node, fires
once when that node goes, and is allowed here.
The seed is in every failure message: `pytest checks --seed N` replays it.
"""
import pytest

from harness.world.resign_races import run_resign_races

RECIPE = "Candidate"


@pytest.mark.trials
def test_resign_racing_a_notification(world, rng, seed):
    run_resign_races(world, RECIPE, rng, seed)
