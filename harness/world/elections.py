"""What the election checks of labs 3 and 4 share: a fleet of candidates, and counts.

The candidates are the learner's objects, built and run in the sandbox
(``World.candidate`` -> ``RemoteCandidate``: ``.label``, ``.zk``, and
``.elected_flags``, what ``is_leader`` was inside each ``on_elected`` call).
``build`` starts N of them on the given sandbox clients; ``expect_single_leader``
waits for the one expected leader and says, in a learner's words, who leads
instead. What a candidate reports (``node``, ``is_leader``, ``watching``) is
its claim; what the nodes are, and who is notified of what, the grader reads
on the servers (``world.observer``, ``cons``, ``wchc``, ``mntr``).

Notifications are counted per session from ``cons``: every request gets one
reply, so what a server sent a session beyond its replies are watch
notifications. The mntr counters are server-wide: evidence under the
``faults`` lock only.

No check sleeps to "let things settle". ``World.quiesce`` waits for an event
instead: every candidate has handled everything ZooKeeper had told it (a
``sync`` round trip per client, then a marker through kazoo's worker queues),
done inside the sandbox by ``recipe.quiesce``, on the learner's real clients.
A wrong leader, a second notification, a watch set twice: all of them happen
in a callback, so all of them have happened when it returns.
"""
import re
import time

from harness.ensemble import EnsembleError, fourlw
from harness.ensemble.fourlw import WATCH_NOTIFICATION_COUNTERS as WATCH_COUNTERS
from harness.recipe import ELECTION, sequence_of
from harness.waits import wait_until
from harness.world.diagnoses import extra_leaders, name, unarmed
from harness.world.verdicts import CheckFailure, expect

_CONS = re.compile(r"recved=(\d+),sent=(\d+),sid=0x([0-9a-f]+)")
_CONS_PEER = re.compile(r":(\d+)\[\d+\]\([^)]*?sid=0x([0-9a-f]+)")     # the connection's port


class Counts(dict):
    """{session id: notifications}; ``conns``: {session id: (server, client port)}, the
    connection the count belongs to (a count starts again on a new connection)."""
    conns: dict = {}


def seq(node):
    """Sequence number of a node path or name, parsed here (not with your Lab 2).

    The path comes from the learner's candidate (its ``node``): one that is not a
    sequential node's path is their mistake, said as such, never the grader's error."""
    number = sequence_of(node)
    if number is None:
        raise CheckFailure(f"A candidate's node is {node!r}: not the path of a sequential node "
                           "(it ends in -n_ and the number ZooKeeper appended). Keep the path "
                           "zk.create(..., sequence=True) returns.")
    return number


def real_client(zk):
    """The sandbox client under a candidate's ``zk`` (lab 4's race wrapper holds one)."""
    return getattr(zk, "real", zk)


def clients_of(cands):
    """The sandbox clients the candidates run on (what ``World.quiesce`` needs)."""
    return [real_client(c.zk) for c in cands]


def exists(world, node):
    """The grader's word on a node the learner named: its stat, or None."""
    if not isinstance(node, str) or not node.startswith("/"):
        return None
    return world.node_stat(node)        # it syncs first: the candidate's server may be ahead


def build(world, cls_name, zks, n):
    """n candidates of the lab's class ``cls_name``; candidate i uses zks[i % len(zks)];
    started in order, each one's node checked on the servers once its start() returns."""
    cands = [world.candidate(cls_name, zks[i % len(zks)], ELECTION, label=f"candidate #{i + 1}")
             for i in range(n)]
    for cand in cands:
        cand.start()
        node = cand.node
        found = exists(world, node) is not None
        if not found:
            world.unless_broken_beneath(real_client(cand.zk), f"{cand.label}'s node {node!r} is gone")
        expect(found,
               f"After start() returned, {cand.label}'s node should exist; node is "
               f"{node!r} and ZooKeeper has no such znode. start() must return "
               "only once the candidate's own node exists.")
    return cands


def mixed_clients(world, rng, n):
    """Some candidates on sandbox clients of their own, the others sharing a few clients."""
    own = rng.randint(2, n - 2)
    shared = world.clients(rng.randint(1, 2))
    zks = world.clients(own) + [shared[i % len(shared)] for i in range(n - own)]
    rng.shuffle(zks)
    return zks


def leaders(cands):
    return [c for c in cands if c.is_leader]


def describe(cands):
    parts = []
    for c in cands:
        a = c.attrs("node", "is_leader")
        try:
            number = seq(a["node"])
        except CheckFailure:
            number = repr(a["node"])
        parts.append(f"{c.label} seq {number}{' LEADER' if a['is_leader'] else ''}")
    return ", ".join(parts)


def expect_single_leader(world, cands, expected, deadline, after="", gone_seq=None, mark=None):
    """Wait for ``expected`` to be the only leader, then make sure it stays so.

    "Stays" is checked after ``world.quiesce``: once every notification has
    been handled, a second leader that a watch callback would make has been made.
    On failure the message adds what the evidence shows of the cause
    (``diagnoses``): ``gone_seq``, the sequence number of the node that just went;
    ``mark``, ``diagnoses.watch_mark(world, expected)`` taken before it went.
    """
    ok = wait_until(lambda: leaders(cands) == [expected], deadline)
    if not ok:
        now = leaders(cands)
        why = extra_leaders(cands, expected, now, gone_seq)
        if expected not in now:
            why += not_notified(world, expected, mark) or unarmed(cands, expected)
        raise CheckFailure(
            f"{after}Expected exactly one leader, {expected.label} (sequence number "
            f"{seq(expected.node)}, the smallest left), within {deadline:.0f} s; "
            f"is_leader is True for {[c.label for c in now] or 'nobody'}.{why} "
            f"Candidates: {describe(cands)}.")
    world.quiesce(clients_of(cands))
    now = leaders(cands)
    expect(now == [expected],
           f"{after}{expected.label} led, but then the leaders became "
           f"{[c.label for c in now]}: a single leader must stay single.")


def in_order(cands):
    """The candidates by the sequence number of their node (one read of each)."""
    numbers = {id(c): seq(c.node) for c in cands}
    return sorted(cands, key=lambda c: numbers[id(c)])


def smallest(cands):
    return in_order(cands)[0]


COUNT_WINDOW = 0.25     # seconds of `cons` reads behind one notification count


def notification_counts(ensemble, sids, window: float = COUNT_WINDOW):
    """{session id: notifications the server has sent it} from `cons` (sent - received).

    Every request a client sends gets one reply, so what the server sent beyond its
    replies are watch notifications. A request received and not yet answered lowers
    that difference by one while it is in flight, and nothing raises it but a
    notification: kazoo pings every two thirds of a session timeout, and on a loaded
    machine a ping can stay in flight across two reads 20 ms apart (CI: kazoo's own
    lab 4 election looked notified by a child it never watched). So each session's
    count is the highest read over at least ``window`` seconds, until two reads in a
    row agree; a session whose connection changed meanwhile starts again from its
    new connection's read.
    """
    def read():
        out, conns = {}, {}
        for i, text in ensemble.ask_every_up("cons").items():
            for m in _CONS.finditer(text):
                out[int(m.group(3), 16)] = int(m.group(2)) - int(m.group(1))
            for m in _CONS_PEER.finditer(text):
                conns[int(m.group(2), 16)] = (i, int(m.group(1)))
        counts = Counts({s: out.get(s) for s in sids})
        counts.conns = {s: conns.get(s) for s in sids}
        return counts

    best = prev = read()
    until = time.monotonic() + window
    for _ in range(100):
        time.sleep(0.02)
        cur = read()
        best = _highest(best, cur)
        if cur == prev and time.monotonic() >= until:
            break
        prev = cur
    return best


def _highest(best: Counts, cur: Counts) -> Counts:
    """Each session's highest count so far, on the connection ``cur`` read it on."""
    out = Counts(cur)
    out.conns = dict(cur.conns)
    for s, count in cur.items():
        kept = best.get(s)
        if best.conns.get(s) != cur.conns.get(s) or kept is None:
            continue                        # a new connection: its own count only
        out[s] = kept if count is None else max(kept, count)
    return out


def delivered(before, after):
    """Notifications each session got between two counts. A session whose connection
    changed in between (kazoo reconnected it: a machine too loaded to answer in time)
    has counts of two connections, which say nothing: no verdict, as for a broken
    ensemble (the class grader grades such a submission again)."""
    moved = [s for s in before if getattr(before, "conns", {}).get(s)
             and getattr(after, "conns", {}).get(s) != before.conns[s]]
    if moved:
        raise EnsembleError(f"{len(moved)} candidate session(s) were reconnected while their "
                            f"notifications were counted; the count cannot judge your code")
    return {s: (after[s] or 0) - (before[s] or 0) for s in before}


def mntr_totals(ensemble):
    """Server counters summed over the servers that are up."""
    tot = {k: 0 for k in WATCH_COUNTERS + ("zk_watch_count",)}
    for text in ensemble.ask_every_up("mntr").values():
        m = fourlw.parse_mntr(text)
        for k in tot:
            tot[k] += int(float(m.get(k, 0)))
    return tot


def session_ids(zks):
    """The sandbox clients' session ids (read once: each is a request to the sandbox)."""
    return [z.session_id for z in zks]


def settle(world, zks, sids=None):
    """{session id: notifications so far} once the candidates on ``zks`` are quiet."""
    world.quiesce(zks)
    return notification_counts(world.ensemble, session_ids(zks) if sids is None else sids)


def expect_on_elected_once(world, cands):
    """on_elected is called once, for the leader only, with is_leader already True."""
    first = smallest(cands)
    expect_single_leader(world, cands, first, 5)
    expect(wait_until(lambda: first.elected_flags, 3),
           f"{first.label} leads (is_leader is True) but its on_elected callback was never called.")
    flags = first.elected_flags
    expect(len(flags) == 1,
           f"on_elected of the leader ({first.label}) was called {len(flags)} times; it became "
           "leader once, so it should have been called exactly once. Call it only when is_leader "
           "changes from False to True, not each time a notification is handled.")
    expect(flags == [True],
           f"on_elected of the leader ({first.label}) was called once, but inside the call "
           f"is_leader was {flags[0]!r}: set is_leader = True before calling on_elected.")
    others = [c.label for c in cands if c is not first and c.elected_flags]
    expect(not others, f"on_elected was called for candidates that do not lead: {others}.")


def expect_resign_idempotent_and_final(world, cands, election):
    """The next in line, then the leader, resign twice; the third leads; nobody comes back."""
    order = in_order(cands)
    expect_single_leader(world, cands, order[0], 5)
    quitter = order[1]                       # next in line (lab 4: watching the leader)
    node = quitter.node
    quitter.resign()
    quitter.resign()                         # again: must not raise
    expect(exists(world, node) is None,
           f"After resign(), the candidate's node {node} should be deleted; it still exists.")
    after = quitter.attrs("is_leader", "watching")
    expect(not after["is_leader"] and after["watching"] is None,
           f"After resign(), is_leader should be False and watching None; got "
           f"{after['is_leader']!r} and {after['watching']!r}. A candidate that has resigned "
           "takes no part any more: it watches nothing, and a watch it set before must "
           "find it gone and do nothing.")
    # Let the quitter's successor handle its notification before the leader goes: else
    # whether it has set its next watch yet would be a race, not the learner's code.
    world.quiesce(clients_of(cands))
    rest = [c for c in order if c not in (order[0], quitter)]
    mark = watch_mark(world, rest[0])
    order[0].resign()                        # fires the quitter's old watch, if it is still there
    order[0].resign()
    expect(not order[0].is_leader, "After the leader's resign(), its is_leader must be False.")
    expect_single_leader(world, cands, rest[0], 3, mark=mark,
                         after="The leader and the next in line both resigned; the one after them should lead. ")
    expect(not quitter.elected_flags and not quitter.is_leader,
           "A candidate that had resigned was told it leads (on_elected called): after resign() "
           "its old watch can still fire, and it must then do nothing.")
    world.observer.sync(election)
    left = len(world.observer.get_children(election))
    expect(left == len(rest),
           f"{len(rest)} candidates still take part, but the election has {left} children: a "
           "resigned candidate must not volunteer again.")


def gone_watches(world, server_paths) -> list[str]:
    """Of the watched paths a server lists (``wchc``: with the check's namespace in
    front), those whose node no longer exists, named as the learner names them."""
    ns = world.namespace
    local = sorted(p[len(ns):] if p.startswith(ns) else p for p in server_paths)
    world.observer.sync("/")
    return [p for p in local if world.observer.exists(p) is None]


def leaked_watch_words(gone) -> str:
    """What a watch on a path that no longer exists means, in a learner's words."""
    return (f"the server lists a watch on {', '.join(gone)}, which no longer exists: the "
            "watched path is gone and the watch leaked. A watch set with exists() on a "
            "missing node - or kazoo's DataWatch, which re-arms itself with exists() after "
            "its node is deleted - stays on the server until that path is created again. "
            "Watch the predecessor with zk.get(pred, watch=...), a one-shot watch that is "
            "used up when the node goes, and set no new watch once you have resigned.")


def watch_mark(world, cand):
    """What the servers have sent ``cand``'s session so far, before a change that should
    notify it (``not_notified``). None when it cannot be read.

    A quick read (two that agree, not the highest over ``COUNT_WINDOW``): a ping in
    flight can only make this mark low, which makes ``not_notified`` see one more
    notification and say nothing; it never makes the hint claim a notification was
    missed. The mark is taken before every such change, most of them in checks that
    pass, and the window's quarter second each time was most of lab 4's wall time."""
    try:
        sid = session_ids(clients_of([cand]))[0]
        return sid, notification_counts(world.ensemble, [sid], window=0)
    except Exception:           # evidence only: a check never stops for want of it
        return None


def not_notified(world, cand, mark) -> str:
    """A sentence when ``cand``'s session got no notification at all since ``mark``:
    it held no watch that the change fires (verified on the servers, from `cons`)."""
    if mark is None:
        return ""
    sid, before = mark
    try:
        now = notification_counts(world.ensemble, [sid])
        got = delivered(before, now)[sid]   # EnsembleError: a new connection, no claim
    except Exception:
        return ""
    if before.get(sid) is None or now.get(sid) is None or got != 0:
        return ""
    who = name(cand)
    return (f" {who[:1].upper()}{who[1:]} was not notified of that change at all: the servers sent its "
            "session no notification since, so it held no watch that the change fires. A "
            "ZooKeeper watch fires once: each time it fires, your callback must set the next "
            "one (re-arm it).")
