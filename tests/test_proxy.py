"""The fault proxy against the real ensemble: each fault does what it says."""
import socket
import threading
import time

import pytest
from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import ConnectionLoss

from harness.ensemble.proxy import FaultProxy
from harness.waits import wait_until


class States:
    """Records a client's state changes with their times."""

    def __init__(self, client):
        self.seen = []
        self.changed = threading.Condition()
        client.add_listener(self)

    def __call__(self, state):
        with self.changed:
            self.seen.append((time.monotonic(), state))
            self.changed.notify_all()

    def wait_for(self, state, after=0.0, timeout=10.0):
        with self.changed:
            return self.changed.wait_for(
                lambda: any(s == state and t >= after for t, s in self.seen), timeout)


@pytest.fixture
def proxy():
    p = FaultProxy()
    yield p
    p.close()


@pytest.fixture
def proxied(ensemble, namespace, proxy):
    """A started client whose only way to the ensemble is the proxy."""
    c = KazooClient(hosts=proxy.hosts(namespace), timeout=2.0)
    states = States(c)
    c.start(timeout=15)
    yield c, states
    c.stop()
    c.close()


def test_proxy_forwards_and_reports_its_address(proxied, proxy, clients):
    c, _ = proxied
    c.create("/through-proxy", b"hello")
    assert clients().get("/through-proxy")[0] == b"hello"
    assert proxy.hosts("/x") == proxy.address + "/x"
    assert proxy.address.startswith("127.0.0.1:") and proxy.links == 1


def test_cut_suspends_and_heal_reconnects_with_the_same_session(proxied, proxy):
    c, states = proxied
    session = c.client_id[0]
    t0 = time.monotonic()
    proxy.cut()
    assert states.wait_for(KazooState.SUSPENDED, after=t0, timeout=2), states.seen
    assert time.monotonic() - t0 < 1.0, "a cut closes the sockets: the client notices at once"
    # while cut, new connections are refused: the client stays suspended
    assert wait_until(lambda: c.state != KazooState.SUSPENDED, 0.7) is None
    t1 = time.monotonic()
    proxy.heal()
    assert states.wait_for(KazooState.CONNECTED, after=t1, timeout=5), states.seen
    assert c.client_id[0] == session
    assert c.get_children("/") is not None


def test_hold_stalls_until_heal(proxied, proxy):
    c, states = proxied
    session = c.client_id[0]
    c.create("/held", b"")
    t0 = time.monotonic()
    proxy.hold()
    result = c.exists_async("/held")
    # nothing comes back while held: the request is stuck in the proxy
    assert not result.wait(0.4)
    # after about 2/3 of the 2 s session timeout the client gives the connection up
    assert states.wait_for(KazooState.SUSPENDED, after=t0, timeout=3), states.seen
    assert 0.5 < time.monotonic() - t0 < 2.5
    t1 = time.monotonic()
    proxy.heal()
    assert states.wait_for(KazooState.CONNECTED, after=t1, timeout=5), states.seen
    assert c.client_id[0] == session, "healed before the session timeout: same session"


def test_a_request_held_when_the_link_is_cut_never_reaches_a_server(ensemble, namespace,
                                                                     proxy, clients,
                                                                     monkeypatch):
    """cut() during a hold drops what was held: a delete kazoo already failed with
    ConnectionLoss must not be carried out after all once the proxy heals (lab 5's
    resign check relies on it). cut() wakes the held pumps before it closes their
    links; the closing is slowed here so that a pump that woke up and forwarded
    would be caught every time, not once in a while."""
    import harness.ensemble.proxy as proxy_module
    close = proxy_module.Link.close

    def slow_close(link, **kwargs):
        time.sleep(0.3)
        close(link, **kwargs)

    monkeypatch.setattr(proxy_module.Link, "close", slow_close)
    c = KazooClient(hosts=proxy.hosts(namespace), timeout=6.0)     # outlives the hold
    states = States(c)
    c.start(timeout=15)
    try:
        c.create("/kept", b"")
        session = c.client_id[0]
        t0 = time.monotonic()
        proxy.hold()
        result = c.delete_async("/kept")
        assert states.wait_for(KazooState.SUSPENDED, after=t0, timeout=8), states.seen
        with pytest.raises(ConnectionLoss):
            result.get(timeout=1)
        proxy.cut()
        proxy.heal()
        assert wait_until(lambda: c.connected, 5) and c.client_id[0] == session
        assert clients().exists("/kept") is not None, "the held delete reached a server"
    finally:
        c.stop()
        c.close()


def test_a_long_hold_expires_the_session(proxied, proxy, clients):
    c, states = proxied
    session = c.client_id[0]
    c.create("/mine", ephemeral=True)
    other = clients()
    t0 = time.monotonic()
    proxy.hold()
    # the server hears nothing: it expires the session and deletes its ephemeral node
    assert wait_until(lambda: other.exists("/mine") is None, 6), "the session never expired"
    assert time.monotonic() - t0 > 1.5
    proxy.heal()
    assert states.wait_for(KazooState.LOST, after=t0, timeout=5), states.seen
    assert states.wait_for(KazooState.CONNECTED, after=time.monotonic() - 0.01, timeout=5) or \
        wait_until(lambda: c.connected, 5)
    assert c.client_id[0] != session


def test_drop_after_next_create_leaves_the_node_and_the_session(proxied, proxy, clients):
    c, states = proxied
    session = c.client_id[0]
    proxy.drop_after_next_create()
    c.get_children("/")                       # not a create: forwarded as usual
    assert not proxy.dropped.is_set()
    with pytest.raises(ConnectionLoss):
        c.create("/lost-", b"", ephemeral=True, sequence=True)
    assert proxy.dropped.wait(2)
    drop = proxy.drops[-1]
    assert drop.err == 0 and drop.request_type in ("create", "create2")
    assert drop.path.startswith(c.chroot + "/lost-")
    assert wait_until(lambda: c.connected, 5)
    assert c.client_id[0] == session, "a dropped connection keeps the session"
    name = drop.path.rsplit("/", 1)[1]
    assert c.get_children("/") == [name]
    assert clients().get("/" + name)[1].ephemeralOwner == session
    # only the next create is dropped
    c.create("/fine", b"")
    assert len(proxy.drops) == 1


def test_close_stops_listening(ensemble):
    p = FaultProxy()
    host, port = p.address.split(":")
    p.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=1)


@pytest.mark.faults
def test_failover_to_another_server(faults, namespace):
    """A client behind the proxy follows the ensemble when its server dies."""
    p = FaultProxy()
    c = KazooClient(hosts=p.hosts(namespace), timeout=2.0)
    states = States(c)
    try:
        c.start(timeout=15)
        session = c.client_id[0]
        server = faults.server_of(session)
        assert server is not None
        t0 = time.monotonic()
        faults.kill(server)
        assert states.wait_for(KazooState.SUSPENDED, after=t0, timeout=3)
        assert states.wait_for(KazooState.CONNECTED, after=t0, timeout=10), states.seen
        assert c.client_id[0] == session
        assert faults.server_of(session) not in (None, server)
    finally:
        c.stop()
        c.close()
        p.close()



def test_watch_limits_close_the_connection_that_would_pass_them_and_count_fired_watches(
        ensemble, namespace):
    """A submission's watches, counted by its proxies as the server keeps them: the one
    request past the bound is not forwarded (its connection closes, the session lives);
    a watch that fires is no longer counted, so a recipe re-arming its watch never
    comes near the bound."""
    from harness.ensemble.watch_limits import WatchLimits
    limits = WatchLimits(max_watches=5)
    with FaultProxy(limits=limits) as p:
        c = KazooClient(hosts=p.hosts(namespace), timeout=4.0)
        states = States(c)
        c.start(timeout=15)
        try:
            c.create("/n", b"")
            for _ in range(3):                   # the same watch again: still one
                c.exists("/n", watch=lambda e: None)
            fired = threading.Event()
            c.get_children("/", watch=lambda e: fired.set())
            assert limits.watches == 2 and limits.connections == 1
            c.create("/m", b"")                  # the child watch fires: gone from the count
            assert fired.wait(5) and wait_until(lambda: limits.watches == 1, 5)
            for i in range(4):
                c.exists(f"/missing-{i}", watch=lambda e: None)
            assert limits.watches == 5 and not limits.violations
            session = c.client_id[0]
            with pytest.raises(ConnectionLoss):
                c.exists("/missing-5", watch=lambda e: None)
            assert len(limits.violations) == 1 and "/missing-5" in limits.violations[0].text()
            # the connection's watches went with it; the session reconnects and lives on
            assert states.wait_for(KazooState.CONNECTED, after=limits.violations[0].at)
            assert c.client_id[0] == session and wait_until(lambda: limits.watches == 0, 5)
            assert limits.peak == 5 and limits.connections_peak >= 1
        finally:
            c.stop()
            c.close()


@pytest.mark.faults
def test_a_stall_is_noted_only_when_the_server_leaves_a_request_unanswered(faults, namespace):
    """The gateway's evidence of load (grading/plugin/results.py gives no verdict on it):
    a client that hangs up while its ping is unanswered (its server frozen) is a stall;
    a client that stops is not (nor one that stops reading: what the server answered
    was forwarded, nothing is unanswered)."""
    from harness.ensemble.watch_limits import WatchLimits
    limits = WatchLimits()
    home = faults.leader() % 3 + 1                  # a follower: no election when it freezes
    with FaultProxy(servers=[home], limits=limits, notes_stalls=True) as p:
        quiet = KazooClient(hosts=p.hosts(namespace), timeout=2.0)
        quiet.start(timeout=15)
        quiet.get("/")
        quiet.stop()
        quiet.close()
        assert limits.stalls == [], "a client that stops is no stall"
        c = KazooClient(hosts=p.hosts(namespace), timeout=2.0)
        states = States(c)
        c.start(timeout=15)
        try:
            t0 = time.monotonic()
            faults.pause(home)
            try:
                assert states.wait_for(KazooState.SUSPENDED, after=t0, timeout=5), states.seen
                assert wait_until(lambda: limits.stalls, 5), "the hang-up was not noted"
            finally:
                faults.resume(home)
            _, server, seconds = limits.stalls[0]
            assert server == faults.servers[home - 1].address and seconds >= 0.4
        finally:
            c.stop()
            c.close()
