"""Lab 4 - the recipe: each candidate watches only its predecessor.

Each check builds 5..15 Candidates (the number comes from the run's seed) in
the learner's sandbox, some on clients of their own, some sharing a client,
in the check's own namespace under /election. The checks that read the
server's watch lists give every candidate its own session.

What the candidates say (``node``, ``is_leader``, ``watching``) is their
claim; what the server says is the truth. `wchc`
(``ensemble.watches_by_session()``) lists each session's DATA watches
(get/exists), with server-side paths (the check's namespace in front).
Children watches are not listed there, so the checks provoke a change among
the children and count the notifications each session received.
Notifications are counted per session from `cons` (sent minus received: every
request gets one reply, the rest are notifications); the server-wide mntr
counters are read as supporting evidence under `faults`.
"""
import threading

import pytest

from harness.recipe import ELECTION
from harness.sandbox.host import LearnerError, LearnerTimeout
from harness.sandbox.remote import RemoteSaboteur
from harness.waits import wait_until
from harness.world.elections import (
    WATCH_COUNTERS,
    build,
    clients_of,
    delivered,
    exists,
    expect_on_elected_once,
    expect_resign_idempotent_and_final,
    expect_single_leader,
    gone_watches,
    in_order,
    mixed_clients,
    mntr_totals,
    seq,
    session_ids,
    settle,
    smallest,
    watch_mark,
)
from harness.world.diagnoses import name
from harness.world.joins import times
from harness.world.verdicts import CheckFailure, expect

RECIPE = "Candidate"


@pytest.fixture
def election(world):
    world.observer.ensure_path(ELECTION)
    return ELECTION


def server_path(world, path):
    return world.namespace + path


def expect_chain(world, cands, context=""):
    """Each non-leader's one data watch is on its predecessor (server's view); `watching` agrees."""
    sids = session_ids(clients_of(cands))
    nodes = {id(c): c.node for c in cands}
    order = sorted(zip(cands, sids), key=lambda cs: seq(nodes[id(cs[0])]))
    leader = order[0][0]
    by_path = {server_path(world, nodes[id(c)]): c for c, _ in order}

    def called(c):
        return name(c, nodes[id(c)])

    def watched(held):
        """The watched paths as the learner knows them: candidates by name."""
        if not held:
            return "no node"
        known = [called(by_path[p]) for p in sorted(held) if p in by_path]
        rest = listed(world, {p for p in held if p not in by_path})
        return ", ".join(known + ([rest] if rest != "no watch" else []))

    def wrong():
        table = world.ensemble.watches_by_session()
        problems, on_leader = [], 0
        prev = None
        for c, sid in order:
            held = table.get(sid, set())
            watching = c.watching
            if prev is None:
                if held:
                    problems.append(f"the leader {called(c)} still watches {watched(held)}")
                if watching is not None:
                    problems.append(f"the leader {called(c)} reports watching={watching!r} "
                                    "(should be None)")
            else:
                want = server_path(world, nodes[id(prev)])
                if held != {want}:
                    if held == {server_path(world, nodes[id(leader)])}:
                        on_leader += 1
                        problems.append(f"{called(c)} watches {called(leader)}, the leader; it "
                                        f"should watch {called(prev)}, the one just before it")
                    else:
                        problems.append(f"{called(c)} watches {watched(held)} on the servers; "
                                        f"it should watch {called(prev)}, the one just before it")
                if watching != nodes[id(prev)]:
                    problems.append(f"{called(c)} reports watching={watching!r}; the node just "
                                    f"before it is {called(prev)}'s, {nodes[id(prev)]!r}")
            prev = c
        return problems, on_leader

    if wait_until(lambda: not wrong()[0], 3) is None:
        problems, on_leader = wrong()
        leaked = any("(deleted" in p for p in problems)
        if on_leader:
            advice = ("You watch the leader: when it goes, every candidate wakes at once (the "
                      "herd of lab 3). Watch only the node just before yours (your "
                      "predecessor), with a data read (zk.get(pred, watch=...)).")
        elif leaked:
            advice = ("A watch on a node that no longer exists has leaked: it was set on a path "
                      "that is gone (exists() with a watch on a missing node, or a watch never "
                      "removed). Use zk.get(pred, watch=...), which raises NoNodeError and sets "
                      "nothing.")
        else:
            advice = ("Watch only the node just before yours, with a data read "
                      "(zk.get(pred, watch=...)).")
        more = f" (and {len(problems) - 4} more)" if len(problems) > 4 else ""
        raise CheckFailure(f"{context}The servers' watch lists (wchc) do not show the chain: "
                           + "; ".join(problems[:4]) + f"{more}. " + advice)


def test_exactly_one_leader_the_smallest(world, election, rng):
    n = rng.randint(5, 15)
    cands = build(world, RECIPE, mixed_clients(world, rng, n), n)
    order = in_order(cands)
    expect_single_leader(world, cands, order[0], 5)
    nodes = [c.node for c in order]

    def wrong():
        for c, node, pred in zip(order, nodes, [None] + nodes[:-1]):
            watching = c.watching
            if watching != pred:
                return c, node, pred, watching
        return None
    # every notification is handled; a candidate's own thread may still be deciding
    bad = None if wait_until(lambda: wrong() is None, 2) else wrong()
    if bad is not None:
        c, node, pred, watching = bad
        expect(pred is not None,
               f"The leader's `watching` should be None; it is {watching!r}.")
        raise CheckFailure(f"{c.label} (node {node}) should report watching its predecessor "
                           f"{pred}; watching is {watching!r}.")


def test_on_elected_agrees_with_is_leader(world, election, rng):
    n = rng.randint(5, 15)
    expect_on_elected_once(world, build(world, RECIPE, mixed_clients(world, rng, n), n))


def test_leadership_passes_in_order_through_failovers(world, election, rng):
    n = rng.randint(6, 15)
    cands = build(world, RECIPE, mixed_clients(world, rng, n), n)
    alive = in_order(cands)
    expect_single_leader(world, cands, alive[0], 5)
    # a middle candidate leaves first: its successor must set a NEW watch on the node before it
    middle = alive.pop(rng.randint(1, len(alive) - 2))
    middle_seq = seq(middle.node)
    middle.resign()
    expect_single_leader(world, cands, alive[0], 3, gone_seq=middle_seq,
                         after=f"{middle.label} (not the leader) resigned; the leader must not change. ")
    for k in range(min(4, len(alive) - 1)):
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


def test_resign_is_idempotent_and_final(world, election, rng):
    n = rng.randint(5, 15)
    expect_resign_idempotent_and_final(world, build(world, RECIPE, mixed_clients(world, rng, n), n),
                                       election)


def test_server_sees_one_watch_each_on_the_predecessor(world, election, rng):
    n = rng.randint(5, 15)
    zks = world.clients(n)
    cands = build(world, RECIPE, zks, n)
    expect_single_leader(world, cands, smallest(cands), 5)
    # Children watches are not in wchc: change the children and see who is told. First,
    # so that a candidate watching the children is told so, not only "no watch listed".
    sids = session_ids(zks)
    before = settle(world, zks, sids)
    world.observer.create(f"{election}/visitor-n_", ephemeral=True, sequence=True)
    got = delivered(before, settle(world, zks, sids))
    woke = [name(c) for c, s in zip(cands, sids) if got[s]]
    expect(not woke,
           f"A new child appeared under the election path (it changes nobody's predecessor) and "
           f"the server notified {', '.join(woke)}: you watch the election's children. Read the "
           "children WITHOUT a watch; watch only the predecessor.")
    expect_chain(world, cands)


@pytest.mark.faults
def test_one_failover_wakes_one_candidate(world, election, rng):
    n = rng.randint(5, 15)
    zks = world.clients(n)
    cands = build(world, RECIPE, zks, n)
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
    told = {c.label: got[s] for c, s in zip(rest, sids) if got[s]}
    expect(told == {rest[0].label: 1},
           f"When the leader went, only its successor {rest[0].label} should have been notified, "
           f"once; the server notified {told or 'nobody'}. Watch the predecessor only, not the "
           "leader or the children.")
    expect(fired >= 1,
           f"The servers' notification counters did not move (+{fired}) when the leader went.")
    expect_chain(world, rest, context="After the failover: ")


def _middle_relinks(world, rng, how):
    n = rng.randint(5, 15)
    zks = world.clients(n)
    cands = build(world, RECIPE, zks, n)
    order = in_order(cands)
    expect_single_leader(world, cands, order[0], 5)
    expect_chain(world, cands)
    i = rng.randint(1, n - 2)
    middle, successor = order[i], order[i + 1]
    if how == "resign":
        middle.resign()
    else:
        world.expire(middle.zk)
        middle.zk.stop()
    rest = [c for c in order if c is not middle]
    expect_single_leader(world, rest, order[0], 2,
                         after=f"{middle.label}, in the middle of the line, went away ({how}); "
                               "the leader must stay the only leader. ")
    expect(not successor.elected_flags,
           f"{successor.label} was told it leads when only its predecessor (not the leader) went "
           "away. When the watched node goes, read the children again before deciding.")
    expect_chain(world, rest,
                 context=f"{middle.label} went away ({how}); its successor should now watch the "
                         "node before it. ")


def test_a_middle_resign_relinks_the_chain(world, election, rng):
    _middle_relinks(world, rng, "resign")


def test_a_middle_expiry_relinks_the_chain(world, election, rng):
    _middle_relinks(world, rng, "session expired")


def plain_nodes(filler, election, k):
    """k ephemeral nodes that are not candidates (the grader's), named like candidates' nodes."""
    return [filler.create(f"{election}/filler-n_", ephemeral=True, sequence=True).rsplit("/", 1)[1]
            for _ in range(k)]


def expect_really_deleted(world, election, saboteur, doomed, who):
    """What the sandbox reports deleted, checked on the servers (the sandbox is not trusted)."""
    deleted = saboteur.deleted
    still = [name for name in deleted if exists(world, f"{election}/{name}") is not None]
    odd = [name for name in deleted if name not in doomed]
    expect(not still and not odd,
           f"The sandbox reported {deleted} deleted while {who} raced, but "
           + (f"the servers still list {still}" if still else f"{odd} were never to be deleted")
           + ": the process that runs your code does not tell the truth.")
    return deleted


def start_racer(world, racer, hung_what):
    """The racer's start(), off the check's thread (its race may hang it); the learner's error."""
    done = threading.Event()
    errors = []

    def run():
        try:
            racer.start(timeout=5)       # longer, and the sandbox is ended (LearnerTimeout)
        except LearnerError as e:        # reported below
            errors.append(e)
        done.set()

    threading.Thread(target=run, daemon=True, name="racer-start").start()
    hung = (f"start() did not return within 5 s while {hung_what} between your get_children "
            "and your watch. When setting the watch raises NoNodeError, read the children again.")
    expect(done.wait(15), hung)
    if errors and isinstance(errors[0], LearnerTimeout):
        raise CheckFailure(hung)
    if errors:
        e = errors[0]
        if type(e) is not LearnerError:      # not done yet, a hang, a sandbox that ended
            raise e
        raise CheckFailure(f"start() raised {e.type_name}: {e.message} - {hung_what} between "
                           "your get_children and your watch; catch NoNodeError and read the "
                           "children again." + (f"\n  where: {e.where}" if e.where else ""))


def expect_provoked(saboteur, who="your candidate"):
    """Wait for the race to happen: start() may leave reading the children to its own thread."""
    if not wait_until(lambda: saboteur.state()["deleted"], 5):
        raise CheckFailure(
            "This check could not provoke the race: "
            + (f"{who} read the children, but the node just before its own never vanished."
               if saboteur.state()["reads"] else
               f"within 5 s of start(), {who} never read the children with "
               "zk.get_children() after creating its node."))


def learner_path(world, path):
    """A server path as the learner's chrooted client names it."""
    return path[len(world.namespace):] if path.startswith(world.namespace + "/") else path


def listed(world, paths):
    """Server paths as a learner can read them, each deleted one said to be deleted."""
    world.observer.sync("/")
    out = []
    for path in sorted(learner_path(world, p) for p in paths):
        gone = world.observer.exists(path) is None
        out.append(f"{path} (deleted: it no longer exists)" if gone else path)
    return "[" + ", ".join(out) + "]" if out else "no watch"


def session_watches(world, sid):
    return world.ensemble.watches_by_session().get(sid, set())


def expect_watches(world, sid, want, who, context=""):
    """The server lists exactly ``want`` (server paths) as ``who``'s watches, within 3 s."""
    if wait_until(lambda: session_watches(world, sid) == want, 3) is not None:
        return
    held = session_watches(world, sid)
    dead = gone_watches(world, held - want)
    leaked = ""
    if dead:
        leaked = (f" The watch{'es' if len(dead) > 1 else ''} on {', '.join(dead)} leaked: "
                  f"{'those nodes are' if len(dead) > 1 else 'that node is'} gone. exists() with "
                  "a watch on a missing node leaves a watch behind; use zk.get(pred, watch=...), "
                  "which raises NoNodeError and sets nothing.")
    expected = (f"only one, on {learner_path(world, sorted(want)[0])}" if want
                else "none (a leader watches nothing)")
    raise CheckFailure(f"{context}The server lists these watches for {who}: "
                       f"{listed(world, held)}; expected {expected}." + leaked)


RACES = {
    "leader": "the leader's node (the only one before it)",
    "middle": "the node just before it (a middle node; the leader's stays)",
    "several": "{k} nodes before it at once (the leader's stays)",
}


@pytest.mark.parametrize("case", list(RACES))
def test_vanished_predecessor_race(world, election, rng, case):
    """The node before the racer's vanishes just after the racer reads the children, before
    it sets its watch: the leader's node itself, a middle node, or several at once."""
    k = rng.randint(2, 4) if case == "several" else 1
    racer_zk, killer = world.clients(2)          # the killer deletes from the sandbox
    filler = world.grader_client()               # plain nodes, owned by the grader
    leader = None
    if case != "leader":
        leader = world.candidate(RECIPE, world.client(), election, label="the first candidate")
        leader.start()
        expect_single_leader(world, [leader], leader, 5)
    # k plain nodes before the racer's (the first of them leads, in the leader case)
    doomed = plain_nodes(filler, election, k)
    saboteur = RemoteSaboteur(world.sandbox, racer_zk, killer, doomed, at_once=case == "several")
    racer = world.candidate(RECIPE, saboteur, election, label="the racing candidate")
    what = RACES[case].format(k=k)
    start_racer(world, racer, f"{what} vanished")
    expect_provoked(saboteur)
    deleted = expect_really_deleted(world, election, saboteur, doomed, "the racer")
    after = (f"The racer read the children; just after, before it could set its watch, "
             f"{what} vanished ({', '.join(deleted)}). ")
    racer_sid = racer_zk.session_id
    if case == "leader":
        if not wait_until(lambda: racer.is_leader, 3):
            a = racer.attrs("is_leader", "watching")
            flags = racer.elected_flags
            raise CheckFailure(
                after + f"Its node is now first: it should lead within 3 s, but is_leader is "
                f"{a['is_leader']!r} (watching={a['watching']!r}). "
                + (f"Yet its on_elected was called {times(len(flags))}: it was told it leads, "
                   "then is_leader was set back to False. Look at what your code does after the "
                   "call that handled NoNodeError returns (a recursive call's decision undone by "
                   "its caller)." if flags else
                   "When setting the watch raises NoNodeError, read the children again: you "
                   "may now be first."))
        expect_single_leader(world, [racer], racer, 1, after=after)
        expect(wait_until(lambda: racer.elected_flags, 2),
               after + "The racer leads (is_leader is True) but its on_elected was never called.")
        flags = racer.elected_flags
        expect(flags == [True],
               after + (f"The racer leads, and its on_elected was called {len(flags)} times; "
                        "expected once." if len(flags) != 1 else
                        "The racer's on_elected was called while its is_leader was still False: "
                        "set is_leader = True before calling on_elected."))
        if not wait_until(lambda: racer.watching is None, 2):
            raise CheckFailure(after + f"The racer leads, so `watching` should be None; it is "
                                       f"{racer.watching!r}.")
        expect_watches(world, racer_sid, set(), "the racer, which now leads", context=after)
        return
    leader_node = leader.node
    expect_single_leader(world, [leader, racer], leader, 3, after=after,
                         gone_seq=max(seq(d) for d in doomed))
    if not wait_until(lambda: racer.watching == leader_node, 3):
        raise CheckFailure(after + f"The racer should now watch {leader_node} (the leader's node, "
                                   f"just before its own); watching is {racer.watching!r}.")
    expect(not racer.elected_flags,
           after + "The racer was told it leads (on_elected called) though the leader's node is "
                   "still there: read the children again before deciding.")
    expect_watches(world, racer_sid, {server_path(world, leader_node)}, "the racer", context=after)


def test_vanished_predecessors_race_inside_the_watch_callback(world, election, rng):
    """The watch fires; each time the racer reads the children again, the node before its
    own vanishes before it can set its next watch, one after another."""
    k = rng.randint(2, 4)
    leader_zk, racer_zk, killer, late_real = world.clients(4)
    filler = world.grader_client()
    leader = world.candidate(RECIPE, leader_zk, election, label="the first candidate")
    leader.start()
    racer = world.candidate(RECIPE, racer_zk, election, label="the second candidate")
    racer.start()
    expect_single_leader(world, [leader, racer], leader, 5)
    more = plain_nodes(filler, election, k + 1)
    late_saboteur = RemoteSaboteur(world.sandbox, late_real, killer, [])
    late = world.candidate(RECIPE, late_saboteur, election, label="the late racer")
    late.start()
    last = f"{election}/{more[-1]}"
    if not wait_until(lambda: late.watching == last, 3):
        raise CheckFailure(f"The late racer should watch {last} (the node before it); watching "
                           f"is {late.watching!r}.")
    late_saboteur.state(doomed=more[:-1])
    filler.delete(last)          # its watch fires; each re-read of the children loses one more node
    everyone = [leader, racer, late]
    racer_node = racer.node
    if not wait_until(lambda: late.watching == racer_node, 3):
        raise CheckFailure(
            f"The nodes before the late racer vanished one after another, each just after it read "
            f"the children (inside its watch callback); it should end up watching {racer_node}; "
            f"watching is {late.watching!r}.")
    expect_really_deleted(world, election, late_saboteur, more[:-1], "the late racer")
    expect_single_leader(world, everyone, leader, 1, after="Nodes before the late racer vanished. ")
    late_sid = late_real.session_id
    expect_watches(world, late_sid, {server_path(world, racer_node)}, "the late racer",
                   context="Nodes before the late racer vanished one after another. ")
    leader.resign()
    expect_single_leader(world, everyone, racer, 3, after="Then the leader resigned. ")
    racer.resign()
    expect_single_leader(world, everyone, late, 3, after="Then the next leader resigned too. ")
    expect_watches(world, late_sid, set(), "the late racer, which now leads",
                   context="The late racer leads. ")
