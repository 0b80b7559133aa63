"""Lab 2 — volunteer(): the candidate's EPHEMERAL|SEQUENCE node, on the live ensemble.

Guids come from the ``rng`` fixture. volunteer() runs in the learner's sandbox
on its clients (``world.client()``); nodes are inspected by the grader's own
client (``world.observer``).
"""
from __future__ import annotations

import re
import uuid

from harness.recipe import ELECTION, MARKER, precedes
from harness.recipe import sequence_of as number
from harness.waits import wait_until
from harness.world.verdicts import expect, short


def guid_for(rng, k: int) -> str:
    shapes = [lambda: f"{rng.getrandbits(128):032x}",
              lambda: str(uuid.UUID(int=rng.getrandbits(128))),
              lambda: f"worker-{rng.randrange(1, 1000)}",
              lambda: str(rng.randrange(10**9)),
              lambda: f"node-n_{rng.randrange(10**10):010d}"]
    return shapes[k % len(shapes)]() + f"-{k}"        # distinct even if two shapes agree


def check_volunteer(world, lab, zk, observer, election, guid):
    where = f"volunteer(zk, {election!r}, {guid!r})"
    path = lab.volunteer(zk, election, guid)
    requested = f"{election}/{guid}{MARKER}"
    observer.sync(election)       # the observer's server may lag behind the creator's
    expect(isinstance(path, str), f"{where} returned {short(path)}; expected the path of the "
                                  f"node ZooKeeper created, a str.")
    expect(path != requested,
           f"{where} returned {path!r}, the path you asked for. With sequence=True ZooKeeper "
           f"appends a number to it: return the path zk.create() gives back.")
    pattern = re.compile(re.escape(requested) + r"-?\d{9,10}$")

    def made_by_guid(children):
        return [c for c in children if c.startswith(guid + MARKER)
                and re.fullmatch(r"-?\d{9,10}", c[len(guid) + len(MARKER):])]

    mine = made_by_guid(world.children(election, made_by_guid))
    if not mine:
        world.unless_broken_beneath(zk, f"the node {where} made is gone")
    expect(mine, f"After {where}, no child of {election!r} is named {guid + MARKER!r} followed by "
                 f"ten digits; children: {observer.get_children(election)}. Create "
                 f"'{{election_path}}/{{guid}}-n_' with sequence=True.")
    expect(pattern.fullmatch(path) is not None,
           f"{where} returned {path!r}; expected {requested!r} followed by the ten digits "
           f"ZooKeeper appended, e.g. {election + '/' + mine[-1]!r}.")
    expect(path.rpartition("/")[2] in mine,
           f"{where} returned {path!r}, but there is no such node; {election!r} holds "
           f"{mine}. Return the path zk.create() gives back.")
    expect(len(mine) == 1, f"After one call of {where}, {election!r} holds {len(mine)} nodes of "
                           f"that guid: {mine}. Create exactly one.")
    return path


def test_volunteer_creates_a_sequential_node_named_after_the_guid(lab, world, rng):
    zk, observer = world.client(), world.observer
    election = rng.choice([ELECTION, "/service/leader-election", "/e"])
    observer.ensure_path(election)
    for k in range(5):
        check_volunteer(world, lab, zk, observer, election, guid_for(rng, k))


def test_volunteer_node_is_ephemeral_and_owned_by_the_caller(lab, world, rng):
    zk, other, observer = world.client(), world.client(), world.observer
    election = ELECTION
    observer.ensure_path(election)
    path = check_volunteer(world, lab, zk, observer, election, guid_for(rng, rng.randrange(5)))
    observer.sync(election)
    stat = observer.exists(path)
    expect(stat.ephemeralOwner != 0,
           f"The node {path!r} made by volunteer() is persistent (ephemeralOwner 0): it would "
           f"stay after its candidate died. Create it with ephemeral=True as well as sequence=True.")
    expect(stat.ephemeralOwner == zk.client_id[0],
           f"The node {path!r} made by volunteer() is owned by session 0x{stat.ephemeralOwner:x}, "
           f"not by the zk you were given (0x{zk.client_id[0]:x}).")
    theirs = check_volunteer(world, lab, other, observer, election, guid_for(rng, 5 + rng.randrange(5)))
    zk.close()
    gone = wait_until(lambda: observer.exists(path) is None, timeout=5)
    expect(gone, f"The client that volunteered {path!r} closed its session, yet 5 s later the "
                 f"node is still there. Create it with ephemeral=True.")
    observer.sync(election)
    expect(observer.exists(theirs) is not None,
           f"When one candidate's client closed, another candidate's node {theirs!r} vanished too.")


def test_numbers_follow_creation_order_across_clients(lab, world, rng):
    members = world.clients(4)
    observer = world.observer
    election = ELECTION
    observer.ensure_path(election)
    made = []                     # (client index, guid, path) in creation order
    for k in range(rng.randint(10, 14)):
        i = rng.randrange(len(members))
        guid = guid_for(rng, k)
        path = check_volunteer(world, lab, members[i], observer, election, guid)
        made.append((i, guid, path))
        if rng.random() < 0.3:    # a plain child also advances the parent's counter
            observer.create(f"{election}/plain-{k}")
    numbers = [number(p) for _, _, p in made]
    shown = "\n".join(f"  #{k + 1} (client {i}): number {number(p)}" for k, (i, _, p) in enumerate(made))
    paths = "\n".join(f"  #{k + 1}: {p}" for k, (_, _, p) in enumerate(made))
    # Later means a positive serial distance (RFC 1982); a fresh folder never wraps here.
    expect(all(precedes(a, b) for a, b in zip(numbers, numbers[1:])),
           f"Nodes volunteered one after the other, from {len(members)} clients, must carry "
           f"increasing numbers in creation order; volunteer() returned, in creation order:\n"
           f"{shown}\nThe paths it returned:\n{paths}")
    observer.sync(election)
    for i, guid, path in made:
        stat = world.node_stat(path)
        if stat is None:
            world.unless_broken_beneath(members[i], f"{path!r}, volunteered by client {i}, is gone")
        expect(stat is not None and stat.ephemeralOwner == members[i].client_id[0],
               f"{path!r}, volunteered by client {i}, is "
               f"{'missing' if stat is None else f'owned by session 0x{stat.ephemeralOwner:x}'}; "
               f"expected an ephemeral node of that client's session 0x{members[i].client_id[0]:x}.")
