"""Pictures of the election folder: lab 4's recipe, lab 3's herd beside lab 4's chain,
and the start page's map of the labs. Each takes its data (children's names, a number of
candidates, labs.toml's labs) and returns SVG text; the order, the predecessors and the
counts are worked out here with the recipe's own functions, not typed in.
"""
from __future__ import annotations

import itertools

from harness.learner.pictures.svgdraw import (
    BLUE,
    FAINT,
    GONE,
    GREY,
    LEADER,
    MUTED,
    PLAIN,
    RED,
    WOKEN,
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
from harness.recipe import MARKER, creation_order, sequence_of


def _short(name: str) -> str:
    """``-n_0000000003``: how the notes name a node (its guid does not matter there)."""
    return MARKER + name.rpartition(MARKER)[2]


# --- lab 4: the recipe ---------------------------------------------------------------------

def recipe(children: list[str], gone: list[str], folder: str = "/election") -> str:
    """Lab 4's recipe, drawn before the learner writes it: the folder, its numbered
    children in creation order, each candidate's arrow to the node just before its own
    (skipping a node that is gone: the predecessor is not "number - 1"), and the smallest
    one, the LEADER, watching nothing. ``children`` is what ``get_children`` returns (any
    order); ``gone`` are nodes that left, drawn faded so the skip shows."""
    rows = creation_order(list(children) + list(gone))
    alive = creation_order(children)
    width, x0, bx, bw, bh, pitch, top = 860, 24, 72, 252, 38, 58, 116
    y_of = {n: top + k * pitch for k, n in enumerate(rows)}
    height = top + len(rows) * pitch + 70
    out = heading(x0, 32, "The recipe: each candidate watches only the node just before its own",
                  "drawn in creation order (get_children() returns them in no order); "
                  "guids shortened")
    out += [box(x0, 66, 150, 32, GONE, rx=5),
            text(x0 + 12, 87, folder, 14, weight="700", mono=True),
            text(x0 + 164, 87, "a persistent folder; each candidate adds an "
                 "EPHEMERAL | SEQUENTIAL child", 12, MUTED)]
    out.append(line(x0 + 20, 98, x0 + 20, y_of[rows[-1]] + bh / 2, FAINT, 1.5))
    for name in rows:
        out += _recipe_row(name, alive, y_of[name], x0, bx, bw, bh)
    for k, name in enumerate(alive[1:], start=1):
        out += _watch_arc(y_of[name], y_of[alive[k - 1]], bx + bw, bh)
    words = ("When the node it watches goes, the candidate reads the children again: it leads "
             "only if its own node is now the smallest, else it watches its new predecessor. "
             "So one node going wakes one candidate.")
    out += lines(x0, height - 44, wrap(words, width - 2 * x0, 12.5), 12.5)
    desc = (f"The folder {folder} holds {len(alive)} candidate nodes in creation order. "
            f"{alive[0]} is first in creation order and leads; it watches nothing. "
            + " ".join(f"{b} watches {a}." for a, b in itertools.pairwise(alive))
            + (f" {', '.join(gone)} left, so the node after it watches the one before it."
               if gone else ""))
    return frame(width, height, "Lab 4's recipe: the folder, the numbered nodes, the watches",
                 desc, out, heads=(BLUE,))


def _recipe_row(name, alive, y, x0, bx, bw, bh) -> list[str]:
    """One child: the tree's tick, its box (gold: the leader; faded: gone) and its note."""
    out = [line(x0 + 20, y + bh / 2, bx, y + bh / 2, FAINT, 1.5)]
    if name not in alive:
        return out + [box(bx, y, bw, bh, GONE, dash=True),
                      text(bx + 12, y + 24, name, 13, GONE[2], mono=True),
                      text(bx + bw + 112, y + 16, f"{_short(name)} is gone (its candidate "
                           "resigned):", 12, GONE[2]),
                      text(bx + bw + 112, y + 32, "nobody watches it, and nobody waits for it",
                           12, GONE[2])]
    k = alive.index(name)
    style = LEADER if k == 0 else PLAIN
    out += [box(bx, y, bw, bh, style, stroke_width=2.5 if k == 0 else 1.5),
            text(bx + 12, y + 24, name, 13, mono=True, weight="600" if k == 0 else None)]
    if k == 0:
        return out + [text(bx + bw - 10, y + 24, "LEADER", 12, LEADER[2], weight="700",
                           anchor="end"),
                      text(bx + bw + 112, y + 16, "the smallest number: it leads,", 12, MUTED),
                      text(bx + bw + 112, y + 32, "and watches nothing", 12, MUTED)]
    pred = alive[k - 1]
    skip = sequence_of(name) - sequence_of(pred) > 1
    second = ("the node just before its own (not number − 1)" if skip
              else "the node just before its own")
    return out + [text(bx + bw + 112, y + 16, f"watches {_short(pred)}:", 12, MUTED),
                  text(bx + bw + 112, y + 32, second, 12, MUTED)]


def _watch_arc(y_from, y_to, x, bh) -> list[str]:
    """The watch from a candidate's box up to its predecessor's: a bow to the right of the
    boxes, wider the more rows it passes; the head at the watched node."""
    reach = 26 + 10 * round((y_from - y_to) / 58)
    y1, y2 = y_from + bh / 2 - 6, y_to + bh / 2 + 6     # out above the middle, in below it
    d = (f"M{fmt(x)},{fmt(y1)} C{fmt(x + reach)},{fmt(y1)} {fmt(x + reach)},{fmt(y2)} "
         f"{fmt(x + 3)},{fmt(y2)}")
    return [arrow(d, BLUE, 2),
            text(x + reach * 0.75 + 8, (y1 + y2) / 2 + 4, "watches", 11, BLUE)]


# --- lab 3: the herd beside the chain ------------------------------------------------------

def herd_and_chain(n: int = 5) -> str:
    """What the leader's going costs, side by side: in the herd every waiting candidate
    watches the folder's children and all n - 1 wake; in lab 4's chain each watches its
    predecessor and one wakes. Numbers and arrows come from ``n``."""
    width, height, panel = 880, 372, 440
    out = heading(24, 32, "The leader's node goes: who wakes up?",
                  f"{n} candidates; each arrow is a watch, its head at what it watches")
    out += _panel(0, n, herd=True)
    out += _panel(panel, n, herd=False)
    out.append(line(panel, 70, panel, height - 20, "#e2e8f0", 1))
    desc = (f"Two elections of {n} candidates whose leader's node has just gone. Left, the "
            f"herd: every waiting candidate watches the children of /election, so all "
            f"{n - 1} are notified. Right, the chain of lab 4: each candidate watches only "
            f"the node just before its own, so only the leader's successor is notified.")
    return frame(width, height, "The herd (every candidate watches the folder) beside "
                 "the chain (each watches its predecessor)", desc, out, heads=(BLUE, GREY))


def _panel(x0, n, herd: bool) -> list[str]:
    """One side: the folder, the row of candidates (the first one gone), the watches, the
    woken ones in orange, and the count."""
    bw, gap = 62, 12
    row_w = n * bw + (n - 1) * gap
    left, y = x0 + (440 - row_w) / 2, 196
    xs = [left + k * (bw + gap) for k in range(n)]
    fx = x0 + 220 - 70
    out = [text(x0 + 24, 84, "The herd (this lab)" if herd else "The chain (lab 4)", 14,
                weight="700"),
           text(x0 + 24, 102, "every candidate watches the children" if herd
                else "each candidate watches its predecessor", 12, MUTED),
           box(fx, 118, 140, 30, GONE, rx=5),
           text(fx + 70, 138, "/election", 13, anchor="middle", weight="700", mono=True)]
    if not herd:
        out.append(text(fx + 70, 163, "nobody watches the folder", 11, MUTED, anchor="middle"))
    woken = set(range(1, n)) if herd else {1}
    for k, x in enumerate(xs):
        out += _candidate(k, x, y, bw, woken)
        if k and herd:
            out.append(arrow(f"M{fmt(x + bw / 2)},{y} L{fmt(fx + 20 + 100 * k / n)},151",
                             GREY, 1.6))
        elif k:
            out.append(arrow(f"M{fmt(x + 14)},{y} C{fmt(x + 6)},{y - 30} "
                             f"{fmt(xs[k - 1] + bw - 6)},{y - 30} "
                             f"{fmt(xs[k - 1] + bw - 14)},{y - 2}", BLUE, 1.8))
    count = len(woken)
    out += [text(x0 + 24, 292, f"{count} notification{'s' if count != 1 else ''}", 22,
                 WOKEN[2], weight="700")]
    words = (f"every waiting candidate wakes, reads all {n - 1} children and sets its watch "
             "again; one of them had anything to do" if herd else
             "only the successor of the node that went wakes; it reads the children "
             "and leads")
    return out + lines(x0 + 24, 314, wrap(words, 390, 12), 12)


def _candidate(k, x, y, bw, woken) -> list[str]:
    if k == 0:
        return [box(x, y, bw, 44, RED, dash=True),
                text(x + bw / 2, y + 19, "leader", 11, RED[2], anchor="middle"),
                text(x + bw / 2, y + 35, "gone ✕", 11, RED[2], anchor="middle",
                     weight="700")]
    style = WOKEN if k in woken else PLAIN
    out = [box(x, y, bw, 44, style, stroke_width=2 if k in woken else 1.5),
           text(x + bw / 2, y + 19, f"n_…{k}", 12, anchor="middle", mono=True)]
    if k in woken:
        out.append(text(x + bw / 2, y + 35, "woken", 11, WOKEN[2], anchor="middle",
                        weight="700"))
    return out


# --- the start page: the map of the labs -----------------------------------------------------

def lab_map(labs: list) -> str:
    """The labs in order, and which earlier lab each imports from the learner's saved
    notebook (labs.toml's ``needs``): why an earlier lab must be right and saved first.
    ``labs`` are ``manifest.Lab`` entries (number, key, title, points, needs)."""
    n = len(labs)
    bw, gap, x0, y = 124, 18, 24, 78
    width = max(560, 2 * x0 + n * bw + (n - 1) * gap)
    x_of = {lab.key: x0 + k * (bw + gap) for k, lab in enumerate(labs)}
    number = {lab.key: lab.number for lab in labs}
    arcs = [(lab.key, need) for lab in labs for need in lab.needs if need in x_of]
    deepest = max([_drop(x_of[a], x_of[b], bw, gap) for a, b in arcs] or [0])
    out = heading(x0, 32, "The labs: one recipe, built step by step",
                  "in order; an arrow underneath: this lab imports that one from your "
                  "saved notebook")
    for k, lab in enumerate(labs):
        x = x_of[lab.key]
        out += [box(x, y, bw, 70, PLAIN),
                text(x + 10, y + 22, f"Lab {lab.number}", 13, weight="700"),
                *lines(x + 10, y + 40, wrap(lab.title, bw - 16, 12)[:2], 12, MUTED),
                text(x + bw - 8, y + 22, f"{lab.points:g} pts", 11, FAINT, anchor="end")]
        if k:
            out.append(arrow(f"M{fmt(x - gap + 2)},{y + 35} L{fmt(x - 1)},{y + 35}", GREY, 1.4))
    for a, b in arcs:        # ends spread along each edge, so that the arcs nest, not cross
        ins = sorted((s for s, t in arcs if t == b), key=lambda s: -abs(x_of[s] - x_of[b]))
        outs = sorted((t for s, t in arcs if s == a), key=lambda t: abs(x_of[t] - x_of[a]))
        out.append(_import_arc(x_of[a] + bw * (0.3 + 0.4 * outs.index(b) / max(1, len(outs))),
                               x_of[b] + bw * (0.3 + 0.4 * ins.index(a) / max(1, len(ins))),
                               y + 70, _drop(x_of[a], x_of[b], bw, gap)))
    said = "; ".join(_imports([number[s] for s, t in arcs if t == b], number[b])
                     for b in sorted(dict.fromkeys(t for _, t in arcs), key=number.get))
    words = f"{said[:1].upper()}{said[1:]}: get each one right, and save it, before the next."
    rows = wrap(words, width - 2 * x0, 12.5)
    base = y + 70 + 0.75 * deepest + 34
    out += lines(x0, base, rows, 12.5)
    desc = ("The labs in order: " + "; ".join(f"lab {lab.number}, {lab.title}" for lab in labs)
            + ". " + words)
    return frame(width, int(base + 18 * len(rows) + 8),
                 "The labs, and which earlier lab each one imports", desc, out,
                 heads=(BLUE, GREY))


def _imports(sources: list[int], target: int) -> str:
    """"labs 3, 4 and 5 import your lab 2", or "lab 6 imports your lab 5"."""
    if len(sources) == 1:
        return f"lab {sources[0]} imports your lab {target}"
    listed = ", ".join(str(k) for k in sources[:-1]) + f" and {sources[-1]}"
    return f"labs {listed} import your lab {target}"


def _drop(x_from, x_to, bw, gap) -> float:
    """How far under the row an import arc reaches: further the more labs it passes."""
    return 26 + 18 * abs(x_from - x_to) / (bw + gap)


def _import_arc(a, b, y, drop) -> str:
    return arrow(f"M{fmt(a)},{y} C{fmt(a)},{fmt(y + drop)} {fmt(b)},{fmt(y + drop)} "
                 f"{fmt(b)},{y + 3}", BLUE, 1.6)
