"""Lab 3 - the herd: every candidate watches the election's children.

Each check builds 5..15 HerdCandidates (the number comes from the run's seed),
some on clients of their own, some sharing a client, in the check's own
namespace under /election. The counting checks give every candidate its own
session, because the server notifies a session once, however many callbacks
that client registered.

How notifications are counted: ZooKeeper's `cons` lists, for each session,
the packets it received and sent; every request gets one reply, so what the
server sent beyond its replies are watch notifications. The mntr counters
(`zk_watch_count`, `zk_sum_node_*_watch_count`) are server-wide and are read
as supporting evidence under the `faults` lock.
"""
import pytest

from harness.checkkit import expect, session_id
from harness.elections import (ELECTION, WATCH_COUNTERS, build, delivered, expect_on_elected_once,
                               expect_resign_idempotent_and_final, expect_single_leader,
                               mixed_clients, mntr_totals, seq, settle, smallest)


@pytest.fixture
def election(zk):
    zk.ensure_path(ELECTION)
    return ELECTION


def test_exactly_one_leader_the_smallest(lab, clients, election, rng):
    n = rng.randint(5, 15)
    boxes = build(lab.HerdCandidate, mixed_clients(clients, rng, n), n)
    expect_single_leader(boxes, smallest(boxes), 5)
    for b in boxes:
        if not b.cand.is_leader:
            expect(b.cand.watching == election,
                   f"{b.label} does not lead, so `watching` should be the election path "
                   f"{election!r} (a herd candidate watches its children); it is {b.cand.watching!r}.")
        else:
            expect(b.cand.watching is None,
                   f"The leader's `watching` should be None; it is {b.cand.watching!r}.")


def test_on_elected_agrees_with_is_leader(lab, clients, election, rng):
    n = rng.randint(5, 15)
    expect_on_elected_once(build(lab.HerdCandidate, mixed_clients(clients, rng, n), n))


def test_leadership_passes_in_order_through_failovers(lab, clients, election, rng):
    n = rng.randint(5, 15)
    boxes = build(lab.HerdCandidate, mixed_clients(clients, rng, n), n)
    alive = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, alive[0], 5)
    for k in range(min(4, n - 1)):
        gone = alive.pop(0)
        gone.cand.resign()
        expect(not gone.cand.is_leader, f"After resign(), is_leader must be False ({gone.label}).")
        expect_single_leader(boxes, alive[0], 3,
                             after=f"Failover {k + 1}: the leader resigned. ")
        expect(alive[0].elected_flags == [True],
               f"Failover {k + 1}: {alive[0].label} leads, but its on_elected calls saw "
               f"{alive[0].elected_flags} (expected one call, with is_leader True).")
    # a watch fires once: a candidate that did not set it again misses the later failovers


def test_resign_is_idempotent_and_final(lab, clients, election, rng):
    n = rng.randint(5, 15)
    expect_resign_idempotent_and_final(build(lab.HerdCandidate, mixed_clients(clients, rng, n), n), election)


@pytest.mark.faults
def test_every_candidate_watches_the_children(lab, faults, clients, zk, election, rng):
    n = rng.randint(5, 15)
    zks = clients(n)                      # one session each: the server counts per session
    boxes = build(lab.HerdCandidate, zks, n)
    expect_single_leader(boxes, smallest(boxes), 5)
    sids = [session_id(z) for z in zks]
    before = settle(faults, zks)
    counters = mntr_totals(faults)
    # a change among the children that changes no leadership: a late, larger node
    zk.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    after = settle(faults, zks)
    got = delivered(before, after)
    counters2 = mntr_totals(faults)
    woke = [b.label for b, s in zip(boxes, sids) if got[s] >= 1]
    missed = [b.label for b, s in zip(boxes, sids) if got[s] == 0 and not b.cand.is_leader]
    expect(not missed,
           f"A new child appeared under the election path; the server notified only "
           f"{len(woke)} of the {n} candidates' sessions. Not notified: {missed}. Every herd "
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
    zk.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    got = delivered(before, settle(faults, zks))
    missed = [b.label for b, s in zip(boxes, sids) if got[s] == 0 and not b.cand.is_leader]
    expect(not missed,
           f"A second child appeared; these candidates were not notified: {missed}. A watch fires "
           "once: after it fires, read the children again WITH a new watch.")


@pytest.mark.faults
def test_one_failover_wakes_the_whole_herd(lab, faults, clients, election, rng):
    n = rng.randint(5, 15)
    zks = clients(n)
    boxes = build(lab.HerdCandidate, zks, n)
    order = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, order[0], 5)
    rest = order[1:]
    before = settle(faults, [b.zk for b in rest])
    counters = mntr_totals(faults)
    order[0].zk.stop()                        # the leader's process goes away: session closed
    expect_single_leader(rest, rest[0], 3, after="The leader's session closed. ")
    got = delivered(before, settle(faults, [b.zk for b in rest]))
    counters2 = mntr_totals(faults)
    fired = sum(counters2[k] - counters[k] for k in WATCH_COUNTERS)
    per = {b.label: got[session_id(b.zk)] for b in rest}
    expect(all(v == 1 for v in per.values()),
           f"When the leader went, each of the {n - 1} other herd candidates should have been "
           f"notified once (the herd); the server notified: {per}.")
    expect(fired >= n - 1,
           f"The servers' notification counters rose by {fired} when the leader went; expected "
           f"{n - 1} (every waiting candidate wakes).")
