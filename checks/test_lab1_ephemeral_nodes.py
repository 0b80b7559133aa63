"""Lab 1 — ephemeral nodes: register() and owner_session().

The learner's functions run in the sandbox, on clients that live there
(``world.client()``); every node is inspected by the grader's own client
(``world.observer``), never with the learner's code, unless that function is
what is being checked. Each check has its own namespace, so paths are short.
"""
from __future__ import annotations

import pytest
from kazoo.client import KazooState

from harness.ensemble import EnsembleError
from harness.sandbox.host import LearnerError
from harness.waits import wait_until
from harness.world.verdicts import CheckFailure, expect, short


def hexid(session_id) -> str:
    return f"0x{session_id:x}" if isinstance(session_id, int) else repr(session_id)


def random_bytes(rng, n=12) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def node_name(rng, stem="node") -> str:
    return f"{stem}-{rng.randrange(16**6):06x}"


def call_register(lab, zk, path, *args):
    where = f"register(zk, {path!r}{''.join(', ' + short(a) for a in args)})"
    result = lab.register(zk, path, *args)
    return result, where


def must_exist(observer, path, where):
    observer.sync("/")            # another session may read from a server that lags behind
    stat = observer.exists(path)
    expect(stat is not None,
           f"After {where}, there is no node at {path!r}. register() must create it "
           f"(zk.create(...)).")
    return stat


def expect_owned_by(stat, client, path, where):
    sid = client.client_id[0]
    expect(stat.ephemeralOwner != 0,
           f"After {where}, the node {path!r} is persistent (its ephemeralOwner is 0), "
           f"so it would outlive its session. Create it with ephemeral=True.")
    expect(stat.ephemeralOwner == sid,
           f"After {where}, the node {path!r} is owned by session {hexid(stat.ephemeralOwner)}, "
           f"not by the session of the client you were given ({hexid(sid)}). "
           f"Create the node with the zk passed to register().")


# --- register -------------------------------------------------------------------

def test_register_creates_the_node_with_its_data(lab, world, rng):
    zk, observer = world.client(), world.observer
    path = "/" + node_name(rng)
    data = random_bytes(rng)
    result, where = call_register(lab, zk, path, data)
    expect(result == path,
           f"{where} returned {short(result)}; expected the path of the new node, {path!r}.")
    must_exist(observer, path, where)
    stored = observer.get(path)[0]
    expect(stored == data,
           f"After {where}, the node holds {short(stored)}, not the data {short(data)} "
           f"you were given. Pass data to zk.create().")

    bare = "/" + node_name(rng, "bare")
    result, where = call_register(lab, zk, bare)
    expect(result == bare,
           f"{where} returned {short(result)}; expected {bare!r}.")
    must_exist(observer, bare, where)
    stored = observer.get(bare)[0]
    expect(stored == b"",
           f"After {where} (no data given), the node holds {short(stored)}; expected b\"\".")


def test_register_creates_missing_parents(lab, world, rng):
    zk, observer = world.client(), world.observer
    depth = rng.randint(2, 4)
    parents = "".join("/" + node_name(rng, "dir") for _ in range(depth))
    path = parents + "/" + node_name(rng)
    try:
        result, where = call_register(lab, zk, path, b"x")
    except LearnerError as e:
        if e.type_name == "NoNodeError":
            raise CheckFailure(f"register(zk, {path!r}, b'x') raised NoNodeError: the folders "
                               f"above the node do not exist yet, and register() must create "
                               f"them (as persistent nodes; kazoo's makepath=True does it).") from None
        raise
    expect(result == path, f"{where} returned {short(result)}; expected {path!r}.")
    must_exist(observer, path, where)
    parts = parents.strip("/").split("/")
    for k in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:k])
        stat = observer.exists(folder)
        expect(stat is not None and stat.ephemeralOwner == 0,
               f"After {where}, the parent folder {folder!r} should be a persistent node "
               f"(ephemeralOwner 0); it is {'missing' if stat is None else 'ephemeral'}.")
    # A second node in the same, now existing, folder must work too.
    sibling = parents + "/" + node_name(rng, "sibling")
    result, where = call_register(lab, zk, sibling, b"y")
    expect(result == sibling, f"{where} returned {short(result)}; expected {sibling!r}.")
    must_exist(observer, sibling, where + " (its folder already existed)")


def test_register_makes_an_ephemeral_node_owned_by_the_session(lab, world, rng):
    zk, observer = world.client(), world.observer
    path = "/" + node_name(rng)
    _, where = call_register(lab, zk, path, b"mine")
    stat = must_exist(observer, path, where)
    expect_owned_by(stat, zk, path, where)


# --- the node's life ---------------------------------------------------------------

def test_node_is_gone_once_its_client_closes(lab, world, rng):
    leaving, staying, observer = world.client(), world.client(), world.observer
    p_leaving, p_staying = "/" + node_name(rng, "leaving"), "/" + node_name(rng, "staying")
    _, where = call_register(lab, leaving, p_leaving, b"bye")
    call_register(lab, staying, p_staying, b"hi")
    must_exist(observer, p_leaving, where)
    sid = leaving.client_id[0]
    leaving.close()
    gone = wait_until(lambda: observer.exists(p_leaving) is None, timeout=5)
    expect(gone, f"The client that called {where} closed its session {hexid(sid)}, yet 5 s "
                 f"later the node {p_leaving!r} is still there. An ephemeral node "
                 f"(ephemeral=True) is deleted when its session ends.")
    observer.sync("/")
    expect(observer.exists(p_staying) is not None,
           f"When one client closed, the node {p_staying!r} of ANOTHER, still open session "
           f"disappeared too. Each node must belong to the session that registered it.")


@pytest.mark.timeout(60)
def test_node_is_gone_after_a_real_session_expiry(lab, world, rng):
    doomed, staying, observer = world.client(), world.client(), world.observer
    p_doomed, p_staying = "/" + node_name(rng, "doomed"), "/" + node_name(rng, "staying")
    _, where = call_register(lab, doomed, p_doomed, b"soon gone")
    call_register(lab, staying, p_staying, b"still here")
    must_exist(observer, p_doomed, where)
    sid = doomed.client_id[0]
    world.expire(doomed)
    gone = wait_until(lambda: observer.exists(p_doomed) is None, timeout=5)
    expect(gone, f"The servers expired session {hexid(sid)}, which called {where}, yet 5 s "
                 f"later the node {p_doomed!r} is still there. Create it with ephemeral=True.")
    observer.sync("/")
    expect(observer.exists(p_staying) is not None,
           f"When session {hexid(sid)} expired, the node {p_staying!r} of ANOTHER, live "
           f"session disappeared too. Each node must belong to the session that registered it.")


@pytest.mark.faults
@pytest.mark.timeout(120)
def test_node_survives_the_death_of_its_server(lab, world, rng):
    # A longer session timeout than the checks' default: the client must reconnect
    # to another server (perhaps after a ZAB leader election) before it runs out.
    zk = world.client(timeout=4.0)
    path = "/" + node_name(rng, "survivor")
    _, where = call_register(lab, zk, path, b"still here")
    sid = zk.client_id[0]
    server = wait_until(lambda: world.ensemble.server_of(sid), timeout=5)
    if not server:
        raise EnsembleError(f"no server reports a connection for session {hexid(sid)}")
    states = []
    zk.add_listener(states.append)
    world.kill(server)
    if not wait_until(lambda: KazooState.SUSPENDED in states, timeout=10):
        raise EnsembleError(f"the client did not notice that zoo{server} was killed")
    back = wait_until(lambda: zk.connected and zk.client_id and zk.client_id[0] == sid,
                      timeout=20)
    if not back:
        raise EnsembleError(f"the client did not get session {hexid(sid)} back on another "
                            f"server after zoo{server} was killed (states: {states})")
    world.observer.sync("/")
    stat = world.observer.exists(path)
    expect(stat is not None,
           f"Your client's server (zoo{server}) was killed; the client reconnected to another "
           f"server with the SAME session {hexid(sid)}, yet the node {path!r} from {where} "
           f"is gone. A session outlives the death of one server; so must its nodes.")
    expect_owned_by(stat, zk, path, where + f" and the death of zoo{server}")


# --- owner_session -------------------------------------------------------------------

def test_owner_session_names_the_owner_even_for_another_sessions_node(lab, world, rng):
    owner, asker = world.grader_client(), world.client()
    path = "/" + node_name(rng, "theirs")
    owner.create(path, b"", ephemeral=True)
    asker.sync("/")               # the asker's server may lag behind the owner's
    owner_sid, asker_sid = owner.client_id[0], asker.client_id[0]
    got = lab.owner_session(asker, path)
    expect(got != asker_sid,
           f"owner_session(zk, {path!r}) returned {hexid(got)}, the session of the client "
           f"asking; but another session, {hexid(owner_sid)}, created that node. Read the "
           f"owner from the node's stat (ephemeralOwner).")
    expect(got == owner_sid,
           f"owner_session(zk, {path!r}) returned {hexid(got)}; the node is owned by session "
           f"{hexid(owner_sid)} (its stat's ephemeralOwner).")
    expect(isinstance(got, int), f"owner_session() must return an int; it returned {short(got)}.")
    mine = "/" + node_name(rng, "mine")
    asker.create(mine, b"", ephemeral=True)
    got = lab.owner_session(asker, mine)
    expect(got == asker_sid,
           f"owner_session(zk, {mine!r}) returned {hexid(got)}; that node was created by the "
           f"asking client itself, session {hexid(asker_sid)}.")


def test_owner_session_of_a_missing_node_is_none(lab, world, rng):
    zk = world.client()
    missing = "/" + node_name(rng, "nobody")
    try:
        got = lab.owner_session(zk, missing)
    except NotImplementedError:
        raise
    except LearnerError as e:
        raise CheckFailure(f"owner_session(zk, {missing!r}) raised {e.type_name} for a "
                           f"path where there is no node; it should return None.") from None
    expect(got is None, f"owner_session(zk, {missing!r}) returned {short(got)} for a path where "
                        f"there is no node; expected None.")
    deep = "/" + node_name(rng, "no-folder") + "/" + node_name(rng, "nobody")
    got = lab.owner_session(zk, deep)
    expect(got is None, f"owner_session(zk, {deep!r}) returned {short(got)}; expected None.")
    # A node that existed, then went away.
    gone = "/" + node_name(rng, "was-here")
    zk.create(gone, b"", ephemeral=True)
    zk.delete(gone)
    got = lab.owner_session(zk, gone)
    expect(got is None, f"owner_session(zk, {gone!r}) returned {short(got)} after that node was "
                        f"deleted; expected None.")
