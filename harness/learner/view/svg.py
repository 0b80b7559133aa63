"""The SVG picture of one ``state()`` dict: state in, SVG text out, nothing else read.

Pure, so a test (or a notebook without a browser) can draw any state, and the same state
always gives the same text. Top to bottom: the title and the view's own connection, the
servers (top right), the election node, the watch arrows (their heads at the watched
end), one box per candidate (its label, sequence number, part, server, and fencing
token), then under the row (``svgnotes``): the store's last writes (lab 6), the caption
(the last failover's count, the last few changes, who holds no node), and the legend.
First ``layout`` works out where everything goes; each part is then a small template
filled from the state and that layout. Sizes and colours: ``svgkit``.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.learner.view import svgnotes
from harness.learner.view.svgkit import (
    BLUE,
    BOX_H,
    BOX_W,
    CLAIM_BOX,
    GAP,
    GONE_NOTE_H,
    GREY,
    LEADER_BOX,
    MARGIN,
    MIN_WIDTH,
    MONO,
    PLAIN_BOX,
    ROW_Y,
    arrow_head,
    arrow_style,
    esc,
    label_of,
    marker_id,
    scope_of,
    token_detail,
    token_text,
)
from harness.recipe import sequence_of

MODE_COLOURS = {"leader": ("#4338ca", "#ffffff"), "follower": ("#15803d", "#ffffff"),
                "down": ("#e5e7eb", "#6b7280"), "paused": ("#f59e0b", "#1f2937"),
                "not serving": ("#fecaca", "#991b1b")}
LOST_STATES = ("SUSPENDED", "LOST")


def render_svg(st: dict) -> str:
    """The SVG picture of ``st`` (a ``LiveView.state()`` dict)."""
    lay = layout(st)
    under = []
    if st.get("store") is not None:
        under += svgnotes.store_table(st["store"], lay.table_y, lay.width)
    under += svgnotes.caption(st, lay.changes, lay.caption_y, lay.width)
    under += svgnotes.legend(lay.legend, lay.legend_y, lay.width, lay.scope)
    return "".join([_frame(lay), _title(st["view"]), *_servers(st["servers"], lay.width),
                    *_election(st, lay), *_herd_arrows(st, lay), *_node_arrows(st, lay),
                    *_candidates(st, lay), *under, _error(st, lay), "</svg>"])


# --- layout ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    x_of: dict            # node -> the left edge of its box (one row, in sequence order)
    fx: int               # the election node's box: left edge ...
    fy: int               # ... and top
    changes: list         # the changes the caption lists (the last four)
    gone: dict            # node -> the gone nodes it watches (noted under its box)
    extra_h: int          # what every box grows by when any box carries that note
    table_y: int          # the top of the store's table (lab 6), then the caption ...
    caption_y: int
    legend_y: int         # ... then the legend
    legend: list          # its lines: (swatch, words)
    heads: tuple          # the colours of the arrows drawn: one marker each ...
    scope: str            # ... its id ending with this view's own name (svgkit.scope_of)


def layout(st: dict) -> Layout:
    """Where everything goes: the picture is as wide as its row of boxes (at least
    ``MIN_WIDTH``); under the row, the store's table, the caption and the legend."""
    cands = st["candidates"]
    n = len(cands)
    row_w = n * BOX_W + max(0, n - 1) * GAP
    width = max(MIN_WIDTH, 2 * MARGIN + row_w)
    changes = st["notifications"]["changes"][-4:]
    x_of = {c["node"]: MARGIN + i * (BOX_W + GAP) for i, c in enumerate(cands)}
    gone = _gone_watches(st["arrows"], x_of)
    extra_h = GONE_NOTE_H if gone else 0
    drawn = _drawn(st, x_of)
    items = svgnotes.legend_items(st, drawn)
    table_y = ROW_Y + BOX_H + extra_h + 24
    caption_y = table_y + svgnotes.table_height(st.get("store"))
    legend_y = caption_y + svgnotes.caption_height(st, changes)
    heads = tuple(sorted(drawn["colours"] | {BLUE, GREY}))      # the legend's arrows too
    height = legend_y + svgnotes.legend_height(items) + (14 if st.get("error") else 0)
    return Layout(width, height, x_of,
                  MARGIN + max(0, (row_w - 220) // 2) if n else MARGIN, 74, changes, gone,
                  extra_h, table_y, caption_y, legend_y, items, heads, scope_of(st))


def _drawn(st, x_of) -> dict:
    """What the picture shows that the legend explains, and the arrows' colours."""
    arrows = [a for a in st["arrows"] if a["from"] in x_of
              and (a["kind"] == "children" or a["to"] in x_of)]
    return {"herd": any(a["kind"] == "children" for a in arrows),
            "loop": any(a["from"] == a["to"] for a in arrows),
            "suspended": any(c["client_state"] in LOST_STATES for c in st["candidates"]),
            "tokens": any(c.get("token") is not None for c in st["candidates"]),
            "colours": {arrow_style(a)[0] for a in arrows}}


def _gone_watches(arrows, x_of) -> dict[str, list[str]]:
    """A node watch with no box to point at (its node is gone: a leaked watch) is noted
    under the watcher's box instead of drawn."""
    gone: dict[str, list[str]] = {}
    for a in arrows:
        if a["kind"] == "node" and a["from"] in x_of and a["to"] not in x_of:
            gone.setdefault(a["from"], []).append(a["to"])
    return gone


# --- the frame, the title, the servers --------------------------------------------------

def _frame(lay: Layout) -> str:
    heads = "".join(arrow_head(colour, lay.scope) for colour in lay.heads)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="zk-liveview" '
            f'viewBox="0 0 {lay.width} {lay.height}" width="100%" '
            f'style="max-width:{lay.width}px" font-family="system-ui, -apple-system, '
            f'Segoe UI, sans-serif"><defs>{heads}</defs>'
            f'<rect x="0" y="0" width="{lay.width}" height="{lay.height}" rx="10" '
            f'fill="#f8fafc" stroke="#e2e8f0"/>')


def _title(view: dict) -> str:
    via = f" via zoo{view['server']}" if view.get("server") else ""
    return (f'<text x="{MARGIN}" y="30" font-size="17" font-weight="600" fill="#0f172a">'
            f'Leader election</text>'
            f'<text x="{MARGIN}" y="50" font-size="12" fill="#64748b">view: '
            f'{esc(view["client_state"])}{esc(via)}</text>')


def _servers(servers: dict, width: int) -> list[str]:
    """One pill per server, top right; a server that does not serve is dashed."""
    bx = width - MARGIN - 3 * 132 + 4
    out = [f'<text x="{bx}" y="18" font-size="11" fill="#64748b">ZooKeeper servers</text>']
    for k, (i, mode) in enumerate(sorted(servers.items())):
        fill, ink = MODE_COLOURS.get(mode, ("#e5e7eb", "#374151"))
        dash = ' stroke-dasharray="4 3"' if mode in ("down", "paused", "not serving") else ""
        out.append(_server(i, mode, bx + k * 132, fill, ink, dash))
    return out


def _server(i, mode, x, fill, ink, dash) -> str:
    return (f'<g class="server" data-server="{i}" data-mode="{esc(mode)}">'
            f'<rect x="{x}" y="26" width="126" height="28" rx="14" fill="{fill}" '
            f'stroke="#94a3b8"{dash}/>'
            f'<text x="{x + 63}" y="45" font-size="13" text-anchor="middle" fill="{ink}">'
            f'<tspan font-weight="600">zoo{i}</tspan> · {esc(mode)}</text></g>')


def _error(st, lay: Layout) -> str:
    if not st.get("error"):
        return ""
    return (f'<text x="{lay.width - MARGIN}" y="{lay.height - 8}" font-size="10" '
            f'text-anchor="end" fill="#b91c1c">{esc(st["error"][:120])}</text>')


# --- the election node and the arrows ---------------------------------------------------

def _election(st, lay: Layout) -> list[str]:
    """The election path's box, centred over the row, and how many children it has."""
    path, fx, fy, n = esc(st["election_path"]), lay.fx, lay.fy, len(st["candidates"])
    box = (f'<g class="election" data-path="{path}">'
           f'<rect x="{fx}" y="{fy}" width="220" height="34" rx="6" fill="#f1f5f9" '
           f'stroke="#64748b"/>'
           f'<text x="{fx + 110}" y="{fy + 22}" font-size="14" text-anchor="middle" '
           f'fill="#334155" font-family="{MONO}">{path}</text></g>')
    if not n:
        return [box, f'<text x="{MARGIN}" y="{ROW_Y + 40}" font-size="14" fill="#64748b">'
                     f'no candidates under {path}</text>']
    return [box, f'<text x="{fx + 228}" y="{fy + 22}" font-size="11" fill="#64748b">'
                 f'{n} child{"ren" if n != 1 else ""}</text>']


def _arrow(a: dict, d: str, scope: str, width: float = 2) -> str:
    """One watch, from the watcher to what it watches; the marker is the head."""
    colour, dash = arrow_style(a)
    return (f'<path class="arrow" data-from="{esc(a["from"])}" data-to="{esc(a["to"])}" '
            f'data-kind="{a["kind"]}" data-source="{a["source"]}" d="{d}" stroke="{colour}" '
            f'stroke-width="{width}" fill="none"{dash} '
            f'marker-end="url(#{marker_id(colour, scope)})"/>')


def _herd_arrows(st, lay: Layout) -> list[str]:
    """Children watches (the herd, lab 3): straight lines up to the election node, their
    heads spread along its bottom edge."""
    herd = [a for a in st["arrows"] if a["kind"] == "children"]
    out = []
    for k, a in enumerate(herd):
        if a["from"] not in lay.x_of:
            continue
        x1 = lay.x_of[a["from"]] + BOX_W / 2
        x2 = lay.fx + 20 + (180 * (k + 0.5) / len(herd))
        out.append(_arrow(a, f"M{x1:.0f},{ROW_Y} L{x2:.0f},{lay.fy + 36}", lay.scope, 1.6))
    return out


def _node_arrows(st, lay: Layout) -> list[str]:
    """Node watches between two boxes: arcs over the row, higher the further they reach.
    A candidate that watches its own node (lab 5's leader: told at once if its node is
    deleted) gets a small loop on its box's top left corner."""
    out = []
    for a in st["arrows"]:
        if a["kind"] != "node" or a["from"] not in lay.x_of or a["to"] not in lay.x_of:
            continue
        xs, xt = lay.x_of[a["from"]], lay.x_of[a["to"]]
        if xs == xt:
            out.append(_arrow(a, f"M{xs + 30},{ROW_Y} C{xs + 36},{ROW_Y - 34} "
                                 f"{xs + 2},{ROW_Y - 34} {xs + 8},{ROW_Y - 2}", lay.scope))
            continue
        left = xt < xs
        x1 = xs + BOX_W * (0.3 if left else 0.7)
        x2 = xt + BOX_W * (0.7 if left else 0.3)
        span = abs(xs - xt) // (BOX_W + GAP)
        h = min(ROW_Y - lay.fy - 50, 34 + 18 * span)
        out.append(_arrow(a, f"M{x1:.0f},{ROW_Y} C{x1:.0f},{ROW_Y - h} {x2:.0f},{ROW_Y - h} "
                             f"{x2:.0f},{ROW_Y - 2}", lay.scope))
    return out


# --- the boxes --------------------------------------------------------------------------

def _candidates(st, lay: Layout) -> list[str]:
    return [_candidate(st, c, lay) for c in st["candidates"]]


def _candidate(st, c: dict, lay: Layout) -> str:
    """One candidate's box: gold for the first node (the leader), red for a candidate
    that claims the lead without holding the first node, dashed while its client is
    suspended or lost. Its lines: label and seq, its part, its server, its token."""
    x = lay.x_of[c["node"]]
    leads = c["node"] == st["leader"]
    wrong_claim = c["is_leader"] and not leads
    fill, stroke, ink = CLAIM_BOX if wrong_claim else LEADER_BOX if leads else PLAIN_BOX
    dash = ' stroke-dasharray="6 4"' if c["client_state"] in LOST_STATES else ""
    seq = c["seq"] if c["seq"] is not None else "?"
    gone = "".join(_gone_note(x, node) for node in lay.gone.get(c["node"], [])[:1])
    return (
        f'<g class="candidate{" leader" if leads else ""}" data-node="{esc(c["node"])}" '
        f'data-position="{c["position"]}" data-token="{esc(c.get("token") or "")}">'
        f'<title>{esc(c["node"])}&#10;{esc(token_detail(c.get("token")))}</title>'
        f'<rect x="{x}" y="{ROW_Y}" width="{BOX_W}" height="{BOX_H + lay.extra_h}" rx="8" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if leads or wrong_claim else 1.5}"'
        f'{dash}/>'
        f'<text x="{x + 10}" y="{ROW_Y + 24}" font-size="{18 if c["ours"] else 13}" '
        f'font-weight="700" fill="#0f172a">{esc(c["label"])}</text>'
        f'<text x="{x + BOX_W - 10}" y="{ROW_Y + 23}" font-size="12" text-anchor="end" '
        f'fill="#475569">seq {esc(seq)}</text>'
        f'<text x="{x + 10}" y="{ROW_Y + 46}" font-size="12" font-weight="600" '
        f'fill="{ink}">{esc(_status(st, c, leads, wrong_claim))}</text>'
        f'<text x="{x + 10}" y="{ROW_Y + 66}" font-size="11" fill="#64748b">'
        f'{esc(_where(c))}</text>{_token_line(x, c.get("token"))}{gone}</g>')


def _token_line(x, token) -> str:
    shown = token_text(token) if token is not None else "?"
    return (f'<text class="token" x="{x + 10}" y="{ROW_Y + 86}" font-size="10.5" '
            f'fill="#475569"><tspan>token </tspan><tspan font-family="{MONO}" '
            f'font-weight="600" fill="#0f172a">{esc(shown)}</tspan></text>')


def _status(st, c: dict, leads: bool, wrong_claim) -> str:
    """The box's middle line: its part in the election, as far as the view can tell."""
    if wrong_claim:
        return "claims lead!"
    if leads:
        return "LEADER" if c["is_leader"] in (True, None) else "first (not yet told)"
    if c["watching"] == st["election_path"]:
        return "watches children"
    if c["watching"]:
        return f"watches {label_of(st, c['watching'])}"
    return "waiting" if c["ours"] else ""


def _where(c: dict) -> str:
    """The box's third line: the server carrying its session, or its client's trouble."""
    cs = c["client_state"]
    if cs and cs != "CONNECTED":
        return cs.lower()
    return f"via zoo{c['server']}" if c["server"] else ""


def _gone_note(x, node) -> str:
    return (f'<text x="{x + 10}" y="{ROW_Y + BOX_H + 4}" font-size="10.5" '
            f'fill="#dc2626">⚠ watches gone seq {esc(sequence_of(node))}</text>')
