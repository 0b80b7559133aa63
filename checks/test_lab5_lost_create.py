"""Lab 5: a create whose reply is lost must not leave a second node behind.

The candidate talks to the ensemble through a FaultProxy (``world.client(proxied=True)``,
harness/ensemble/proxy.py) that forwards its create, lets the server carry it
out, and then closes the connection instead of passing the reply on: the
node exists, the session lives, and the candidate only sees a ConnectionLoss.
The grader counts the session's nodes through its own client.
"""
from harness.recipe import ELECTION
from harness.sandbox.host import LearnerError
from harness.waits import holds_for, wait_until
from harness.world.recorder import owned_children
from harness.world.verdicts import CheckFailure, expect


def test_a_lost_create_leaves_exactly_one_node_found_by_its_guid(world):
    first = world.candidate("ResilientCandidate", world.client(label="first"), ELECTION,
                            label="first", callbacks=())
    first.start()
    expect(wait_until(lambda: first.is_leader, 5), "The first candidate never led.")
    zk = world.client(timeout=2.0, proxied=True, label="lossy")
    session = zk.session_id
    cand = world.candidate("ResilientCandidate", zk, ELECTION, label="lossy", callbacks=())
    proxy = world.drop_after_next_create(zk)
    try:
        cand.start()
    except LearnerError as e:
        if e.type_name != "ConnectionLoss":
            raise
        raise CheckFailure(
            "start() raised ConnectionLoss: the connection broke while your create was on its "
            "way. Handle it: once connected again, look among the children for the node "
            "carrying your guid (find_own) and create a node only if there is none."
            + (f"\n  where: {e.where}" if e.where else "")) from None
    expect(proxy.dropped.wait(5), "The candidate never sent a create (did start() volunteer?).")
    drop = proxy.drops[0]
    created = drop.path[len(zk.chroot):] if drop.path else None
    expect(created, f"The server refused the candidate's create (error {drop.err}); "
                    f"the create should make {ELECTION}/<guid>-n_ (sequential, ephemeral).")
    observer = world.observer
    expect(wait_until(lambda: zk.connected and cand.node, 5),
           "After the connection loss during its create, the candidate never had a node "
           "(cand.node stayed None).")

    def one_node():
        return owned_children(observer, ELECTION, session) == [created.rsplit("/", 1)[1]]

    settled = wait_until(one_node, 2) and holds_for(one_node, 0.7)
    owned = owned_children(observer, ELECTION, session)
    guids = {child.rsplit("-n_", 1)[0] for child in owned}
    expect(len(owned) <= 1,
           f"After a connection loss during its create, the candidate's session owns "
           f"{len(owned)} nodes: {owned}. The first create did succeed on the server (only "
           f"its reply was lost), and the session lived on. "
           + ("Look for your guid among the children (find_own) before creating again."
              if len(guids) == 1 else
              "The other node carries a new guid: your code volunteered anew, as if the "
              "session were lost. A lost connection (SUSPENDED) keeps the session and its "
              "node: once CONNECTED again, find your own node by its guid (find_own); only "
              "LOST means the node is gone."))
    expect(settled,
           f"The create that lost its reply made {created}, and that node is the "
           f"candidate's; but the candidate's session now owns {owned}.")
    node = cand.node
    expect(node == created,
           f"The candidate's node should be the one its lost create made, {created}, found "
           f"by its guid; cand.node is {node!r}.")
    first.resign()
    expect(wait_until(lambda: cand.is_leader, 3),
           "After the first candidate resigned, the candidate whose create was lost never led.")
