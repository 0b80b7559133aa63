"""Pictures of sessions and what outlives them: lab 1's ephemeral node on a time line, lab
5's connection states and what a candidate does in each, lab 6's paused leader whose late
write the store refuses. Each takes its story as data (times, states, writes) and works
out what follows from it: where the node's bar ends, which write the store takes.
"""
from __future__ import annotations

from harness.learner.pictures.svgdraw import (
    AMBER,
    BLUE,
    FAINT,
    GONE,
    GREEN,
    GREY,
    INK,
    LEADER,
    MUTED,
    PLAIN,
    RED,
    arrow,
    box,
    fmt,
    frame,
    heading,
    line,
    lines,
    text,
    wrap,
)

# --- lab 1: an ephemeral node lives as long as its session -----------------------------------

T0, T1, X0, X1 = 0.0, 10.0, 214, 850          # the time line's span, and where it is drawn


def _x(t: float) -> float:
    return X0 + (X1 - X0) * (t - T0) / (T1 - T0)


def ephemeral_lifetime(story: dict) -> str:
    """Lab 1's three experiments on one time line: the node's bar ends exactly where its
    session's ends (computed from the story, not typed), survives the server's death, and a
    new session owns nothing. ``story``: the session ids and the times of the events."""
    s = story
    ends = s["session_ends"]
    rows = [(f"A's session 0x{s['session']:x}", [(s["opened"], s["killed"], GREEN, "via zoo1"),
             (s["killed"], s["reconnected"], AMBER, ""), (s["reconnected"], ends, GREEN,
             "via zoo3: the same session")], "expired ✕"),
            (f"A's new session 0x{s['new_session']:x}", [(s["new_opened"], T1, GREEN,
             "owns nothing")], None),
            ("/exp/a  ephemeral", [(s["created"], ends, PLAIN,
             f"ephemeralOwner 0x{s['session']:x}")], "deleted by the servers ✕"),
            ("/exp/plain  persistent", [(s["created"] + 0.3, T1, GONE, "ephemeralOwner 0")],
             None)]
    out = heading(24, 32, "An ephemeral node lives exactly as long as its session",
                  "not as long as its connection, nor its server: lab 1's experiments on one "
                  "time line")
    for t, words in ((s["created"], "A creates /exp/a"),
                     (s["killed"], "zoo1 killed: SUSPENDED, then CONNECTED"),
                     (ends, "the session expires (or A closes it)")):
        out += [line(_x(t), 84, _x(t), 318, FAINT, 1, dash=True),
                *lines(_x(t) + 4, 80, wrap(words, 176, 11)[:2], 11, MUTED)]
    for k, (label, spans, end) in enumerate(rows):
        out += _time_row(label, spans, end, 124 + 50 * k)
    words = ("A server's death only moved the session to another server: the node stayed. When "
             "the session ended, the servers deleted the node; kazoo's new session owns nothing, "
             "and the old node is not created again.")
    out += lines(24, 346, wrap(words, 832, 12.5), 12.5)
    desc = (f"Time line. A's session 0x{s['session']:x} lives from {s['opened']} to {ends}; the "
            f"ephemeral node /exp/a lives from {s['created']} to {ends}, the same end. A killed "
            f"server at {s['killed']} does not end it. The persistent node /exp/plain "
            f"stays. The new session 0x{s['new_session']:x} owns nothing.")
    return frame(880, 394, "Lab 1: an ephemeral node and its session on one time line", desc,
                 out, heads=(GREY,))


def _time_row(label: str, spans: list, end: str | None, y: float) -> list[str]:
    out = [text(24, y + 17, label, 12.5, INK, weight="600", mono=label.startswith("/"))]
    for start, stop, style, words in spans:
        x1, x2 = _x(start), _x(stop)
        out += [box(x1, y, x2 - x1, 26, style, rx=4, dash=style is AMBER),
                text(x1 + 6, y + 17, words, 11, style[2])]
    last = spans[-1][1]
    if end:
        out.append(text(_x(last) + 6, y + 17, end, 11.5, RED[2], weight="700"))
    else:
        out.append(arrow(f"M{fmt(_x(last) - 24)},{y + 13} L{fmt(_x(last) + 16)},{y + 13}",
                         GREY, 1.4))
    return out


# --- lab 5: the connection states and what a candidate does in each -----------------------------

def connection_states(states: list[dict], moves: list[tuple]) -> str:
    """Lab 5's table as three states with the moves between them, and under each what the
    session and the node are and what a candidate does there. ``states``: name, style,
    what happened, session, node, does; ``moves``: (from, to, words, over or under)."""
    bw, gap, y, bh = 256, 26, 150, 262
    x_of = {st["name"]: 30 + k * (bw + gap) for k, st in enumerate(states)}
    out = heading(24, 32, "Connection states, and what a candidate does in each",
                  "kazoo tells its listeners; a candidate acts on each one at once")
    for st in states:
        out += _state_box(st, x_of[st["name"]], y, bw, bh)
    under = 0
    for a, b, words, side in moves:
        out += _move(x_of[a] + bw / 2, x_of[b] + bw / 2, y, bh, words, side, under)
        under += side == "under"
    desc = " ".join(f"{st['name']}: {st['happened']} Session: {st['session']}. Your node: "
                    f"{st['node']}. The candidate: {st['does']}" for st in states)
    return frame(880, 506, "Lab 5: CONNECTED, SUSPENDED and LOST, and what a candidate does",
                 desc, out, heads=(GREY,))


def _state_box(st: dict, x, y, bw, bh) -> list[str]:
    fill, stroke, ink = st["style"]
    out = [box(x, y, bw, bh, ("#ffffff", stroke, ink), rx=8, stroke_width=2),
           (f'<path d="M{x + 1},{y + 34} V{y + 9} Q{x + 1},{y + 1} {x + 9},{y + 1} '
            f'H{x + bw - 9} Q{x + bw - 1},{y + 1} {x + bw - 1},{y + 9} V{y + 34} z" '
            f'fill="{fill}"/>'),
           text(x + 14, y + 23, st["name"], 15, ink, weight="700", mono=True)]
    row = y + 54
    for head, words in (("what happened", st["happened"]), ("session", st["session"]),
                        ("your node", st["node"])):
        wrapped = wrap(f"{head}: {words}", bw - 24, 11.5)
        out += lines(x + 12, row, wrapped, 11.5, MUTED)
        row += 15.5 * len(wrapped) + 3
    out += [line(x + 12, row - 4, x + bw - 12, row - 4, "#e2e8f0", 1),
            text(x + 12, row + 14, "the candidate", 12, ink, weight="700")]
    return out + lines(x + 12, row + 31, wrap(st["does"], bw - 24, 12), 12, INK)


def _move(xa, xb, y, bh, words, side, under: int) -> list[str]:
    """One move between two states: a bow over the boxes, or under them (the ``under``-th
    one deeper, its ends apart from the others')."""
    over = side == "over"
    right = xb > xa
    if over:
        edge, depth = y, 34
        x1, x2 = xa + (40 if right else -40), xb + (-40 if right else 40)
    else:
        edge, depth = y + bh, 26 + 44 * under
        x1, x2 = xa - 30 + 30 * under, xb + 50 - 80 * under
    bend = edge - depth if over else edge + depth
    low = edge + (-0.75 if over else 0.75) * depth
    d = (f"M{fmt(x1)},{fmt(edge)} C{fmt(x1)},{fmt(bend)} {fmt(x2)},{fmt(bend)} "
         f"{fmt(x2)},{fmt(edge + (-3 if over else 3))}")
    return [arrow(d, GREY, 1.6),
            text((x1 + x2) / 2, low - 8 if over else low + 16, words, 11, MUTED,
                 anchor="middle")]


# --- lab 6: a paused leader's late write, refused -----------------------------------------------

LANES = {"old": 110, "zk": 330, "new": 550, "store": 770}


def refused_write(old: dict, new: dict, writes: list[tuple]) -> str:
    """Lab 6's story as a sequence diagram: the old leader freezes after deciding to write,
    its session expires, the new leader leads and writes, then the old write arrives. The
    store's answers are worked out from ``writes`` (writer, value, token) in the order they
    arrive: a token below the largest one accepted is refused. Each write sets ``config``."""
    verdicts, largest = [], None
    for writer, value, token in writes:
        ok = largest is None or token >= largest
        largest = token if ok else largest
        verdicts.append((writer, value, token, ok, largest))
    out = heading(24, 32, "A paused leader's late write, refused by its token",
                  "fencing: the store remembers the largest token it accepted")
    heads = (("old", "old leader", f"node …{old['node']}"), ("zk", "ZooKeeper", ""),
             ("new", "new leader", f"node …{new['node']}"),
             ("store", "the store", "keeps the largest token"))
    for lane, name, sub in heads:
        x = LANES[lane]
        out += [box(x - 80, 64, 160, 42, GONE, rx=6),
                text(x, 82, name, 13, INK, weight="700", anchor="middle"),
                text(x, 98, sub, 10.5, MUTED, anchor="middle", mono=bool(sub[:4] == "node")),
                line(x, 106, x, 500, FAINT, 1.2, dash=True)]
    out += _story(old, new, verdicts)
    desc = (f"The old leader (token {old['token']}) decides to write, then freezes. ZooKeeper "
            f"expires its session and deletes its node; the new leader (token {new['token']}) "
            f"leads and writes. " + " ".join(
                f"The {w} leader's write config = {v} with token {t}: "
                f"{'accepted' if ok else 'refused'}." for w, v, t, ok, _ in verdicts))
    return frame(880, 540, "Lab 6: the store refuses a paused leader's write with a lower token",
                 desc, out, heads=(BLUE, GREY, RED[1]))


def _note(lane: str, y, rows: list[str], style=PLAIN, width=200, bold=False) -> list[str]:
    """A note on a lane; with ``bold``, its first row is the verdict."""
    x = LANES[lane] - width / 2
    out = [box(x, y, width, 10 + 15 * len(rows), style, rx=5)]
    for k, row in enumerate(rows):
        out.append(text(x + 8, y + 17 + 15 * k, row, 11.5, style[2],
                        weight="700" if bold and k == 0 else None))
    return out


def _message(a: str, b: str, y, words: str, colour=BLUE, bold=False) -> list[str]:
    x1, x2 = LANES[a], LANES[b]
    step = 4 if x2 > x1 else -4
    return [arrow(f"M{x1 + step},{y} L{x2 - 2 * step},{y}", colour, 2.2 if bold else 1.6),
            text((x1 + x2) / 2, y - 7, words, 11.5, colour, anchor="middle",
                 weight="700" if bold else None)]


def _story(old: dict, new: dict, verdicts: list) -> list[str]:
    (_, new_value, new_token, new_ok, _), (_, old_value, old_token, old_ok, largest) = verdicts
    out = _note("old", 122, ["leads; token = its node's", f"czxid {old['token']}",
                             f"decides: write config = {old_value}"], LEADER, 196)
    out += [box(LANES["old"] - 14, 186, 28, 190, GONE, rx=3),
            *lines(LANES["old"] - 22, 214, ["frozen:", "GC pause,", "longer than", "the 2 s",
                                            "session", "timeout"], 11, MUTED, 14,
                   anchor="end")]
    out += _note("zk", 190, ["hears nothing for 2 s:", "expires the session,",
                             f"deletes …{old['node']}"], GONE, 180)
    out += _message("zk", "new", 272, f"…{old['node']} deleted: the watch fires")
    out += _note("new", 284, ["leads; token = its node's", f"czxid {new['token']}"], LEADER, 196)
    out += _message("new", "store", 344, f"write config = {new_value}, token {new_token}")
    out += _note("store", 354, ["ACCEPTED" if new_ok else "REFUSED",
                                f"largest so far: {new_token}"], GREEN if new_ok else RED, 176,
                 bold=True)
    out += _message("old", "store", 420, f"wakes: write config = {old_value}, token "
                    f"{old_token} (decided before the pause)", RED[1], bold=True)
    out += _note("store", 430, ["REFUSED" if not old_ok else "ACCEPTED",
                                f"{old_token} {'<' if not old_ok else '≥'} {largest}"],
                 RED if not old_ok else GREEN, 176, bold=True)
    out += _message("zk", "old", 470, "LOST, a moment later", GREY)
    return out + [text(24, 524, f"The store keeps config = {new_value}: the old term cannot "
                                "overwrite the new one, however late its write arrives.", 12.5,
                       INK)]
