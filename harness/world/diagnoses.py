"""Why an election went wrong, in the learner's words, said only as far as it is verified.

A failing election check sees a symptom (nobody leads, two lead, a watch on the
wrong node). The learner needs the mistake. Each function here looks at one more
piece of evidence on the servers or in the candidates' own nodes, and returns a
sentence only when that evidence holds; otherwise ''. A check never guesses a
cause it did not verify (issue 28: a learner who sorted by the signed number was
once told they sorted "as text").

Candidates are named as the live view names them: "candidate #3 (seq 2)".
The evidence of notifications (``watch_mark``, ``not_notified``) lives beside the
counting, in ``elections``.
"""
from __future__ import annotations

from harness.recipe import sequence_of


def name(cand, node=None) -> str:
    """'candidate #3 (seq 2)': its label and the sequence number of its node."""
    try:
        number = sequence_of(node if node is not None else cand.node)
    except Exception:           # a node that is no sequential path: the label alone
        number = None
    return cand.label if number is None else f"{cand.label} (seq {number})"


def _base(node) -> str:
    return node.rsplit("/", 1)[-1] if isinstance(node, str) else ""


def extra_leaders(cands, expected, now, gone_seq=None) -> str:
    """Sentences on candidates that lead beside (or instead of) ``expected``, each only
    where the candidates' own nodes show it."""
    extra = [c for c in now if c is not expected]
    if not extra:
        return ""
    nodes = {id(c): c.node for c in cands}
    numbered = sorted(((n, c) for n, c in ((sequence_of(nodes[id(c)]), c) for c in cands)
                       if n is not None), key=lambda nc: nc[0])
    if gone_seq is not None:
        later = [(n, c) for n, c in numbered if n > gone_seq]
        successor = later[0][1] if later else None
        if successor is not None and successor in extra:
            who = name(successor, nodes[id(successor)])
            return (f" {who[:1].upper()}{who[1:]} leads while "
                    f"{name(expected, nodes[id(expected)])} is still there; the node just "
                    f"before it (seq {gone_seq}) had just gone. A watch that fires says only "
                    "that your predecessor went: read the children again, and lead only if "
                    "yours is now the smallest.")
    # Leadership by name: each candidate that was, when it joined, the first of the
    # names so far as text, leads (and nobody else). Said as what the nodes show.
    firsts, smallest = [], None
    for _, c in numbered:
        base = _base(nodes[id(c)])
        if smallest is None or base < smallest:
            firsts.append(c)
            smallest = base
    if len(now) >= 2 and set(map(id, firsts)) == set(map(id, now)):
        return (f" The leaders are exactly the candidates whose node name sorted first as "
                f"text among the nodes made up to theirs "
                f"({', '.join(name(c, nodes[id(c)]) for c in firsts)}): "
                "it looks as if your code compares the names. The smallest sequence number "
                "leads: compare the numbers (lab 2's sort_candidates), not the names.")
    return ""


def unarmed(cands, expected) -> str:
    """A sentence when ``expected`` says it watches a path but its kazoo client holds
    fewer watch callbacks there than the candidates on that client that say so: a watch
    that fired and was not set again. Read in the learner's kazoo (the sandbox), for a
    message only; a session shared by several candidates is why the servers' counts
    (``not_notified``) cannot tell this apart."""
    try:
        said = {id(c): c.attrs("is_leader", "watching") for c in cands}   # one request each
        watched = said[id(expected)]["watching"]
        if not isinstance(watched, str) or not watched.startswith("/") \
                or said[id(expected)]["is_leader"]:
            return ""
        client = getattr(expected.zk, "real", expected.zk)     # lab 4's race wrapper
        sharing = [c for c in cands if getattr(c.zk, "real", c.zk) is client
                   and not said[id(c)]["is_leader"] and said[id(c)]["watching"] == watched]
        held = client.watches()
        count = held["child"].get(watched, 0) + held["data"].get(watched, 0)
    except Exception:           # evidence only: no claim without it
        return ""
    if count >= len(sharing) or expected not in sharing:
        return ""
    who = name(expected)
    holds = ("no watch there" if count == 0 else
             f"{count} watch callback{'s' if count > 1 else ''} there for the {len(sharing)} "
             "candidates on its client that say they watch it")
    return (f" {who[:1].upper()}{who[1:]} says it watches {watched}, but its kazoo client "
            f"holds {holds}: a watch fired and was not set again. A ZooKeeper watch fires "
            "once: each time it fires, your callback must set the next one (re-arm it).")
