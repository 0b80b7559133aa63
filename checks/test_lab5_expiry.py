"""Lab 5: when the leader's session expires, the next candidate leads and the old one rejoins.

The candidates run in the learner's sandbox (``world.candidate``); the grader
reads the election's nodes through its own client (``world.observer``).
"""
import time

from harness.ensemble import EnsembleError
from harness.recipe import ELECTION, SESSION_TIMEOUT
from harness.recipe import sequence_of as number
from harness.waits import holds_for, wait_until
from harness.world.recorder import ElectionRecorder
from harness.world.verdicts import CheckFailure, expect


def test_an_expired_leader_gives_way_and_takes_part_again(world):
    rec = ElectionRecorder()
    zks = world.clients(3, timeout=SESSION_TIMEOUT)
    cands = []
    for i, zk in enumerate(zks):
        cand = rec.add(world.candidate("ResilientCandidate", zk, ELECTION, label=f"c{i}",
                                       callbacks=("on_elected", "on_revoked")))
        cand.start()
        cands.append(cand)
        if i == 0:
            expect(wait_until(lambda: cand.is_leader, 5),
                   "The first candidate, alone in the election, never led (within 5 s of "
                   "start()). Nobody else will join before it leads, so no watch will fire: "
                   "decide right after creating your node (read the children and lead if "
                   "yours is first), not only once the children change.")
    c0, c1, c2 = cands
    observer = world.observer
    old_session, old_node = zks[0].session_id, c0.node
    rec.mark("expire c0's session", "c0")
    fault = time.monotonic()
    try:
        world.expire(zks[0])                 # the servers end c0's session, for real
    except EnsembleError:
        observer.sync(ELECTION)
        if (observer.exists(old_node) is not None
                or world.ensemble.server_of(old_session) is not None):
            raise                            # the servers kept the session: infrastructure
        # The servers did end it (its node is gone), but its client never said so.
        raise CheckFailure(
            f"The leader's session 0x{old_session:x} ended on the servers (its node "
            f"{old_node} is gone), but its client did not report LOST within 10 s: kazoo's "
            f"connection thread is stuck. Look for a ZooKeeper call, or a wait, inside the "
            f"state listener (it runs on that thread); the listener must only wake your "
            f"worker. (client states since the fault: {zks[0].states(since=fault)})") from None
    led = wait_until(lambda: c1.is_leader, max(0.0, fault + SESSION_TIMEOUT + 0.5 - time.monotonic()))
    expect(led, f"The leader's session expired, so its node is gone; the next candidate should "
                f"lead within the session timeout + 0.5 s ({SESSION_TIMEOUT + 0.5:.1f} s), but "
                f"it did not.")
    expect(wait_until(lambda: not c0.is_leader, 0.5),
           "The old leader's session expired (kazoo reported LOST) but its is_leader is still "
           "True. Step down in the state listener on LOST.")
    expect(wait_until(lambda: c0.revoked >= 1, 1.0),
           "The old leader's session expired but on_revoked() was never called.")

    def rejoined():
        info = zks[0].info()
        sid = info.get("session_id")
        if not (info.get("connected") and sid is not None and sid != old_session):
            return False
        node = c0.node
        if not node or node == old_node:
            return False
        observer.sync(ELECTION)
        stat = observer.exists(node)
        return stat is not None and stat.ephemeralOwner == sid

    if not wait_until(rejoined, 5):
        raise CheckFailure(
            f"After its session expired, the old leader did not take part again with a new "
            f"node of its new session within 5 s (node={c0.node!r}, old node={old_node!r})."
            + (world.stuck_in_listener() or " When kazoo reports CONNECTED with a new "
               "session, volunteer again."))
    observer.sync(ELECTION)
    children = observer.get_children(ELECTION)
    mine = c0.node.rsplit("/", 1)[1]
    expect(number(mine) == max(number(c) for c in children),
           f"The old leader's new node {mine} should be at the back of the line "
           f"(children: {sorted(children, key=number)}).")
    c2_node = c2.node
    expect(wait_until(lambda: c0.watching == c2_node, 2),
           f"The old leader, now last, should watch the node just before its own ({c2_node}); "
           f"it watches {c0.watching!r}.")
    expect(holds_for(lambda: c1.is_leader and not c0.is_leader and not c2.is_leader, 0.3),
           "After the old leader came back there was not exactly one leader.")
    world.judge(rec)
