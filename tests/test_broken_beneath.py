"""What went missing beneath a check is no evidence against the learner.

Where a check has broken nothing yet, a node found missing with a client whose
connection broke and came back (or whose session kazoo had to replace) went
with the ensemble's trouble, not the learner's code: ``World.unless_broken_beneath``
says so as an infrastructure error. These tests break real connections (a
FaultProxy's closed socket, a real expiry on the servers) under a sandbox client
and prove that it tells them apart from a client left alone or one the code
stopped itself. And a node the grader's observer misses is asked of every
server (``World.node_stat``, ``World.children``) before it is called missing.
"""
import pytest

from harness.ensemble import EnsembleError
from harness.waits import wait_until

pytestmark = pytest.mark.timeout(60)


def test_a_client_left_alone_did_not_break(solved_world):
    zk = solved_world.client(label="calm")
    assert zk.broke_by_itself() is None
    solved_world.unless_broken_beneath(zk, "its node is gone", settle=0.5)   # says nothing


def test_a_client_the_code_stopped_did_not_break_by_itself(solved_world):
    zk = solved_world.client(label="stopped")
    zk.stop()
    assert wait_until(lambda: "LOST" in zk.states(), 5), zk.states()
    assert zk.broke_by_itself() is None
    solved_world.unless_broken_beneath(zk, "its node is gone", settle=0.5)


def test_a_cut_link_that_came_back_broke_by_itself(solved_world):
    zk = solved_world.client(proxied=True, label="cut")
    zk.proxy.cut()
    assert wait_until(lambda: "SUSPENDED" in zk.states(), 5), zk.states()
    assert not zk.connected and zk.broke_by_itself() is None     # broken, not back yet
    zk.proxy.heal()
    why = wait_until(zk.broke_by_itself, 5)
    assert why and "connection broke (SUSPENDED) and came back" in why, why
    with pytest.raises(EnsembleError, match="its node is gone: cut's connection broke"):
        solved_world.unless_broken_beneath(zk, "its node is gone")


def test_a_session_expired_and_replaced_broke_by_itself(solved_world, ensemble):
    zk = solved_world.client(label="expired")
    first = zk.session_id
    ensemble.expire_session(zk)
    assert wait_until(lambda: zk.connected and zk.session_id not in (None, first), 10)
    why = zk.broke_by_itself()
    assert why and f"session 0x{first:x} expired beneath it" in why, why


def test_a_node_the_observer_misses_is_asked_of_every_server(solved_world, monkeypatch):
    world = solved_world
    world.grader_client().create("/held", b"")
    assert world.node_stat("/held") is not None and not world.notes
    # the observer's read comes back stale, as it did once in a while in a class graded
    # eight at a time: every server is asked, through clients of the grader's own
    monkeypatch.setattr(world.observer, "exists", lambda path, watch=None: None)
    monkeypatch.setattr(world.observer, "get_children", lambda path, **kw: [])
    assert world.node_stat("/held") is not None
    assert "the observer missed the node /held, which zoo" in world.notes[-1]
    assert world.children("/", lambda names: "held" in names) == ["held"]
    assert world.node_stat("/nowhere") is None
    assert world.children("/", lambda names: "nowhere" in names) == []


def _quiesce_across_a_dropped_link(world, zk):
    """world.quiesce([zk]) while zk's link stalls, is closed (the pending sync meets
    ConnectionLoss) and comes back: what a server overloaded beside the grader does."""
    import threading
    zk.proxy.hold()
    threading.Timer(0.5, zk.proxy.cut).start()
    threading.Timer(1.0, zk.proxy.heal).start()
    world.quiesce([zk])


def test_a_sync_lost_with_a_connection_that_came_back_is_no_verdict(solved_world):
    """CI lost an honest lab 4 mark to 'could not sync ... (ConnectionLoss)' beside floods:
    with no fault of the check's and a submission that pressed on nothing, the break is
    the ensemble's."""
    zk = solved_world.client(proxied=True, label="dropped")
    with pytest.raises(EnsembleError, match="could not sync .*dropped's connection broke"):
        _quiesce_across_a_dropped_link(solved_world, zk)


def test_a_sync_lost_after_the_checks_own_fault_stays_a_verdict(solved_world):
    from harness.world.verdicts import CheckFailure
    zk = solved_world.client(proxied=True, label="held")
    solved_world.hold(zk)                       # the check's own fault: world.faulted
    solved_world.heal(zk)
    with pytest.raises(CheckFailure, match="could not sync"):
        _quiesce_across_a_dropped_link(solved_world, zk)


def test_a_sync_lost_by_a_submission_that_pressed_its_limits_stays_a_verdict(solved_world):
    """A flood's own load may be what dropped its connection: no excuse for it."""
    from harness.world.verdicts import CheckFailure
    zk = solved_world.client(proxied=True, label="flooder")
    solved_world.grading.quota_reached.append("a check: 4000 nodes, 9000000 bytes")
    assert solved_world.grading.pressed()
    with pytest.raises(CheckFailure, match="could not sync"):
        _quiesce_across_a_dropped_link(solved_world, zk)
