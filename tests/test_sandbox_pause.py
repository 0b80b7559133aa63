"""A frozen leader: its process stops (SIGSTOP) for longer than its session timeout.

Three ResilientCandidates from solutions/, each in a sandbox process of its own
(``world.new_sandbox``), each on a client with a 2 s session. The leader's
process is frozen: it cannot answer the servers' heartbeats, so the servers
expire its session and delete its node, and the next candidate leads, while
the frozen one still holds ``is_leader = True`` in its memory. When its process
is continued (SIGCONT), its client learns that the session expired; it must
step down (``is_leader`` False, ``on_revoked`` called) and take part again with
a new node at the back of the line.

Between the continuation and the step-down there are two leaders by their own
account: ZooKeeper alone cannot prevent that (a paused process cannot know
that time passed). The invariant checker excuses it as an expiry behind the
leader's back, until its client hears of it; fencing the paused leader's
writes is what a later lab builds on this test.
"""
from __future__ import annotations

import time

import pytest

from harness.waits import holds_for, wait_until
from harness.world.recorder import ElectionRecorder, leaders_among
from harness.world.timeline import check_election, explain

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ELECTION = "/election"
SESSION_TIMEOUT = 2.0


def number(path):
    return int(path.rpartition("-n_")[2])


def test_a_leader_paused_past_its_session_steps_down_once_continued(solved_world):
    world = solved_world
    rec = ElectionRecorder()
    sandboxes, zks, cands = {}, {}, {}
    for i in range(3):
        name = f"c{i}"
        sandboxes[name] = sb = world.new_sandbox(f"sandbox {name}")
        zks[name] = zk = world.client(timeout=SESSION_TIMEOUT, sandbox=sb, label=name)
        cands[name] = cand = rec.add(world.candidate(
            "ResilientCandidate", zk, ELECTION, label=name, callbacks=("on_elected", "on_revoked")))
        cand.start()
        if i == 0:
            assert wait_until(lambda: cand.is_leader, 5), "the first candidate never led"
    assert len({sb.info["pid"] for sb in sandboxes.values()}) == 3, "not three processes"
    c0, c1, c2 = cands["c0"], cands["c1"], cands["c2"]
    assert holds_for(lambda: leaders_among(cands) == ["c0"], 0.3), leaders_among(cands)
    old_session, old_node = zks["c0"].session_id, c0.node
    c2_node = c2.node
    observer = world.observer

    # --- freeze the leader's process: its session runs out on the servers -----------
    rec.mark("SIGSTOP c0's process: its session will expire behind its back", "c0")
    paused = time.monotonic()
    sandboxes["c0"].pause()
    others = {"c1": c1, "c2": c2}       # only these may be asked anything while c0 is frozen

    def node_gone():
        observer.sync(ELECTION)
        return observer.exists(old_node) is None

    assert wait_until(node_gone, SESSION_TIMEOUT + 3), (
        f"c0's process has been frozen {time.monotonic() - paused:.1f} s, yet its node "
        f"{old_node} is still there (session 0x{old_session:x} did not expire)")
    assert wait_until(lambda: leaders_among(others) == ["c1"], 2), (
        f"c0's node went with its session, but the next in line did not lead "
        f"(leaders among the others: {leaders_among(others)})")
    elected = time.monotonic()
    assert holds_for(lambda: leaders_among(others) == ["c1"], 0.5), leaders_among(others)
    frozen_claims = [e for e in rec.timeline() if e.who == "c0" and e.t > paused]
    assert not frozen_claims, f"a frozen process reported something: {frozen_claims}"
    assert c0.revoked == 0, "c0 was revoked while its process was frozen?"
    time.sleep(max(0.0, paused + SESSION_TIMEOUT + 0.2 - time.monotonic()))   # past its timeout

    # --- continue it: it learns its session expired, steps down, takes part again ------
    rec.mark("SIGCONT c0's process", "c0")
    resumed = time.monotonic()
    sandboxes["c0"].resume()
    assert wait_until(lambda: not c0.is_leader, 3), (
        "c0's process was continued and its session had expired, but it still claims "
        f"to lead {time.monotonic() - resumed:.1f} s later (states since: "
        f"{zks['c0'].states(since=resumed)})")
    assert wait_until(lambda: c0.revoked >= 1, 1), "c0 stepped down without on_revoked()"
    assert wait_until(lambda: "LOST" in zks["c0"].states(since=resumed), 3), (
        f"c0's client never reported LOST after it was continued: "
        f"{zks['c0'].states(since=resumed)}")

    def rejoined():
        info = zks["c0"].info()
        sid = info.get("session_id")
        if not (info.get("connected") and sid is not None and sid != old_session):
            return False
        seen = c0.attrs("node", "watching")
        if not seen["node"] or seen["node"] == old_node or seen["watching"] != c2_node:
            return False
        observer.sync(ELECTION)
        stat = observer.exists(seen["node"])
        return stat is not None and stat.ephemeralOwner == sid and seen["node"]

    node = wait_until(rejoined, 6)
    assert node, (f"c0 did not take part again with a node of its new session behind c2 "
                  f"(node={c0.node!r}, watching={c0.watching!r}, c2's node={c2_node!r}, "
                  f"states: {zks['c0'].states(since=resumed)})")
    observer.sync(ELECTION)
    children = observer.get_children(ELECTION)
    assert number(node) == max(number(c) for c in children), (node, children)
    assert holds_for(lambda: leaders_among(cands) == ["c1"], 0.5), leaders_among(cands)

    rec.stop()
    timeline = rec.timeline()
    stepped = next(e.t for e in timeline if e.who == "c0" and e.kind == "leader"
                   and e.value is False and e.t >= resumed)
    heard = next(e for e in timeline if e.who == "c0" and e.kind == "state" and e.t >= resumed)
    print(f"c0 paused {resumed - paused:.2f} s; new leader {elected - paused:.2f} s after the "
          f"pause; after SIGCONT c0 heard {heard.value} at +{(heard.t - resumed) * 1000:.0f} ms "
          f"and stepped down at +{(stepped - resumed) * 1000:.0f} ms")
    problems = check_election(rec)
    assert not problems, explain(rec, problems)
    # the overlap was real, and excused only as an expiry behind c0's back
    c1_led = next(e.t for e in timeline if e.who == "c1" and e.kind == "leader" and e.value)
    assert c1_led < stepped, "c1 led only after c0 stepped down: no frozen leader to excuse?"
