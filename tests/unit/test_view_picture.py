"""The live view's picture (harness/learner/view/svg.py), drawn from hand-made ``state()``
dicts, no ensemble: its arrows have heads of their own, its legend explains what it
draws, and the notification counts in its header add up to the rows under them.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from harness.learner.view.svg import render_svg

SVG_NS = "{http://www.w3.org/2000/svg}"


def state(candidates: int, arrows=(), changes=(), seen=None, total=None, path="/election",
          session=1, store=None) -> dict:
    """A ``LiveView.state()`` dict: ``arrows`` as (from, to) positions (equal: a self-loop,
    "c": a children watch); ``changes`` as their counts (negative: not settled yet);
    ``store``: lab 6's store log. tests/test_view.py draws its pictures from it too."""
    names = [f"{k:032x}-n_{k:010d}" for k in range(1, candidates + 1)]
    rows = [{"kind": "failover" if k % 2 else "join", "removed": names[:1] if k % 2 else [],
             "added": [] if k % 2 else names[-1:], "leader_before": names[0],
             "leader_after": names[-1], "cause": None, "settled": n >= 0,
             "notifications": abs(n)} for k, n in enumerate(changes)]
    counted = sum(r["notifications"] for r in rows)
    return {"election_path": path,
            "candidates": [{"node": n, "seq": k, "position": k, "label": f"#{k + 1}",
                            "ours": True, "session": 1, "server": 1, "is_leader": k == 0,
                            "watching": None, "client_state": "CONNECTED",
                            "token": (1 << 32) + 10 + k} for k, n in enumerate(names)],
            "leader": names[0], "claims": names[:1], "labels": {},
            "arrows": [{"from": names[a], "to": path if b == "c" else names[b],
                        "kind": "children" if b == "c" else "node", "source": "server",
                        "confirmed": True, "exists": True} for a, b in arrows],
            "servers": {1: "leader", 2: "follower", 3: "follower"},
            "notifications": {"available": True,
                              "total": counted if total is None else total,
                              "changes_seen": len(rows) if seen is None else seen,
                              "received": counted + 2,
                              "last_change": rows[-1]["notifications"] if rows else None,
                              "last_failover": next((r["notifications"] for r in rows[::-1]
                                                     if r["kind"] == "failover"), None),
                              "changes": rows},
            "retired": [], "view": {"client_state": "CONNECTED", "session": session,
                                    "server": 1},
            "store": store, "error": None}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def test_the_picture_is_well_formed_and_scaled():
    root = parse(render_svg(state(3, arrows=[(0, 0), (1, 0), (2, 1)], changes=[1, 2])))
    assert root.tag == SVG_NS + "svg" and root.get("viewBox", "").startswith("0 0 ")


def test_every_arc_ends_in_an_arrowhead_defined_in_its_own_picture():
    root = parse(render_svg(state(4, arrows=[(0, 0), (1, 0), (2, 1), (3, 2)])))
    markers = {m.get("id") for m in root.iter(SVG_NS + "marker")}
    arrows = [p for p in root.iter(SVG_NS + "path") if p.get("class") == "arrow"]
    assert len(arrows) == 4
    for p in arrows:
        head = re.fullmatch(r"url\(#([^)]+)\)", p.get("marker-end") or "")
        assert head and head.group(1) in markers, p.attrib
        assert head.group(1).startswith("zkv-head-" + p.get("stroke").lstrip("#"))


def test_two_views_on_one_page_share_no_marker_ids():
    """Two inline SVGs in one notebook page: an ``url(#id)`` takes the first element of
    that id in the page, so each view's arrowheads must be its own."""
    ids = [{m.get("id") for m in parse(render_svg(state(2, arrows=[(1, 0)], path=p,
                                                        session=s))).iter(SVG_NS + "marker")}
           for p, s in (("/live", 7), ("/fenced", 8))]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    again = {m.get("id") for m in parse(render_svg(state(5, path="/live", session=7)))
             .iter(SVG_NS + "marker")}
    assert again == ids[0]                                  # the same view: the same ids


def legend(svg: str) -> str:
    return svg.split('class="legend"')[1]


def test_the_legend_says_what_boxes_and_arrows_mean():
    words = legend(render_svg(state(3, arrows=[(1, 0), (2, 1)])))
    for line in ("the leader: the first node in line", "says it leads, but its node is not",
                 "watches: the head is at the node it watches",
                 "a watch the servers do not list"):
        assert line in words, line


def test_the_leaders_self_loop_is_explained_when_drawn_and_only_then():
    with_loop = legend(render_svg(state(3, arrows=[(0, 0), (1, 0), (2, 1)])))
    assert "watches its own node: lab 5&#x27;s leader, told at once if its node is deleted" \
        in with_loop
    assert "watches its own node" not in legend(render_svg(state(3, arrows=[(1, 0), (2, 1)])))
    # and its swatch is a loop with its own arrowhead
    assert re.search(r'<path d="M[^"]*C[^"]*" stroke="#2563eb"[^>]*marker-end="url\(#zkv-head-',
                     with_loop)


def test_a_legend_line_too_long_for_half_the_width_gets_a_row_of_its_own():
    root = parse(render_svg(state(3, arrows=[(0, 0), (1, 0), (2, 1)])))
    box = next(g for g in root.iter(SVG_NS + "g") if g.get("class") == "legend")
    rows = {}                             # a legend row's baseline -> the lines on it
    for t in box.iter(SVG_NS + "text"):
        rows.setdefault(t.get("y"), []).append("".join(t.itertext()))
    loop = next(y for y, texts in rows.items() if any("its own node" in t for t in texts))
    assert len(rows[loop]) == 1, rows[loop]


def test_the_herds_children_watches_are_explained():
    words = legend(render_svg(state(3, arrows=[(1, "c"), (2, "c")])))
    assert "watches the children of /election" in words


def header_and_rows(svg: str) -> tuple[int, list[int]]:
    root = parse(svg)
    header = next(g for g in root.iter(SVG_NS + "g") if g.get("class") == "notifications")
    rows = [int(t.get("data-notifications")) for t in root.iter(SVG_NS + "text")
            if (t.get("class") or "").startswith("change")]
    said = re.search(r": (\d+) notifications?", "".join(header.itertext()).split(";")[-1])
    assert int(said.group(1)) == int(header.get("data-total"))   # the words say the number
    return int(header.get("data-total")), rows


@pytest.mark.parametrize("changes, seen, total", [
    ([], None, None),                      # nothing yet
    ([4], None, None),                     # a herd failover
    ([0, 4, 1], None, None),               # joins and failovers, all listed
    ([1, 2, 3, 4], None, None),            # exactly the four listed
    ([1, 0, 4, 4, 1, 3], None, None),      # more than four: the earlier ones in one row
    ([2, 2, 1, 1, 2, -3], None, None),     # the last one still counting ("so far")
    ([1, 1, 1, 1] * 5, 25, 31),            # the history kept 20 rows of 25 changes
])
def test_the_header_total_is_the_sum_of_the_rows_under_it(changes, seen, total):
    """A header that said 4 over rows adding up to 3 (ISSUE 28): whatever the state, the
    header's number is the sum of the rows the picture shows under it."""
    st = state(3, arrows=[(1, 0), (2, 1)], changes=changes, seen=seen, total=total)
    said, rows = header_and_rows(render_svg(st))
    assert said == st["notifications"]["total"] == sum(rows)
    assert len(rows) == min(len(changes), 4) + (st["notifications"]["changes_seen"] > 4)


def test_the_earlier_row_says_how_many_changes_it_stands_for():
    svg = render_svg(state(3, changes=[1, 0, 4, 4, 1, 3]))
    assert "2 earlier changes, not listed: <tspan" in svg
    assert "in all 6 changes since the view opened: 13 notifications, in the rows below" in svg
