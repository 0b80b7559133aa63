"""Lab 6: fencing. A leader that was paused must not overwrite the work of the leader after it.

Judged by outcome, on the store's own log (harness/store: a real process on
loopback that accepts a write only with a token at least the highest it has
accepted, and logs every write it accepted or refused; the learner's process
cannot read that log, nor write in another writer's name). Each candidate that
may be frozen runs in a sandbox process of its own: ``world.pause`` is a real
SIGSTOP of that process, kazoo's connection thread included, as in a GC pause.
"""
import threading
import time

import pytest

from harness.ensemble import EnsembleError
from harness.recipe import ELECTION, SESSION_TIMEOUT, creation_order
from harness.waits import wait_until
from harness.world.verdicts import CheckFailure, expect

FENCED = "FencedLeader"
KEY = "config"
LEAD = 5.0                    # s a candidate may take to lead once it is first
READY = 2.0                   # s a new leader may take before its writes go out


def fenced(world, store, name, sandbox=None, **client):
    """A FencedLeader named ``name`` (its store writer too), on a client of its own."""
    sandbox = sandbox or world.new_sandbox(name)
    zk = world.client(sandbox=sandbox, label=name, quick_reconnect=True, **client)
    writes_as = world.store_client(store, name, sandbox=sandbox)
    cand = world.candidate(FENCED, zk, ELECTION, label=name, extra=(writes_as,),
                           callbacks=("on_elected", "on_revoked"))
    cand.store = writes_as
    return cand


def leads(cand, what: str, timeout: float = LEAD) -> None:
    expect(wait_until(lambda: cand.is_leader, timeout),
           f"{what}, {cand.label} should lead; within {timeout:.0f} s its is_leader stayed False.")


def accepted_writes(store, writer: str) -> list[dict]:
    return [w for w in store.log() if w["writer"] == writer and w["accepted"]]


def expect_write_accepted(store, cand, value: str, story: str) -> dict:
    """``cand`` leads: its write must reach the store and be accepted (the log says so).
    A leader elected a moment ago may not be ready to write yet (its token is read when it
    is told it leads): its write() is tried again for a short while."""
    def attempt():
        attempt.result = cand.write(KEY, value)
        return [w for w in store.log() if w["writer"] == cand.label and w["value"] == value]
    mine = wait_until(attempt, READY, interval=0.05)
    result = attempt.result
    if not mine:
        raise CheckFailure(f"{story}{cand.label} leads, but its write({KEY!r}, {value!r}) never "
                           f"reached the store (write() returned {result!r}). While it leads, "
                           "write() sends the write to the store, with its term's token.")
    entry = mine[-1]
    if not entry["accepted"]:
        sent = "no token" if entry["token"] is None else f"token {entry['token']!r}"
        had = ("it had accepted no token yet" if entry["highest_before"] is None
               else f"it had already accepted token {entry['highest_before']!r}")
        raise CheckFailure(f"{story}{cand.label} leads, yet the store refused its write: it sent "
                           f"{sent}, and {had}. {why_refused(entry)}")
    expect(result is True, f"{story}The store accepted {cand.label}'s write, but write() returned "
                           f"{result!r}: return whether the store accepted it.")
    return entry


def why_refused(entry: dict) -> str:
    if entry["token"] is None:
        return ("No token at all: send the token of the term you lead with every write "
                "(fencing_token of your own node).")
    return ("A token must grow from one term to the next, whatever happened in between: the "
            "zxid that created your own node does (a sequence number restarts with the "
            "folder; a token read once at start-up belongs to your first term).")


# --- the paused leader -------------------------------------------------------------

def test_a_paused_leaders_write_under_way_is_refused_after_the_next_leader_wrote(world):
    store = world.store()
    c1 = fenced(world, store, "c1")
    c1.start()
    leads(c1, "Alone in the election")
    c2 = fenced(world, store, "c2")
    c2.start()
    first = expect_write_accepted(store, c1, "c1 #1", "")
    # c1's next write gets under way: its token chosen, it waits at the store client's gate
    c1.store.hold_next_write()
    late = {}
    writing = threading.Thread(target=lambda: late.update(result=c1.write(KEY, "c1 late")),
                               daemon=True, name="c1-late-write")
    writing.start()
    if not wait_until(lambda: c1.store.held, 3):
        raise CheckFailure("c1 leads and wrote once, but its second write(...) never reached the "
                           "store. While it leads, every write() goes to the store.")
    c1_node = first_node(world)          # c1's: it led alone before c2 joined
    world.pause(c1)                      # a GC pause: c1's whole process stops, for real
    try:
        # c2's clock starts when the servers drop c1's node: how soon they notice a frozen
        # session is the machine's doing (a loaded one is slower), not the recipe's.
        gone = wait_until(lambda: world.observer.exists(c1_node) is None, SESSION_TIMEOUT + LEAD,
                          interval=0.05)
        leads(c2, f"c1 was frozen for longer than its session timeout ({SESSION_TIMEOUT:.0f} s), "
                  "so its node went", timeout=LEAD if gone else 0.5)
        second = expect_write_accepted(store, c2, "c2 #1", "The frozen leader's session "
                                       "expired and c2 took over. ")
    finally:
        world.resume(c1)
    wait_until(lambda: not c1.is_leader, SESSION_TIMEOUT + 2)     # kazoo tells c1, then
    c1.store.release()                                            # its write goes on
    writing.join(15)
    judge_after_the_new_term(store, "c1", first, second)


def first_node(world) -> str:
    """The election's first node, as the grader reads it (recipe.creation_order)."""
    children = world.observer.get_children(ELECTION)
    return f"{ELECTION}/{creation_order(children)[0] if children else 'none'}"


def judge_after_the_new_term(store, old: str, first: dict, second: dict) -> None:
    """No write of the old leader is accepted after the new term's first accepted write."""
    late = [w for w in store.log() if w["writer"] == old and w["accepted"] and w["t"] > second["t"]]
    if late:
        same = (" (the same token: every term shares it, so it fences nothing)"
                if late[0]["token"] == second["token"] else "")
        raise CheckFailure(
            f"The store accepted the paused leader {old}'s write {late[0]['value']!r} (token "
            f"{late[0]['token']!r}) AFTER the next leader had written with token "
            f"{second['token']!r}{same}: the old leader overwrote the new one's work. Its write "
            f"was already under way when it was frozen, so no is_leader check can stop it; only "
            f"the token can. Send the token of your own term's node (its creation zxid), which "
            f"a later term's always exceeds.")
    accepted = [w["token"] for w in store.log() if w["accepted"]]
    expect(all(a <= b for a, b in zip(accepted, accepted[1:])),
           f"The tokens the store accepted went down: {accepted}.")


# --- tokens that only grow -----------------------------------------------------------

def test_tokens_grow_across_a_resignation_an_expiry_and_a_new_election_folder(world):
    store = world.store()
    sandbox = world.new_sandbox("candidates")
    c1, c2, c3 = (fenced(world, store, n, sandbox=sandbox) for n in ("c1", "c2", "c3"))
    for cand in (c1, c2, c3):
        cand.start()
    leads(c1, "First in line")
    expect_write_accepted(store, c1, "c1 #1", "")
    c1.resign()
    leads(c2, "After c1 resigned")
    expect_write_accepted(store, c2, "c2 #1", "c1 resigned; c2 took over. ")
    world.expire(c2.zk)
    leads(c3, "After c2's session expired", timeout=SESSION_TIMEOUT + LEAD)
    expect_write_accepted(store, c3, "c3 #1", "c2's session expired; c3 took over. ")
    for cand in (c2, c3):
        cand.resign()
    world.observer.delete(ELECTION, recursive=True)      # a new election folder: the
    world.observer.ensure_path(ELECTION)                 # sequence numbers start again
    c4 = fenced(world, store, "c4", sandbox=sandbox)
    c4.start()
    leads(c4, "Alone in a new election folder")
    expect_write_accepted(store, c4, "c4 #1", "Every candidate left, the election folder was "
                          "deleted and created again, and c4 volunteered there. ")


@pytest.mark.faults
def test_a_leader_whose_server_was_killed_writes_on_with_its_terms_token(world):
    store = world.store()
    c1 = fenced(world, store, "c1", timeout=4.0)
    c1.start()
    leads(c1, "Alone in the election")
    before = expect_write_accepted(store, c1, "c1 #1", "")
    session, killed = c1.zk.session_id, time.monotonic()
    server = world.kill_leaders_server(c1)
    if not wait_until(lambda: "SUSPENDED" in c1.zk.states(since=killed), 5):
        raise EnsembleError(f"killing zoo{server} did not break c1's connection; rerun")
    if not wait_until(lambda: c1.zk.connected, SESSION_TIMEOUT + LEAD):
        raise EnsembleError(f"c1's client did not reconnect after zoo{server} was killed; rerun")
    if c1.zk.session_id != session:
        raise EnsembleError("c1's session expired while its server was down (the machine was "
                            "too slow to reconnect in time); the check cannot judge; rerun")
    leads(c1, f"zoo{server}, c1's server, was killed; kazoo moved c1's session to another server "
              "and its node lived on, so", timeout=SESSION_TIMEOUT + LEAD)
    after = expect_write_accepted(store, c1, "c1 #2", f"zoo{server} was killed under c1, which "
                                  "kept its session and its node. ")
    expect(after["token"] == before["token"],
           f"c1 kept its node (the same term) when its server died, but its token changed from "
           f"{before['token']!r} to {after['token']!r}: a term's token is its node's, fixed.")


def test_a_leader_reelected_after_its_session_expired_writes_with_its_new_terms_token(world):
    store = world.store()
    sandbox = world.new_sandbox("candidates")
    c1, c2 = (fenced(world, store, n, sandbox=sandbox) for n in ("c1", "c2"))
    c1.start()
    leads(c1, "Alone in the election")
    c2.start()
    expect_write_accepted(store, c1, "c1 #1", "")
    world.expire(c1.zk)
    leads(c2, "After c1's session expired", timeout=SESSION_TIMEOUT + LEAD)
    expect_write_accepted(store, c2, "c2 #1", "c1's session expired; c2 took over. ")
    expect(wait_until(lambda: c1.node is not None and c1.watching is not None, LEAD),
           "After its session expired, c1 should take part again behind c2 (lab 5).")
    c2.resign()
    leads(c1, "c2 resigned, and c1 (back with a new node) is first again")
    expect_write_accepted(store, c1, "c1 #2", "c1's session had expired; it came back with a new "
                          "node, c2 led and wrote, c2 resigned, and c1 leads again: a new term. ")


# --- fencing_token -------------------------------------------------------------------------

def test_fencing_token_grows_with_every_new_node_even_in_a_new_folder(world):
    zk, other = world.clients(2)
    node = zk.create(f"{ELECTION}/a-n_", b"", ephemeral=True, sequence=True, makepath=True)
    token = world.lab.fencing_token(zk, node)
    expect(isinstance(token, int) and not isinstance(token, bool),
           f"fencing_token(zk, {node!r}) returned {token!r}; expected an int.")
    other.sync("/")               # the other client's server may lag behind zk's
    again = world.lab.fencing_token(other, node)
    expect(again == token, f"fencing_token of the same node gave {token!r}, then {again!r} (from "
                           "another client): a node's token never changes.")
    later = zk.create(f"{ELECTION}/b-n_", b"", ephemeral=True, sequence=True)
    grown = world.lab.fencing_token(zk, later)
    expect(grown > token, f"{later} was created after {node}, yet its token {grown!r} is not "
                          f"larger than {token!r}.")
    for path in (node, later):
        zk.delete(path)
    world.observer.delete(ELECTION, recursive=True)
    fresh = zk.create(f"{ELECTION}/c-n_", b"", ephemeral=True, sequence=True, makepath=True)
    newest = world.lab.fencing_token(zk, fresh)
    expect(newest > grown,
           f"The election folder was deleted and created again; the first node there, {fresh}, "
           f"got token {newest!r}, not larger than the old folder's {grown!r}. A sequence number "
           "restarts with its folder; the zxid that created the node (its stat's czxid) does not.")


# --- guarded_set -------------------------------------------------------------------------------

def test_guarded_set_writes_while_the_node_lives_and_never_after_it_is_gone(world):
    zk = world.client(quick_reconnect=True)
    world.observer.create("/config", b"v0")
    node = zk.create(f"{ELECTION}/g-n_", b"", ephemeral=True, sequence=True, makepath=True)
    wrote = world.lab.guarded_set(zk, node, "/config", b"v1")
    held = world.observer.get("/config")[0]
    expect(wrote is True and held == b"v1",
           f"While {node} lives, guarded_set(zk, node, '/config', b'v1') should write and return "
           f"True; it returned {wrote!r} and /config holds {held!r}.")
    world.expire(zk)
    expect(wait_until(lambda: zk.connected, SESSION_TIMEOUT + 5),
           "The client did not reconnect after its session expired (kazoo opens a new one).")
    wrote = world.lab.guarded_set(zk, node, "/config", b"v2")
    held = world.observer.get("/config")[0]
    expect(held == b"v1",
           f"The session that owned {node} expired, so the node is gone; kazoo opened a new "
           f"session on the same client, and guarded_set wrote anyway (/config holds {held!r}). "
           "Check the node and set the data in ONE transaction (zk.transaction(): check + "
           "set_data): it writes only if the node still exists.")
    expect(wrote is False, f"guarded_set wrote nothing (the node was gone) but returned {wrote!r}.")


def test_guarded_set_checks_and_writes_in_one_request(world):
    zk = world.client()
    world.observer.create("/config", b"v0")
    node = zk.create(f"{ELECTION}/g-n_", b"", ephemeral=True, sequence=True, makepath=True)
    racy = world.guard_saboteur(zk, node)      # deletes the node right after a read finds it
    wrote = world.lab.guarded_set(racy, node, "/config", b"v1")
    struck = racy.state()["deleted"]
    held = world.observer.get("/config")[0]
    if struck and held == b"v1":
        raise CheckFailure(
            f"guarded_set read {node} (it existed), then the node was deleted before the write, "
            "and the write went through anyway: checking and writing in two calls leaves a "
            "window between them. Put the check and the set_data in one transaction "
            "(zk.transaction(): check + set_data, then commit()): ZooKeeper applies both or "
            "neither.")
    if not struck:
        expect(held == b"v1" and wrote is True,
               f"{node} lived throughout, yet guarded_set returned {wrote!r} and /config holds "
               f"{held!r}: it should have written b'v1' and returned True.")
    else:
        expect(wrote is False, f"The node was gone, nothing was written, but guarded_set "
                               f"returned {wrote!r}.")
