"""Lab 3 - the herd: every candidate watches the election's children.

Each check builds 5..15 HerdCandidates (the number comes from the run's seed)
in the learner's sandbox, some on clients of their own, some sharing a client,
in the check's own namespace under /election. The counting checks give every
candidate its own session, because the server notifies a session once,
however many callbacks that client registered.

What the candidates say (``node``, ``is_leader``, ``watching``, their
``on_elected`` calls) is their claim; the grader reads the nodes with its own
client (``world.observer``) and counts notifications on the servers.

How notifications are counted: ZooKeeper's `cons` lists, for each session,
the packets it received and sent; every request gets one reply, so what the
server sent beyond its replies are watch notifications. The mntr counters
(`zk_watch_count`, `zk_sum_node_*_watch_count`) are server-wide and are read
as supporting evidence under the `faults` lock.
"""
import pytest

from harness.recipe import ELECTION
from harness.waits import wait_until
from harness.world.elections import (
    WATCH_COUNTERS,
    build,
    delivered,
    expect_on_elected_once,
    expect_resign_idempotent_and_final,
    expect_single_leader,
    in_order,
    mixed_clients,
    mntr_totals,
    session_ids,
    settle,
    smallest,
    watch_mark,
)
from harness.world.verdicts import CheckFailure, expect

HERD = "HerdCandidate"


@pytest.fixture
def election(world):
    world.observer.ensure_path(ELECTION)
    return ELECTION


def test_exactly_one_leader_the_smallest(world, election, rng):
    n = rng.randint(5, 15)
    cands = build(world, HERD, mixed_clients(world, rng, n), n)
    expect_single_leader(world, cands, smallest(cands), 5)

    def wrong():
        for c in cands:
            a = c.attrs("is_leader", "watching")
            if a["watching"] != (None if a["is_leader"] else election):
                return c, a
        return None
    # every notification is handled; a candidate's own thread may still be deciding
    bad = None if wait_until(lambda: wrong() is None, 2) else wrong()
    if bad is not None:
        c, a = bad
        expect(a["is_leader"],
               f"{c.label} does not lead, so `watching` should be the election path "
               f"{election!r} (a herd candidate watches its children); it is {a['watching']!r}.")
        raise CheckFailure(f"The leader's `watching` should be None; it is {a['watching']!r}.")


def test_on_elected_agrees_with_is_leader(world, election, rng):
    n = rng.randint(5, 15)
    expect_on_elected_once(world, build(world, HERD, mixed_clients(world, rng, n), n))


def test_leadership_passes_in_order_through_failovers(world, election, rng):
    n = rng.randint(5, 15)
    cands = build(world, HERD, mixed_clients(world, rng, n), n)
    alive = in_order(cands)
    expect_single_leader(world, cands, alive[0], 5)
    for k in range(min(4, n - 1)):
        gone = alive.pop(0)
        mark = watch_mark(world, alive[0])
        gone.resign()
        expect(not gone.is_leader, f"After resign(), is_leader must be False ({gone.label}).")
        expect_single_leader(world, cands, alive[0], 3, mark=mark,
                             after=f"Failover {k + 1}: the leader resigned. ")
        flags = alive[0].elected_flags
        expect(flags == [True],
               f"Failover {k + 1}: {alive[0].label} leads, but its on_elected calls saw "
               f"{flags} (expected one call, with is_leader True).")
    # a watch fires once: a candidate that did not set it again misses the later failovers


def test_resign_is_idempotent_and_final(world, election, rng):
    n = rng.randint(5, 15)
    expect_resign_idempotent_and_final(world, build(world, HERD, mixed_clients(world, rng, n), n),
                                       election)


@pytest.mark.faults
def test_every_candidate_watches_the_children(world, election, rng):
    n = rng.randint(5, 15)
    zks = world.clients(n)                # one session each: the server counts per session
    cands = build(world, HERD, zks, n)
    expect_single_leader(world, cands, smallest(cands), 5)
    sids = session_ids(zks)
    before = settle(world, zks, sids)
    counters = mntr_totals(world.ensemble)
    # a change among the children that changes no leadership: a late, larger node
    world.observer.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    after = settle(world, zks, sids)
    got = delivered(before, after)
    counters2 = mntr_totals(world.ensemble)
    leading = [c.is_leader for c in cands]
    woke = [c.label for c, s in zip(cands, sids) if got[s] >= 1]
    missed = [c.label for c, s, lead in zip(cands, sids, leading) if got[s] == 0 and not lead]
    expect(not missed,
           f"A new child appeared under the election path; the server notified only "
           f"{len(woke)} of the {n} candidates' sessions. Not notified: {missed}"
           + (" (the leader, which may hold no watch, is left out of that list)"
              if any(leading) and len(woke) + len(missed) < n else "")
           + ". Every herd "
           "candidate must hold a watch on the children (get_children with a watch), re-armed each time.")
    expect(counters["zk_watch_count"] >= n - 1,
           f"The servers' zk_watch_count was {counters['zk_watch_count']} with {n} herd candidates "
           "running; each should hold a children watch.")
    fired = (counters2["zk_sum_node_children_watch_count"]
             - counters["zk_sum_node_children_watch_count"])
    expect(fired >= n - 1,
           f"The servers delivered {fired} children notifications for that change; expected at "
           f"least {n - 1} (one per waiting candidate).")
    # and they all set the watch again: a second change wakes them again
    before = after
    world.observer.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    got = delivered(before, settle(world, zks, sids))
    leading = [c.is_leader for c in cands]
    missed = [c.label for c, s, lead in zip(cands, sids, leading) if got[s] == 0 and not lead]
    expect(not missed,
           f"A second child appeared; these candidates were not notified: {missed}. A watch fires "
           "once: after it fires, read the children again WITH a new watch.")


@pytest.mark.faults
def test_one_failover_wakes_the_whole_herd(world, election, rng):
    n = rng.randint(5, 15)
    zks = world.clients(n)
    cands = build(world, HERD, zks, n)
    order = in_order(cands)
    expect_single_leader(world, cands, order[0], 5)
    rest = order[1:]
    rest_zks = [c.zk for c in rest]
    sids = session_ids(rest_zks)
    before = settle(world, rest_zks, sids)
    counters = mntr_totals(world.ensemble)
    order[0].zk.stop()                        # the leader's process goes away: session closed
    expect_single_leader(world, rest, rest[0], 3, after="The leader's session closed. ")
    got = delivered(before, settle(world, rest_zks, sids))
    counters2 = mntr_totals(world.ensemble)
    fired = sum(counters2[k] - counters[k] for k in WATCH_COUNTERS)
    per = {c.label: got[s] for c, s in zip(rest, sids)}
    expect(all(v == 1 for v in per.values()),
           f"When the leader went, each of the {n - 1} other herd candidates should have been "
           f"notified once (the herd); the server notified: {per}.")
    expect(fired >= n - 1,
           f"The servers' notification counters rose by {fired} when the leader went; expected "
           f"{n - 1} (every waiting candidate wakes).")
