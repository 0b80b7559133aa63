"""The ensemble-control API against the real ensemble: faults are real."""
import threading

import pytest
from kazoo.client import KazooState
from kazoo.retry import KazooRetry

from harness.ensemble import RECONNECT
from harness.waits import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]


def states_of(client):
    seen = []
    client.add_listener(lambda s: seen.append(s))
    return seen


def test_status_names_one_leader_and_two_followers(faults):
    modes = faults.modes()
    assert sorted(modes.values()) == ["follower", "follower", "leader"]
    assert faults.leader() == next(i for i, m in modes.items() if m == "leader")
    assert "Mode:" in faults.fourlw(1, "srvr")


def test_killing_one_server_keeps_a_quorum_serving(faults, clients):
    zk = clients()
    victim = faults.leader()
    faults.kill(victim)
    assert faults.mode(victim) == "down"
    faults.wait_for_quorum(timeout=20)
    retry = KazooRetry(max_tries=-1, deadline=15)
    retry(zk.create, "/after-kill", b"ok")
    assert zk.get("/after-kill")[0] == b"ok"
    faults.start(victim)
    faults.wait_all_serving()


def test_killing_two_servers_stops_writes_and_starting_them_restores(faults, clients):
    zk = clients(timeout=4.0)
    seen = states_of(zk)
    survivor = faults.server_of(zk.client_id[0])
    others = [i for i in (1, 2, 3) if i != survivor]
    for i in others:
        faults.kill(i)
    assert wait_until(lambda: KazooState.SUSPENDED in seen, 10), "the client never saw SUSPENDED"
    pending = zk.create_async("/no-quorum", b"")
    with pytest.raises(Exception):          # no quorum: the write cannot complete
        pending.get(timeout=3)
    assert not faults.has_quorum()
    for i in others:
        faults.start(i)
    faults.wait_all_serving()
    retry = KazooRetry(max_tries=-1, deadline=15)
    retry(zk.create, "/quorum-back", b"")
    assert zk.exists("/quorum-back")


def test_real_session_expiry_removes_only_that_sessions_ephemeral_nodes(faults, clients):
    doomed, bystander = clients(2)
    doomed.create("/doomed", ephemeral=True)
    bystander.create("/bystander", ephemeral=True)
    old_session = doomed.client_id[0]
    lost = threading.Event()
    doomed.add_listener(lambda s: lost.set() if s == KazooState.LOST else None)
    faults.expire_session(doomed)
    assert lost.is_set(), "the expired client never saw LOST"
    assert bystander.exists("/doomed") is None, "the server should have deleted the expired session's node"
    assert bystander.exists("/bystander") is not None
    assert wait_until(lambda: doomed.connected and doomed.client_id[0] != old_session, 10), \
        "kazoo should have opened a new session"


def test_pause_and_resume(faults, clients):
    # A 6 s session outlives what freezing the ZAB leader costs (2 s until the
    # followers drop it, an election, a reconnect). CI once saw a 2 s session
    # expire in that gap, and an expired session has nothing left to move.
    zk = clients(timeout=6.0, connection_retry=RECONNECT)
    seen = states_of(zk)
    sid = zk.client_id[0]
    home = faults.server_of(sid)
    faults.pause(home)
    try:
        assert faults.mode(home) == "paused"
        # The client notices the frozen server and moves its session elsewhere.
        assert wait_until(lambda: KazooState.SUSPENDED in seen and zk.connected, 20), \
            (f"the client did not reconnect after zoo{home} froze (states seen: {seen}, state now "
             f"{zk.state}, cons places the session on {faults.server_of(sid)}, modes {faults.modes()})")
        assert KazooState.LOST not in seen, "the session expired instead of moving"
        assert zk.client_id[0] == sid, "the session should have survived the move"
        assert wait_until(lambda: faults.server_of(sid) not in (None, home), 10), \
            f"the session is not on another server (cons places it on {faults.server_of(sid)})"
    finally:
        faults.resume(home)
    faults.wait_all_serving()
    assert faults.mode(home) in ("leader", "follower")


def test_a_killed_server_carrying_sessions_restarts_at_once(faults, clients):
    # CI once saw "port 2182 is taken" here: the JVM's main thread was a zombie
    # while its other threads (and sockets) were still going away.
    for _ in range(3):
        clients()
    victim = faults.server_of(clients().client_id[0])
    for _ in range(5):
        faults.kill(victim)
        faults.start(victim)
        faults.wait_all_serving()
