"""Candidates that join one at a time, beginning with one alone (labs 3, 4 and 5).

Every other election check starts five or more candidates at once, and a
candidate whose ``start()`` only waits for the children to change before it
decides is woken by the next one's join: it passes them all. Here a candidate
starts alone and must lead with nobody to wake it, and later candidates join
one at a time with the election quiet in between (``World.quiesce``): after
each join the first still leads, alone, and ``on_elected`` has been called once,
on the first only.

A candidate may decide in a thread of its own after ``start()`` returns (kazoo's
``Lock`` does): every judgement waits, with a deadline, for the newcomer's own
decision and for the state to settle, rather than sampling it once.
"""
from __future__ import annotations

from harness.recipe import ELECTION
from harness.waits import wait_until
from harness.world.diagnoses import name
from harness.world.elections import clients_of, exists, seq
from harness.world.verdicts import CheckFailure, expect

LEAD_DEADLINE = 3.0          # a lone candidate leads within ms; a wrong one never does
DECIDE_DEADLINE = 3.0        # a newcomer reports what it watches within ms
SETTLE = 1.0                 # a state that is wrong must stay wrong this long to fail


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _elected_problem(label: str, flags: list, revoked: int | None) -> str | None:
    """What is wrong with the calls the leader's callbacks saw, in terms of the calls."""
    if len(flags) != 1:
        return (f"on_elected of {label} was called {times(len(flags))}; it became leader once "
                "and nothing changed for it since, so on_elected should have been called exactly "
                "once. Call it only when is_leader changes from False to True"
                + (" (not each time you look at the children)." if flags else "."))
    if flags != [True]:
        return (f"on_elected of {label} was called once, but inside the call is_leader was "
                f"{flags[0]!r}: set is_leader = True before calling on_elected.")
    if revoked:
        return (f"on_revoked of {label} was called {times(revoked)}, though its connection never "
                "wavered and it never stopped leading.")
    return None


def _revoked(cand, callbacks) -> int | None:
    return cand.revoked if "on_revoked" in callbacks else None


def expect_lone_candidate_leads(world, cls: str, callbacks=("on_elected",),
                                path: str = ELECTION) -> None:
    """One candidate, alone in the election: it leads, on_elected once, watching None."""
    zk = world.client()
    cand = world.candidate(cls, zk, path, label="the lone candidate", callbacks=callbacks)
    cand.start()
    node = cand.node
    found = exists(world, node) is not None
    if not found:
        world.unless_broken_beneath(zk, f"the lone candidate's node {node!r} is gone")
    expect(found,
           f"After start() returned, the lone candidate's node should exist; node is {node!r} "
           "and ZooKeeper has no such znode. start() must return only once the node exists.")
    if not wait_until(lambda: cand.is_leader, LEAD_DEADLINE):
        a = cand.attrs("is_leader", "watching")
        flags = cand.elected_flags
        world.observer.sync(path)
        children = sorted(world.observer.get_children(path))
        told = (f" Yet its on_elected was called {times(len(flags))}: it was told it leads, "
                "and then is_leader was set back to False. Look at what your code does after "
                "the call that decided to lead returns." if flags else "")
        hint = ("" if flags else
                " Nobody else will join, so no watch will ever fire: decide right after creating "
                "your node (read the children and lead if yours is first), not only once the "
                "children change.")
        raise CheckFailure(
            f"A candidate alone in the election should lead: its node {node.rsplit('/', 1)[1]} "
            f"is the only child (the server lists {children}), but within {LEAD_DEADLINE:.0f} s "
            f"of start() its is_leader stayed {a['is_leader']!r} (watching={a['watching']!r})."
            + told + hint)
    world.quiesce([zk])
    expect(wait_until(lambda: cand.elected_flags, 2),
           "The lone candidate leads (is_leader is True) but its on_elected was never called.")
    problem = _elected_problem("the lone candidate", cand.elected_flags, _revoked(cand, callbacks))
    expect(problem is None, problem)
    if not wait_until(lambda: cand.attrs("is_leader", "watching") == {"is_leader": True,
                                                                      "watching": None}, 2):
        a = cand.attrs("is_leader", "watching")
        expect(a["is_leader"], "The lone candidate led, then stopped leading (is_leader became "
                               "False) though nothing changed in the election.")
        raise CheckFailure(f"The lone candidate leads, so `watching` should be None; it is "
                           f"{a['watching']!r}.")


def expect_quiet_joins(world, cls: str, n: int, rng, waits_on, callbacks=("on_elected",),
                       share_clients: bool = True, path: str = ELECTION) -> None:
    """``n`` candidates join one at a time, each once the election is quiet.

    ``waits_on(path, order, i)``: what candidate i (0-based, in join order)
    should report as ``watching`` once it has decided not to lead.
    """
    cands, zks = [], []
    for i in range(n):
        if share_clients and zks and rng.random() < 0.4:
            zk = rng.choice(zks)                     # some candidates share a client
        else:
            zk = world.client()
            zks.append(zk)
        cand = world.candidate(cls, zk, path, label=f"candidate #{i + 1}", callbacks=callbacks)
        cand.start()
        cands.append(cand)
        first, newcomer = cands[0], cand
        joined = (f"Candidates joined one at a time, the election quiet in between; "
                  f"{newcomer.label} has just joined. ")
        if i == 0:
            expect(wait_until(lambda: first.is_leader, LEAD_DEADLINE),
                   f"{first.label} joined an empty election and should lead; within "
                   f"{LEAD_DEADLINE:.0f} s of start() its is_leader stayed False. Decide right "
                   "after creating your node; no watch fires while you are alone.")
        else:
            want = waits_on(path, cands, i)

            def decided(c=newcomer, want=want):
                a = c.attrs("is_leader", "watching")
                return a["is_leader"] or a["watching"] == want
            if not wait_until(decided, DECIDE_DEADLINE):
                a = newcomer.attrs("is_leader", "watching")
                raise CheckFailure(_watches_instead(joined, cands, newcomer, want,
                                                    a["watching"]))
        world.quiesce(clients_of(cands))

        def problems():
            out = []
            leading = [c for c in cands if c.is_leader]
            if leading != [first]:
                out.append(f"is_leader is True for {[c.label for c in leading] or 'nobody'}; "
                           f"expected {first.label} alone (its node is first: "
                           f"{_numbers(cands)})")
            return out
        if wait_until(lambda: not problems(), SETTLE) is None:
            now = problems()
            advice = (f" A node that joins behind yours changes nothing for you: "
                      f"{first.label} keeps leading, the newcomer waits."
                      if i else "")
            raise CheckFailure(joined + "; ".join(now) + "." + advice)
        world.quiesce(clients_of(cands))
        problem = _elected_problem(first.label, first.elected_flags, _revoked(first, callbacks))
        if problem is not None:
            raise CheckFailure(joined + problem)
        others = [c.label for c in cands[1:] if c.elected_flags]
        expect(not others,
               f"{joined}on_elected was called for {others}, which never led: call on_elected "
               "only once is_leader is True.")


def _watches_instead(joined, cands, newcomer, want, watching) -> str:
    """What the newcomer should report watching, and what it does, by candidate where the
    paths are candidates' nodes (as the live view names them), else by path. Watching the
    leader is named first: the score table shows a row's first words only."""
    by_node = {c.node: c for c in cands}
    should, does = by_node.get(want), by_node.get(watching)
    if should is None or does is None:
        return (f"{joined}It does not lead, so it should report watching={want!r}; within "
                f"{DECIDE_DEADLINE:.0f} s of start() it reports {watching!r}.")
    if does is cands[0] and should is not cands[0]:
        return (f"You watch the leader: {joined}It does not lead, and within "
                f"{DECIDE_DEADLINE:.0f} s of start() it reports watching {name(does)}, the "
                f"leader; it should watch {name(should)}, the one just before it. When the "
                "leader goes, every candidate wakes at once (the herd of lab 3). Watch only "
                "the node just before yours (your predecessor), found with lab 2's "
                "predecessor().")
    return (f"{joined}It does not lead, so {name(newcomer)} should watch {name(should)}, the "
            f"one just before it; within {DECIDE_DEADLINE:.0f} s of start() it reports "
            f"watching {name(does)}.")


def _numbers(cands) -> str:
    parts = []
    for c in cands:
        try:
            parts.append(f"{c.label} seq {seq(c.node)}")
        except CheckFailure:
            parts.append(f"{c.label} node {c.node!r}")
    return ", ".join(parts)


def waits_on_children(path, order, i):
    """Lab 3: a herd candidate reports the election path."""
    return path


def waits_on_predecessor(path, order, i):
    """Labs 4 and 5: the node of the candidate that joined just before."""
    return order[i - 1].node
