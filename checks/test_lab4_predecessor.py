"""Lab 4 - the recipe: each candidate watches only its predecessor.

Each check builds 5..15 Candidates (the number comes from the run's seed), some
on clients of their own, some sharing a client, in the check's own namespace
under /election. The checks that read the server's watch lists give every
candidate its own session.

What the server says: `wchc` (``ensemble.watches_by_session()``) lists each
session's DATA watches (get/exists), with server-side paths (the check's
namespace in front). Children watches are not listed there, so the checks
provoke a change among the children and count the notifications each session
received. Notifications are counted per session from `cons` (sent minus
received: every request gets one reply, the rest are notifications); the
server-wide mntr counters are read as supporting evidence under `faults`.
"""
import threading

import pytest
from kazoo.exceptions import NoNodeError

from harness.checkkit import CheckFailure, expect, session_id, wait_until
from harness.elections import (ELECTION, WATCH_COUNTERS, Box, build, delivered,
                               expect_on_elected_once, expect_resign_idempotent_and_final,
                               expect_single_leader, mixed_clients, mntr_totals, seq, settle,
                               smallest)


@pytest.fixture
def election(zk):
    zk.ensure_path(ELECTION)
    return ELECTION


def server_path(clients, path):
    return clients.namespace + path


def expect_chain(ensemble, clients, boxes, context=""):
    """Each non-leader's one data watch is on its predecessor (server's view); `watching` agrees."""
    order = sorted(boxes, key=lambda b: seq(b.cand.node))

    def wrong():
        table = ensemble.watches_by_session()
        problems = []
        for prev, b in zip([None] + order[:-1], order):
            held = table.get(session_id(b.zk), set())
            if prev is None:
                if held:
                    problems.append(f"the leader {b.label} still watches {sorted(held)}")
                if b.cand.watching is not None:
                    problems.append(f"the leader {b.label} reports watching={b.cand.watching!r} (should be None)")
                continue
            want = server_path(clients, prev.cand.node)
            if held != {want}:
                problems.append(f"{b.label} should hold exactly one watch, on {want} (its "
                                f"predecessor); the server lists {sorted(held) or 'no watch'}")
            if b.cand.watching != prev.cand.node:
                problems.append(f"{b.label} reports watching={b.cand.watching!r}, its predecessor "
                                f"is {prev.cand.node!r}")
        return problems

    if wait_until(lambda: not wrong(), 3) is None:
        raise CheckFailure(f"{context}The servers' watch lists (wchc) do not show the chain: "
                           + "; ".join(wrong()[:4]) + ". Watch only the node just before yours, "
                           "with a data read (zk.get(pred, watch=...)).")


def test_exactly_one_leader_the_smallest(lab, clients, election, rng):
    n = rng.randint(5, 15)
    boxes = build(lab.Candidate, mixed_clients(clients, rng, n), n)
    order = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, order[0], 5)
    for prev, b in zip(order, order[1:]):
        expect(b.cand.watching == prev.cand.node,
               f"{b.label} (node {b.cand.node}) should report watching its predecessor "
               f"{prev.cand.node}; watching is {b.cand.watching!r}.")
    expect(order[0].cand.watching is None,
           f"The leader's `watching` should be None; it is {order[0].cand.watching!r}.")


def test_on_elected_agrees_with_is_leader(lab, clients, election, rng):
    n = rng.randint(5, 15)
    expect_on_elected_once(build(lab.Candidate, mixed_clients(clients, rng, n), n))


def test_leadership_passes_in_order_through_failovers(lab, clients, election, rng):
    n = rng.randint(6, 15)
    boxes = build(lab.Candidate, mixed_clients(clients, rng, n), n)
    alive = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, alive[0], 5)
    # a middle candidate leaves first: its successor must set a NEW watch on the node before it
    middle = alive.pop(rng.randint(1, len(alive) - 2))
    middle.cand.resign()
    expect_single_leader(boxes, alive[0], 3,
                         after=f"{middle.label} (not the leader) resigned; the leader must not change. ")
    for k in range(min(4, len(alive) - 1)):
        gone = alive.pop(0)
        gone.cand.resign()
        expect(not gone.cand.is_leader, f"After resign(), is_leader must be False ({gone.label}).")
        expect_single_leader(boxes, alive[0], 3, after=f"Failover {k + 1}: the leader resigned. ")
        expect(alive[0].elected_flags == [True],
               f"Failover {k + 1}: {alive[0].label} leads, but its on_elected calls saw "
               f"{alive[0].elected_flags} (expected one call, with is_leader True).")


def test_resign_is_idempotent_and_final(lab, clients, election, rng):
    n = rng.randint(5, 15)
    expect_resign_idempotent_and_final(build(lab.Candidate, mixed_clients(clients, rng, n), n), election)


def test_server_sees_one_watch_each_on_the_predecessor(lab, ensemble, clients, zk, election, rng):
    n = rng.randint(5, 15)
    zks = clients(n)
    boxes = build(lab.Candidate, zks, n)
    expect_single_leader(boxes, smallest(boxes), 5)
    expect_chain(ensemble, clients, boxes)
    # children watches are not in wchc: change the children and see who is told
    sids = [session_id(z) for z in zks]
    before = settle(ensemble, zks)
    zk.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    got = delivered(before, settle(ensemble, zks))
    woke = [b.label for b, s in zip(boxes, sids) if got[s]]
    expect(not woke,
           f"A new child appeared under the election path (it changes nobody's predecessor) and "
           f"the server notified {woke}: they watch the election's children. Read the children "
           "WITHOUT a watch; watch only the predecessor.")


@pytest.mark.faults
def test_one_failover_wakes_one_candidate(lab, faults, clients, election, rng):
    n = rng.randint(5, 15)
    zks = clients(n)
    boxes = build(lab.Candidate, zks, n)
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
    told = {b.label: got[session_id(b.zk)] for b in rest if got[session_id(b.zk)]}
    expect(told == {rest[0].label: 1},
           f"When the leader went, only its successor {rest[0].label} should have been notified, "
           f"once; the server notified {told or 'nobody'}. Watch the predecessor only, not the "
           "leader or the children.")
    expect(fired >= 1,
           f"The servers' notification counters did not move (+{fired}) when the leader went.")
    expect_chain(faults, clients, rest, context="After the failover: ")


def _middle_relinks(lab, ensemble, clients, election, rng, how):
    n = rng.randint(5, 15)
    zks = clients(n)
    boxes = build(lab.Candidate, zks, n)
    order = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, order[0], 5)
    expect_chain(ensemble, clients, boxes)
    i = rng.randint(1, n - 2)
    middle, successor = order[i], order[i + 1]
    if how == "resign":
        middle.cand.resign()
    else:
        ensemble.expire_session(middle.zk)
        middle.zk.stop()
    rest = [b for b in order if b is not middle]
    expect_single_leader(rest, order[0], 2,
                         after=f"{middle.label}, in the middle of the line, went away ({how}); "
                               "the leader must stay the only leader. ")
    expect(not successor.elected_flags,
           f"{successor.label} was told it leads when only its predecessor (not the leader) went "
           "away. When the watched node goes, read the children again before deciding.")
    expect_chain(ensemble, clients, rest,
                 context=f"{middle.label} went away ({how}); its successor should now watch the "
                         "node before it. ")


def test_a_middle_resign_relinks_the_chain(lab, ensemble, clients, election, rng):
    _middle_relinks(lab, ensemble, clients, election, rng, "resign")


def test_a_middle_expiry_relinks_the_chain(lab, ensemble, clients, election, rng):
    _middle_relinks(lab, ensemble, clients, election, rng, "session expired")


class Saboteur:
    """Stands in for the racer's KazooClient; the real client does every call.

    Right after one of the racer's get_children() calls returns, and before the
    racer can set its watch, another client deletes the racer's predecessor,
    if that predecessor is one of the `doomed` nodes.
    """

    def __init__(self, real, killer, doomed):
        self._real = real
        self._killer = killer
        self.doomed = set(doomed)        # names of nodes we may delete
        self.deleted = []
        self.own = None

    def __getattr__(self, name):
        return getattr(self._real, name)

    def create(self, path, *args, **kwargs):
        made = self._real.create(path, *args, **kwargs)
        self.own = made.rsplit("/", 1)[1]
        return made

    def get_children(self, path, *args, **kwargs):
        children = self._real.get_children(path, *args, **kwargs)
        names = [c for c in children if "-n_" in c]
        if self.own in names:
            order = sorted(names, key=seq)
            i = order.index(self.own)
            if i > 0 and order[i - 1] in self.doomed:
                victim = order[i - 1]
                self.doomed.discard(victim)
                try:
                    self._killer.delete(f"{path.rstrip('/')}/{victim}")
                    self.deleted.append(victim)
                except NoNodeError:
                    pass
        return children


def test_vanished_predecessor_race(lab, ensemble, clients, zk, election, rng):
    k = rng.randint(2, 5)
    leader_zk, racer_zk, killer, filler = clients(4)
    leader = Box("the first candidate")
    leader.zk = leader_zk
    leader.cand = lab.Candidate(leader_zk, election, on_elected=leader.on_elected)
    leader.cand.start()
    expect_single_leader([leader], leader, 5)
    # k plain nodes between the leader and the racer: each vanishes just after the racer reads them
    doomed = [filler.create(f"{election}/filler-n_", ephemeral=True, sequence=True).rsplit("/", 1)[1]
              for _ in range(k)]
    racer = Box("the racing candidate")
    racer.zk = Saboteur(racer_zk, killer, doomed)
    racer.cand = lab.Candidate(racer.zk, election, on_elected=racer.on_elected)
    done = threading.Event()
    errors = []

    def run():
        try:
            racer.cand.start()
        except Exception as e:          # reported below
            errors.append(e)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    expect(done.wait(5), "start() did not return within 5 s while the node before yours kept "
                         "vanishing between your get_children and your watch. When setting the "
                         "watch raises NoNodeError, read the children again.")
    expect(not errors, f"start() raised {type(errors[0]).__name__ if errors else ''}: "
                       f"{errors[0] if errors else ''} - the node before yours vanished between "
                       "your get_children and your watch; catch NoNodeError and read the children again.")
    expect(len(racer.zk.deleted) >= 1,
           "This check could not provoke the race: your candidate never read the children with "
           "zk.get_children() after creating its node.")
    both = [leader, racer]
    expect_single_leader(both, leader, 3,
                         after=f"The {len(racer.zk.deleted)} node(s) before the racer vanished "
                               "just after it read the children. ")
    expect(racer.cand.watching == leader.cand.node,
           f"After the nodes before it vanished, the racer should watch {leader.cand.node}; "
           f"watching is {racer.cand.watching!r}.")
    want = server_path(clients, leader.cand.node)

    def watches():
        return ensemble.watches_by_session().get(session_id(racer_zk), set())
    if wait_until(lambda: watches() == {want}, 3) is None:
        gone = sorted(w for w in watches() if w != want)
        raise CheckFailure(
            f"The server lists the racer's watches as {sorted(watches()) or 'none'}; expected only "
            f"{want}. " + (f"Watches on nodes that no longer exist ({gone}) are leaks: exists() with a "
                           "watch on a missing node leaves one behind; use zk.get(pred, watch=...), "
                           "which raises NoNodeError and sets nothing." if gone else ""))
    # the same race inside the watch callback: a late racer behind k more plain nodes
    more = [filler.create(f"{election}/filler-n_", ephemeral=True, sequence=True).rsplit("/", 1)[1]
            for _ in range(k)]
    late = Box("the late racer")
    late_real = clients()
    late.zk = Saboteur(late_real, killer, [])
    late.cand = lab.Candidate(late.zk, election, on_elected=late.on_elected)
    late.cand.start()
    last = f"{election}/{more[-1]}"
    expect(wait_until(lambda: late.cand.watching == last, 3),
           f"The late racer should watch {last} (the node before it); watching is {late.cand.watching!r}.")
    late.zk.doomed = set(more[:-1])
    killer.delete(last)          # its watch fires; each re-read of the children loses one more node
    everyone = [leader, racer, late]
    expect(wait_until(lambda: late.cand.watching == racer.cand.node, 3),
           f"The nodes before the late racer vanished one after another, each just after it read "
           f"the children (inside its watch callback); it should end up watching {racer.cand.node}; "
           f"watching is {late.cand.watching!r}.")
    expect_single_leader(everyone, leader, 1, after="Nodes before the late racer vanished. ")
    want = server_path(clients, racer.cand.node)
    if wait_until(lambda: ensemble.watches_by_session().get(session_id(late_real), set()) == {want}, 3) is None:
        held = sorted(ensemble.watches_by_session().get(session_id(late_real), set()))
        raise CheckFailure(f"The server lists the late racer's watches as {held or 'none'}; expected "
                           f"only {want}. A watch on a node that no longer exists is a leak (exists() "
                           "with a watch on a missing node); use zk.get(pred, watch=...).")
    leader.cand.resign()
    expect_single_leader(everyone, racer, 3, after="Then the leader resigned. ")
    racer.cand.resign()
    expect_single_leader(everyone, late, 3, after="Then the next leader resigned too. ")
    left = ensemble.watches_by_session().get(session_id(late_real), set())
    expect(not left, f"The late racer leads, yet the server still lists watches for it: "
                     f"{sorted(left)} (leaked watches).")
