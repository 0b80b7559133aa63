"""Lab 5: a leader whose connection is in doubt stops leading, and leads again only safely.

The candidate under test reaches the ensemble through a FaultProxy of its own
(``world.client(proxied=True)``, harness/ensemble/proxy.py), so the check can
stall (``world.hold``) or cut (``world.cut``) its connection without touching the
servers. The candidates run in the
learner's sandbox; the grader reads the nodes through its own clients.
"""
import threading
import time

from kazoo.client import KazooState

from harness.ensemble import EnsembleError
from harness.recipe import ELECTION
from harness.waits import holds_for, wait_until
from harness.world.recorder import ElectionRecorder
from harness.world.verdicts import expect


def start(world, rec, name, client):
    cand = rec.add(world.candidate("ResilientCandidate", client, ELECTION, label=name,
                                   callbacks=("on_elected", "on_revoked")))
    cand.start()
    return cand


def wait_leader(cand, timeout, what):
    expect(wait_until(lambda: cand.is_leader, timeout),
           f"{what} never became leader (is_leader stayed False for {timeout:.0f} s).")


def test_a_silent_network_makes_the_leader_step_down_before_anyone_else_leads(world):
    rec = ElectionRecorder()
    zk0 = world.client(timeout=2.0, proxied=True, label="c0")
    c0 = start(world, rec, "c0", zk0)
    wait_leader(c0, 5, "The only candidate")
    c1 = start(world, rec, "c1", world.client(label="c1"))
    world.hold(zk0)           # c0's network goes silent: nothing in, nothing out
    fault = time.monotonic()
    rec.mark("hold c0's connection", "c0")
    # c0's session expires on the server after 2 s; then c1 must lead
    led = wait_until(lambda: c1.is_leader, 2.0 + 3.0)
    suspended = [e.t for e in rec.timeline() if e.who == "c0" and e.kind == "state"
                 and e.value == KazooState.SUSPENDED]
    expect(suspended, "The check could not suspend the leader's connection (infrastructure?).")
    expect(not c0.is_leader,
           f"The leader's connection has been silent for {time.monotonic() - fault:.1f} s and "
           "kazoo reported SUSPENDED, but its is_leader is still True. A suspended leader "
           "cannot know whether its session still lives: step down in the state listener.")
    expect(c0.revoked >= 1, "The leader stepped down on SUSPENDED but on_revoked() was never "
                            "called.")
    expect(led, "After the leader's session expired (its network stayed silent), the next "
                "candidate did not become leader within 5 s.")
    world.judge(rec, stop=False)
    world.heal(zk0)
    # c0 learns its session expired and takes part again, behind c1
    c1_node = c1.node

    def back_in_line():
        if not zk0.connected:
            return False
        seen = c0.attrs("node", "watching")
        return seen["node"] and seen["watching"] == c1_node

    back = wait_until(back_in_line, 6)
    expect(back, f"After the network came back, the old leader did not take part again behind "
                 f"the new leader (node={c0.node!r}, watching={c0.watching!r}, "
                 f"new leader's node={c1_node!r}).")
    expect(holds_for(lambda: c1.is_leader and not c0.is_leader, 0.3),
           "After the network healed, there was not exactly one leader.")
    world.judge(rec)


def test_after_a_short_suspension_the_leader_leads_again(world):
    rec = ElectionRecorder()
    zk0 = world.client(timeout=3.0, proxied=True, label="c0")
    c0 = start(world, rec, "c0", zk0)
    wait_leader(c0, 5, "The only candidate")
    c1 = start(world, rec, "c1", world.client(label="c1"))
    session, node = zk0.session_id, c0.node
    world.cut(zk0)            # the connection breaks; the session lives on (3 s)
    rec.mark("cut c0's connection", "c0")
    stepped = wait_until(lambda: not c0.is_leader, 0.5)
    expect(stepped, "The leader's connection broke (kazoo reported SUSPENDED) but is_leader "
                    "stayed True. Step down as soon as the state listener sees SUSPENDED.")
    expect(wait_until(lambda: c0.revoked >= 1, 1.0),
           "The leader stepped down on SUSPENDED but on_revoked() was never called.")
    world.heal(zk0)
    expect(wait_until(lambda: zk0.connected, 2.5),
           "The check could not reconnect the client (infrastructure?).")
    expect(zk0.session_id == session, "The session expired during a short cut "
                                      "(infrastructure was too slow?); try again.")
    again = wait_until(lambda: c0.is_leader, 3.0)
    expect(again, "The connection came back with the same session and the candidate's node is "
                  "still first, but it did not lead again within 3 s. On CONNECTED, look at the "
                  "election again (read the children).")
    expect(c0.node == node, f"After a short suspension the session lived on, so the candidate's "
                            f"node {node} did too; but its node is now {c0.node}.")
    # c1 may still be acting on what the reconnect stirred up (its own thread, a watch):
    # judge once every notification is handled, and for a moment after, not at one instant.
    world.quiesce([c0, c1])
    expect(holds_for(lambda: not c1.is_leader, 1.0), "Two leaders after the reconnect.")
    expect(wait_until(lambda: c0.elected >= 2, 1.0),
           "on_elected() was not called when the candidate led again.")
    world.judge(rec)


def test_before_leading_again_a_candidate_checks_its_node_is_still_its_own(world):
    rec = ElectionRecorder()
    zk0 = world.client(timeout=3.0, proxied=True, label="c0")
    c0 = start(world, rec, "c0", zk0)
    wait_leader(c0, 5, "The only candidate")
    session, node = zk0.session_id, c0.node
    other = world.grader_client()     # the grader's own session: the impostor
    world.cut(zk0)
    rec.mark("cut c0's connection", "c0")
    expect(wait_until(lambda: not c0.is_leader, 0.5),
           "The leader's connection broke but is_leader stayed True (see SUSPENDED).")
    # While c0 is away: its node is deleted and another session creates one of the same name.
    other.delete(node)
    other.create(node, b"impostor", ephemeral=True)
    impostor = other.client_id[0]
    world.heal(zk0)
    expect(wait_until(lambda: zk0.connected, 2.5),
           "The check could not reconnect the client (infrastructure?).")
    expect(zk0.session_id == session, "The session expired during a short cut "
                                      "(infrastructure was too slow?); try again.")
    expect(holds_for(lambda: not c0.is_leader, 1.5),
           f"After reconnecting, the candidate led although the first node, {node}, was no "
           f"longer its own: while it was disconnected its node was deleted and another session "
           f"created one with the same name (ephemeralOwner 0x{impostor:x}, yours is "
           f"0x{session:x}). Before leading, check the node's stat.ephemeralOwner.")
    other.delete(node)      # the impostor goes: the candidate should lead with a node of its own
    expect(wait_until(lambda: c0.is_leader, 3.0),
           "After the stranger's node went away, the candidate did not lead again within 3 s: "
           "when the first node is not yours, volunteer again with a new node.")
    mine = c0.node
    observer = world.observer
    observer.sync(ELECTION)
    stat = observer.exists(mine) if mine else None
    expect(stat is not None and stat.ephemeralOwner == session,
           f"The candidate leads, but its node {mine!r} is not owned by its session.")
    world.judge(rec)


def test_a_resign_whose_delete_meets_a_lost_connection_still_deletes_the_node(world):
    """resign() while the connection drops: the session lives on, and so would the node.

    The application keeps its client after resign(), so a node left behind stays first
    in line (or somewhere in it) for as long as the session lives, and the election
    waits on a candidate that has left. The delete that meets a lost connection must be
    tried again once the client is back (kazoo's Lock.release retries the same way).
    """
    session_timeout = 8.0      # long enough that the session outlives the drop and return
    zk0 = world.client(timeout=session_timeout, proxied=True, label="c0")
    c0 = world.candidate("ResilientCandidate", zk0, ELECTION, label="c0")
    c0.start()
    c1 = world.candidate("ResilientCandidate", world.client(label="c1"), ELECTION, label="c1")
    c1.start()
    node, session = c0.node, zk0.session_id
    expect(node and world.node_stat(node) is not None,
           f"After start() returned, the candidate's node ({node!r}) does not exist.")
    # Stall the link, then resign: the delete goes out and no answer comes back. About two
    # thirds of the session timeout later kazoo gives the connection up (SUSPENDED) and
    # fails that delete with ConnectionLoss. The stalled link is then cut, so the stalled
    # delete never reaches a server, and healed: kazoo reconnects to the same session.
    world.hold(zk0)
    stalled = time.monotonic()
    outcome = {}

    def resign():
        try:
            c0.resign(timeout=40)
        except Exception as e:          # the learner's exception, shown below
            outcome["error"] = e

    thread = threading.Thread(target=resign, name="resign-c0", daemon=True)
    thread.start()
    suspended = wait_until(lambda: "SUSPENDED" in zk0.states(since=stalled),
                           session_timeout, interval=0.05)
    world.cut(zk0)
    world.heal(zk0)
    if not suspended:
        raise EnsembleError(f"kazoo did not give up the stalled link within "
                            f"{session_timeout:.0f} s; the check cannot judge; rerun")
    thread.join(35)
    expect(not thread.is_alive(), "resign() did not return within 35 s of its connection "
                                  "dropping (the check's limit is 40 s).")
    if "error" in outcome:
        raise outcome["error"]
    gone = wait_until(lambda: world.node_stat(node) is None, 5, interval=0.1)
    # a node that still exists is an ephemeral node of a session that still lives
    expect(gone,
           f"resign() returned, and its session lives on, yet the "
           f"candidate's node {node} still exists 5 s later: the delete that met the lost "
           f"connection was not tried again, so the node stays for as long as the session "
           f"lives and the election waits on a candidate that has left. On ConnectionLoss, "
           f"try the delete again once connected (kazoo's KazooRetry, or client.retry); "
           f"NoNodeError then means it is done.")
    if wait_until(lambda: zk0.connected, 5, interval=0.05) and zk0.session_id != session:
        # the node went with an expired session, which proves nothing about resign()
        raise EnsembleError("the client's session did not outlive the dropped connection "
                            "(the machine was too slow to reconnect in time); the check "
                            "cannot judge; rerun")
    expect(wait_until(lambda: c1.is_leader, 5),
           "The other candidate did not lead within 5 s of the resigned candidate's node "
           "going.")
