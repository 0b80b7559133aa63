"""Lab 5: when the leader's session expires, the next candidate leads and the old one rejoins."""
import time

from harness.checkkit import expect, holds_for, wait_until
from harness.invariants import ElectionRecorder, check_election, explain

ELECTION = "/election"
SESSION_TIMEOUT = 2.0


def number(path):
    return int(path.rpartition("-n_")[2])


def test_an_expired_leader_gives_way_and_takes_part_again(lab, clients, ensemble):
    rec = ElectionRecorder().start()
    zks = clients(3, timeout=SESSION_TIMEOUT)
    cands, tracks = [], []
    for i, zk in enumerate(zks):
        track = rec.add(f"c{i}", zk)
        cand = lab.ResilientCandidate(zk, ELECTION, on_elected=track.on_elected,
                                      on_revoked=track.on_revoked)
        track.follow(cand)
        cand.start()
        cands.append(cand)
        tracks.append(track)
        if i == 0:
            expect(wait_until(lambda: cand.is_leader, 5), "The first candidate never led.")
    c0, c1, c2 = cands
    old_session, old_node = zks[0].client_id[0], c0.node
    rec.mark("expire c0's session", "c0")
    fault = time.monotonic()
    ensemble.expire_session(zks[0])          # the servers end c0's session, for real
    led = wait_until(lambda: c1.is_leader, max(0.0, fault + SESSION_TIMEOUT + 0.5 - time.monotonic()))
    expect(led, f"The leader's session expired, so its node is gone; the next candidate should "
                f"lead within the session timeout + 0.5 s ({SESSION_TIMEOUT + 0.5:.1f} s), but "
                f"it did not.")
    expect(wait_until(lambda: not c0.is_leader, 0.5),
           "The old leader's session expired (kazoo reported LOST) but its is_leader is still "
           "True. Step down in the state listener on LOST.")
    expect(wait_until(lambda: tracks[0].revoked >= 1, 1.0),
           "The old leader's session expired but on_revoked() was never called.")

    def rejoined():
        cid = zks[0].client_id
        if not (zks[0].connected and cid and cid[0] != old_session and c0.node
                and c0.node != old_node):
            return False
        stat = zks[1].exists(c0.node)
        return stat is not None and stat.ephemeralOwner == cid[0]

    expect(wait_until(rejoined, 5),
           f"After its session expired, the old leader did not take part again with a new node "
           f"of its new session within 5 s (node={c0.node!r}, old node={old_node!r}). When "
           f"kazoo reports CONNECTED with a new session, volunteer again.")
    children = zks[1].get_children(ELECTION)
    mine = c0.node.rsplit("/", 1)[1]
    expect(number(mine) == max(number(c) for c in children),
           f"The old leader's new node {mine} should be at the back of the line "
           f"(children: {sorted(children, key=number)}).")
    expect(wait_until(lambda: c0.watching == c2.node, 2),
           f"The old leader, now last, should watch the node just before its own ({c2.node}); "
           f"it watches {c0.watching!r}.")
    expect(holds_for(lambda: c1.is_leader and not c0.is_leader and not c2.is_leader, 0.3),
           "After the old leader came back there was not exactly one leader.")
    rec.stop()
    problems = check_election(rec)
    expect(not problems, "Two candidates led at once, or one led while disconnected:\n"
           + explain(rec, problems))
