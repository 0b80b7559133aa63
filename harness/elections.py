"""What the election checks of labs 3 and 4 share: a fleet of candidates, and counts.

A ``Box`` holds one candidate and what its ``on_elected`` saw; ``build`` starts
N of them on the given clients; ``expect_single_leader`` waits for the one
expected leader and says, in a learner's words, who leads instead.

Notifications are counted per session from ``cons``: every request gets one
reply, so what a server sent a session beyond its replies are watch
notifications. The mntr counters are server-wide: evidence under the
``faults`` lock only.

No check sleeps to "let things settle". ``quiesce`` waits for an event
instead: every candidate has handled everything ZooKeeper had told it (a
``sync`` round trip per client, then a marker through kazoo's worker queues).
A wrong leader, a second notification, a watch set twice: all of them happen
in a callback, so all of them have happened when ``quiesce`` returns.
"""
import re
import threading
import time

from kazoo.protocol.states import Callback

from .checkkit import CheckFailure, expect, session_id, wait_until
from .fourlw import WATCH_NOTIFICATION_COUNTERS as WATCH_COUNTERS

ELECTION = "/election"
_CONS = re.compile(r"recved=(\d+),sent=(\d+),sid=0x([0-9a-f]+)")


def seq(node):
    """Sequence number of a node path or name, parsed here (not with your Lab 2)."""
    return int(node.rsplit("-n_", 1)[1])


class Box:
    """A candidate plus what its on_elected callback saw."""

    def __init__(self, label):
        self.label = label
        self.cand = None
        self.elected_flags = []       # is_leader as seen inside each on_elected call

    def on_elected(self):
        self.elected_flags.append(getattr(self.cand, "is_leader", None))


def build(cls, zks, n):
    """n candidates; candidate i uses zks[i % len(zks)]; started in order."""
    boxes = []
    for i in range(n):
        box = Box(f"candidate #{i + 1}")
        box.zk = zks[i % len(zks)]
        box.cand = cls(box.zk, ELECTION, on_elected=box.on_elected)
        boxes.append(box)
    for box in boxes:
        box.cand.start()
        expect(box.cand.node is not None and box.zk.exists(box.cand.node) is not None,
               f"After start() returned, {box.label}'s node should exist; node is "
               f"{box.cand.node!r} and ZooKeeper has no such znode. start() must return "
               "only once the candidate's own node exists.")
    return boxes


def mixed_clients(clients, rng, n):
    """Some candidates on clients of their own, the others sharing a few clients."""
    own = rng.randint(2, n - 2)
    shared = clients(rng.randint(1, 2))
    zks = clients(own) + [shared[i % len(shared)] for i in range(n - own)]
    rng.shuffle(zks)
    return zks


def leaders(boxes):
    return [b for b in boxes if b.cand.is_leader]


def describe(boxes):
    return ", ".join(f"{b.label} seq {seq(b.cand.node)}{' LEADER' if b.cand.is_leader else ''}"
                     for b in boxes)


def quiesce(zks, rounds: int = 2, timeout: float = 5.0) -> None:
    """Return once these clients' candidates have handled all ZooKeeper told them.

    Per client, a ``sync`` round trip: its server answers only after applying
    every change committed before it, and the notifications those changes
    owed this session travel ahead of the answer on the same connection. Then
    a marker through each of kazoo's two worker queues (watch callbacks,
    async completions): it runs only once every callback queued before it has
    returned. Two rounds, because what one candidate's callback did (a
    delete, a create) can wake another. Stopped clients are skipped.
    """
    live = {}
    for z in zks:                    # one entry per client, shared or wrapped
        if z.connected:
            live.setdefault(id(z.handler), z)
    for _ in range(rounds):
        for z in live.values():
            try:
                z.sync_async("/").get(timeout=timeout)
            except Exception as e:
                raise CheckFailure(
                    f"A candidate's client could not sync with ZooKeeper within {timeout:.0f} s "
                    f"({type(e).__name__}): its connection is down, or one of your callbacks "
                    "blocks kazoo's worker threads (never wait inside a callback).") from None
        for z in live.values():
            done = [threading.Event(), threading.Event()]
            z.handler.dispatch_callback(Callback("watch", done[0].set, ()))
            z.handler.completion_queue.put(done[1].set)
            if not all(d.wait(timeout) for d in done):
                raise CheckFailure(
                    f"A watch callback (or async completion) of a candidate had not returned "
                    f"{timeout:.0f} s after ZooKeeper's last notification: kazoo runs them one "
                    "at a time, so a callback that blocks stops every later one. Keep callbacks "
                    "short and never wait inside one for another callback.")


def expect_single_leader(boxes, expected, deadline, after=""):
    """Wait for ``expected`` to be the only leader, then make sure it stays so.

    "Stays" is checked after ``quiesce``: once every notification has been
    handled, a second leader that a watch callback would make has been made.
    """
    ok = wait_until(lambda: leaders(boxes) == [expected], deadline)
    if not ok:
        now = leaders(boxes)
        raise CheckFailure(
            f"{after}Expected exactly one leader, {expected.label} (sequence number "
            f"{seq(expected.cand.node)}, the smallest left), within {deadline:.0f} s; "
            f"is_leader is True for {[b.label for b in now] or 'nobody'}. "
            f"Candidates: {describe(boxes)}.")
    quiesce([b.zk for b in boxes])
    expect(leaders(boxes) == [expected],
           f"{after}{expected.label} led, but then the leaders became "
           f"{[b.label for b in leaders(boxes)]}: a single leader must stay single.")


def smallest(boxes):
    return min(boxes, key=lambda b: seq(b.cand.node))


def notification_counts(ensemble, sids):
    """{session id: notifications the server has sent it} from `cons` (sent - received).

    Every request a client sends gets one reply, so what the server sent beyond
    its replies are watch notifications. Read until two reads agree.
    """
    def read():
        out = {}
        for i in ensemble.serving():
            for m in _CONS.finditer(ensemble.fourlw(i, "cons")):
                out[int(m.group(3), 16)] = int(m.group(2)) - int(m.group(1))
        return {s: out.get(s) for s in sids}
    prev = read()
    for _ in range(50):
        time.sleep(0.02)
        cur = read()
        if cur == prev:
            return cur
        prev = cur
    return cur


def delivered(before, after):
    return {s: (after[s] or 0) - (before[s] or 0) for s in before}


def mntr_totals(ensemble):
    """Server counters summed over the serving servers."""
    tot = {k: 0 for k in WATCH_COUNTERS + ("zk_watch_count",)}
    for i in ensemble.serving():
        m = ensemble.mntr(i)
        for k in tot:
            tot[k] += int(float(m.get(k, 0)))
    return tot


def settle(ensemble, zks):
    """{session id: notifications so far} once the candidates on ``zks`` are quiet."""
    quiesce(zks)
    return notification_counts(ensemble, [session_id(z) for z in zks])


def expect_on_elected_once(boxes):
    """on_elected is called once, for the leader only, with is_leader already True."""
    first = smallest(boxes)
    expect_single_leader(boxes, first, 5)
    expect(wait_until(lambda: first.elected_flags, 3),
           f"{first.label} leads (is_leader is True) but its on_elected callback was never called.")
    expect(first.elected_flags == [True],
           f"on_elected of the leader was called {len(first.elected_flags)} time(s), seeing "
           f"is_leader = {first.elected_flags}; expected one call with is_leader already True "
           "(set the flag before calling the callback).")
    others = [b.label for b in boxes if b is not first and b.elected_flags]
    expect(not others, f"on_elected was called for candidates that do not lead: {others}.")


def expect_resign_idempotent_and_final(boxes, election):
    """The next in line, then the leader, resign twice; the third leads; nobody comes back."""
    order = sorted(boxes, key=lambda b: seq(b.cand.node))
    expect_single_leader(boxes, order[0], 5)
    quitter = order[1]                       # next in line (lab 4: watching the leader)
    quitter.cand.resign()
    quitter.cand.resign()                    # again: must not raise
    expect(quitter.zk.exists(quitter.cand.node) is None,
           f"After resign(), the candidate's node {quitter.cand.node} should be deleted; it still exists.")
    expect(not quitter.cand.is_leader and quitter.cand.watching is None,
           f"After resign(), is_leader should be False and watching None; got "
           f"{quitter.cand.is_leader!r} and {quitter.cand.watching!r}.")
    # Let the quitter's successor handle its notification before the leader goes: else
    # whether it has set its next watch yet would be a race, not the learner's code.
    quiesce([b.zk for b in boxes])
    order[0].cand.resign()                   # fires the quitter's old watch, if it is still there
    order[0].cand.resign()
    expect(not order[0].cand.is_leader, "After the leader's resign(), its is_leader must be False.")
    rest = [b for b in order if b not in (order[0], quitter)]
    expect_single_leader(boxes, rest[0], 3,
                         after="The leader and the next in line both resigned; the one after them should lead. ")
    expect(not quitter.elected_flags and not quitter.cand.is_leader,
           "A candidate that had resigned was told it leads (on_elected called): after resign() "
           "its old watch can still fire, and it must then do nothing.")
    left = len(quitter.zk.get_children(election))
    expect(left == len(rest),
           f"{len(rest)} candidates still take part, but the election has {left} children: a "
           "resigned candidate must not volunteer again.")
