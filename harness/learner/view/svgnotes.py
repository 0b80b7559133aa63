"""The picture under the row of boxes: the store's last writes (lab 6), the caption (the
notifications), and the legend. Pure, as ``svg``: a ``state()`` dict and positions in,
SVG text out. Each part also says how tall it is, so ``svg.layout`` can stack them.
"""
from __future__ import annotations

from harness.learner.view.svgkit import (
    BLUE,
    CLAIM_BOX,
    GREY,
    LEADER_BOX,
    MARGIN,
    MONO,
    PLAIN_BOX,
    REFUSED_INK,
    clip,
    esc,
    label_of,
    marker_id,
    token_text,
)

CHANGE_WORDS = {"failover": "failover", "join": "joined", "leave": "left"}
TABLE_COLUMNS = (("writer", 8), ("value", 168), ("token", 348), ("the store said", 488))
ROW_H = 16


# --- the store's last writes --------------------------------------------------------------

def table_height(store) -> int:
    """The store table's height (0 without a store)."""
    if store is None:
        return 0
    return 50 + ROW_H * max(1, len(store["writes"])) + 8


def store_table(store: dict, y: int, width: int) -> list[str]:
    """The store's last writes, oldest first: writer, value, token, and what the store
    said (a refused write in red)."""
    total = store["accepted"] + store["refused"]
    writes = store["writes"]
    out = [f'<g class="store" data-accepted="{store["accepted"]}" '
           f'data-refused="{store["refused"]}">',
           f'<text x="{MARGIN}" y="{y + 14}" font-size="13" font-weight="600" '
           f'fill="#0f172a">The store\'s last writes</text>'
           f'<text x="{MARGIN + 170}" y="{y + 14}" font-size="11" fill="#64748b">'
           f'{len(writes)} of {total}, oldest first; in all {store["accepted"]} accepted, '
           f'{store["refused"]} refused</text>']
    out += [f'<text x="{MARGIN + x}" y="{y + 34}" font-size="11" fill="#64748b">{name}</text>'
            for name, x in TABLE_COLUMNS]
    out.append(f'<line x1="{MARGIN}" x2="{width - MARGIN}" y1="{y + 39}" y2="{y + 39}" '
               f'stroke="#cbd5e1"/>')
    if not writes:
        out.append(f'<text x="{MARGIN + 8}" y="{y + 54}" font-size="12" fill="#64748b">'
                   f'no writes yet</text>')
    out += [_write_row(w, y + 54 + ROW_H * k, width) for k, w in enumerate(writes)]
    return out + ["</g>"]


def _write_row(w: dict, y: int, width: int) -> str:
    ok = w["accepted"]
    ink = "#0f172a" if ok else REFUSED_INK
    band = "" if ok else (f'<rect x="{MARGIN}" y="{y - 12}" width="{width - 2 * MARGIN}" '
                          f'height="{ROW_H}" fill="#fee2e2"/>')
    cells = (clip(w["writer"], 22), clip(repr(w["value"]), 24), token_text(w["token"]))
    mono = f' font-family="{MONO}"'
    texts = "".join(f'<text x="{MARGIN + x}" y="{y}" font-size="12" fill="{ink}"'
                    f'{mono if name == "token" else ""}>{esc(cell)}</text>'
                    for (name, x), cell in zip(TABLE_COLUMNS, cells))
    said = (f'<text x="{MARGIN + TABLE_COLUMNS[3][1]}" y="{y}" font-size="12" '
            f'font-weight="700" fill="{"#15803d" if ok else REFUSED_INK}">'
            f'{"ACCEPTED" if ok else "REFUSED"}</text>')
    return (f'<g class="write" data-accepted="{"true" if ok else "false"}">'
            f'{band}{texts}{said}</g>')


# --- the caption: the notifications ---------------------------------------------------------

def earlier(nt: dict, changes: list) -> tuple[int, int]:
    """(changes, notifications) since the view opened that come before the ``changes``
    listed. The caption shows them as one row above the listed ones, so that its rows
    always add up to the total it states: past four changes, a total of every change
    stood over rows of the last four only, which added up to less."""
    seen = nt.get("changes_seen", len(nt["changes"]))
    return seen - len(changes), nt["total"] - sum(ch["notifications"] for ch in changes)


def caption_height(st: dict, changes: list) -> int:
    rows = len(changes) + (earlier(st["notifications"], changes)[0] > 0)
    return 92 + ROW_H * rows + (18 if st["retired"] else 0)


def caption(st: dict, changes: list, y: int, width: int) -> list[str]:
    """The count of the last failover, the total, the changes (the earlier ones in one row,
    then the last few), who holds no node."""
    y += 28
    out = [f'<line x1="{MARGIN}" x2="{width - MARGIN}" y1="{y - 18}" y2="{y - 18}" '
           f'stroke="#e2e8f0"/>', _count_line(st["notifications"], changes, y)]
    y += 32
    rows = []
    before, counted = earlier(st["notifications"], changes)
    if before > 0:
        rows.append(lambda row_y: _earlier_line(before, counted, row_y))
    rows += [lambda row_y, ch=ch: _change_line(st, ch, row_y) for ch in changes]
    out += [row(y + 20 + ROW_H * k) for k, row in enumerate(rows)]
    if st["retired"]:
        out.append(_retired_line(st["retired"], y + 24 + ROW_H * len(rows)))
    return out


def _count_line(nt: dict, changes: list, y) -> str:
    if not nt["available"]:
        head = "watch notifications: this kazoo version's connections cannot be counted"
        return f'<text x="{MARGIN}" y="{y}" font-size="13" fill="#64748b">{esc(head)}</text>'
    lf = nt["last_failover"]
    return (f'<g class="notifications" data-last-failover="{"" if lf is None else lf}" '
            f'data-total="{nt["total"]}">'
            f'<text x="{MARGIN}" y="{y}" font-size="14" fill="#0f172a">'
            f'Watch notifications your candidates received in the last failover: '
            f'<tspan font-weight="700" fill="#7c2d12">{"–" if lf is None else lf}</tspan>'
            f'</text><text x="{MARGIN}" y="{y + 16}" font-size="11" fill="#64748b">'
            f'counted per session on their own clients (others on the ensemble do not '
            f'change it);</text><text x="{MARGIN}" y="{y + 30}" font-size="11" '
            f'fill="#64748b">{esc(_total_words(nt, changes))}</text></g>')


def _total_words(nt: dict, changes: list) -> str:
    """The total, said as the sum of the rows under it: the rows listed when they are all
    there, else every change since the view opened (the earlier ones in one row)."""
    seen, total = nt.get("changes_seen", len(nt["changes"])), nt["total"]
    counted = f"{total} notification{'' if total == 1 else 's'}"
    before = earlier(nt, changes)[0]
    if before <= 0:
        return f"in the {seen} change{'' if seen == 1 else 's'} listed below: {counted} in all"
    return f"in all {seen} changes since the view opened: {counted}, in the rows below"


def _earlier_line(before: int, counted: int, y) -> str:
    return (f'<text class="change earlier" data-notifications="{counted}" x="{MARGIN + 10}" '
            f'y="{y}" font-size="12" fill="#94a3b8">{before} earlier '
            f'change{"" if before == 1 else "s"}, not listed: '
            f'<tspan font-weight="600">{counted}</tspan> '
            f'notification{"" if counted == 1 else "s"}</text>')


def _change_line(st, ch: dict, y) -> str:
    """One change: what happened to whom, its cause, and its count ("so far" until the
    count has settled)."""
    what = CHANGE_WORDS.get(ch["kind"], "changed")
    nodes = ", ".join(label_of(st, x) for x in (ch["removed"] + ch["added"]))
    extra = ""
    if ch["kind"] == "failover":
        after = label_of(st, ch["leader_after"]) if ch["leader_after"] else "nobody"
        extra = f" left, leader now {after}"
    cause = f"  [{ch['cause']}]" if ch.get("cause") else ""
    n = ch["notifications"]
    return (f'<text class="change" data-notifications="{n}" x="{MARGIN + 10}" y="{y}" '
            f'font-size="12" fill="#475569">{esc(what)} {esc(nodes)}{esc(extra)}{esc(cause)}: '
            f'<tspan font-weight="600">{n}</tspan> notification{"" if n == 1 else "s"}'
            f'{"" if ch.get("settled", True) else " so far"}</text>')


def _retired_line(retired: list, y) -> str:
    names = ", ".join(f"{r['label']}" + (" (still says it leads!)" if r["is_leader"] else "")
                      for r in retired)
    return (f'<text x="{MARGIN}" y="{y}" font-size="12" fill="#64748b">'
            f'holding no node (resigned or expired): {esc(names)}</text>')


# --- the legend -----------------------------------------------------------------------------

def legend_items(st: dict, drawn: dict) -> list[tuple[str, str]]:
    """(swatch, words) of each line of the legend: the first four always, the others
    when the picture shows them (``drawn``: what ``svg.layout`` found in it)."""
    items = [("leader", "the leader: the first node in line"),
             ("claim", "says it leads, but its node is not first"),
             ("arrow", "watches: the head is at the node it watches"),
             ("dashed", "a watch the servers do not list (not set, or lost)")]
    if drawn.get("herd"):
        items.append(("herd", f"watches the children of {st['election_path']}"))
    if drawn.get("loop"):
        items.append(("loop", ("watches its own node: lab 5's leader, told at once if its "
                               "node is deleted")))
    if drawn.get("suspended"):
        items.append(("suspended", "its client lost its connection (for now)"))
    if drawn.get("tokens"):
        items.append(("token", "its node's czxid: a later term has a bigger one"))
    if st.get("store") is not None:
        items.append(("refused", "a token below one the store took, or none"))
    return items


LEGEND_ROW_H, SWATCH_W = 20, 56
HALF_ROW_CHARS = 50        # what fits beside a swatch in half the narrowest picture


def _places(items: list) -> tuple[list[tuple[int, int]], int]:
    """(column, row) of each legend line, and the rows: two lines a row, but a line too
    long for half the width gets a row of its own (it ran into its neighbour)."""
    places, row, col = [], 0, 0
    for _, words in items:
        wide = len(words) > HALF_ROW_CHARS
        if wide and col:
            row, col = row + 1, 0
        places.append((col, row))
        if wide or col:
            row, col = row + 1, 0
        else:
            col = 1
    return places, row + col


def legend_height(items: list) -> int:
    return 34 + LEGEND_ROW_H * _places(items)[1]


def legend(items: list, y: int, width: int, scope: str = "") -> list[str]:
    """Two columns of small swatches and their words, under a thin line."""
    col = (width - 2 * MARGIN) // 2
    out = [f'<g class="legend"><line x1="{MARGIN}" x2="{width - MARGIN}" y1="{y + 6}" '
           f'y2="{y + 6}" stroke="#e2e8f0"/>'
           f'<text x="{MARGIN}" y="{y + 22}" font-size="11" font-weight="600" '
           f'fill="#475569">How to read it</text>']
    for (swatch, words), (k, row) in zip(items, _places(items)[0]):
        x, row_y = MARGIN + k * col, y + 42 + LEGEND_ROW_H * row
        out.append(_swatch(swatch, x, row_y, scope)
                   + f'<text x="{x + SWATCH_W}" y="{row_y}" font-size="11" fill="#334155">'
                     f'{esc(words)}</text>')
    return out + ["</g>"]


def _swatch(kind: str, x: int, y: int, scope: str) -> str:
    """A small sample of what a legend line explains, at most ``SWATCH_W`` - 8 px wide, its
    text's baseline at ``y``."""
    if kind in ("leader", "claim", "suspended"):
        fill, stroke, _ = {"leader": LEADER_BOX, "claim": CLAIM_BOX}.get(kind, PLAIN_BOX)
        dash = ' stroke-dasharray="4 3"' if kind == "suspended" else ""
        return (f'<rect x="{x}" y="{y - 11}" width="40" height="14" rx="3" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="1.5"{dash}/>')
    if kind in ("arrow", "dashed", "herd"):
        colour = BLUE if kind == "arrow" else GREY
        dash = ' stroke-dasharray="5 4"' if kind == "dashed" else ""
        return (f'<path d="M{x},{y - 4} L{x + 40},{y - 4}" stroke="{colour}" '
                f'stroke-width="1.5" fill="none"{dash} '
                f'marker-end="url(#{marker_id(colour, scope)})"/>')
    if kind == "loop":
        return (f'<rect x="{x}" y="{y - 2}" width="40" height="6" rx="2" fill="{PLAIN_BOX[0]}" '
                f'stroke="{PLAIN_BOX[1]}"/><path d="M{x + 20},{y - 2} C{x + 23},{y - 15} '
                f'{x + 3},{y - 15} {x + 6},{y - 3}" stroke="{BLUE}" stroke-width="1.5" '
                f'fill="none" marker-end="url(#{marker_id(BLUE, scope)})"/>')
    if kind == "token":
        return (f'<text x="{x}" y="{y}" font-size="10.5" fill="#475569">token '
                f'<tspan font-family="{MONO}" font-weight="600" fill="#0f172a">n</tspan></text>')
    return (f'<rect x="{x}" y="{y - 11}" width="50" height="14" fill="#fee2e2"/>'
            f'<text x="{x + 2}" y="{y}" font-size="9.5" font-weight="700" '
            f'fill="{REFUSED_INK}">REFUSED</text>')
