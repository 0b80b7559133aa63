"""What the parts of the picture share: sizes, colours, escaping, how a node and a token
are written. Pure (no state is read here; ``svg`` and ``svgnotes`` pass it in).
"""
from __future__ import annotations

import hashlib
import html

from harness.recipe import sequence_of

BOX_W, BOX_H, GAP, MARGIN = 128, 96, 30, 24
GONE_NOTE_H = 14          # a box grows by this when it shows a watch on a gone node
ROW_Y = 214
MIN_WIDTH = 720

# box styles: (fill, stroke, ink); the legend draws the same swatches
LEADER_BOX = ("#fde68a", "#b45309", "#92400e")
CLAIM_BOX = ("#fee2e2", "#dc2626", "#b91c1c")
PLAIN_BOX = ("#ffffff", "#3b82f6", "#1e3a8a")

# arrows: a watch the servers list (or the candidate's, confirmed) is blue and solid; one
# they do not list is grey and dashed; a children watch (the herd) is grey and solid
BLUE, GREY = "#2563eb", "#64748b"
REFUSED_INK = "#b91c1c"
MONO = "ui-monospace, SFMono-Regular, Menlo, monospace"


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def label_of(st, node) -> str:
    """A node as the caption and the boxes name it: its ``#k`` (or guid start), else its
    sequence number."""
    return st.get("labels", {}).get(node) or f"seq {sequence_of(node)}"


def token_text(token) -> str:
    """A fencing token as the picture writes it: in decimal, the number the store compares
    and ``fencing_token()`` returns ("none": a write sent without one)."""
    if token is None:
        return "none"
    return str(token)


def token_detail(token) -> str:
    """The token as a zxid, for a box's tooltip: epoch (high 32 bits) and counter."""
    if not isinstance(token, int):
        return "token not read yet"
    return (f"token {token} = zxid 0x{token:x}: epoch {token >> 32}, "
            f"counter {token & 0xFFFFFFFF}")


def clip(text, n: int) -> str:
    """``text`` cut to ``n`` characters (an ellipsis says it was)."""
    text = str(text)
    return text if len(text) <= n else text[:n - 1] + "…"


def scope_of(st: dict) -> str:
    """A short name for one view's picture, the same for every render of that view: its
    markers' ids end with it. Two views in one notebook are two inline SVGs in one page,
    and an ``url(#id)`` finds the first element of that id in the whole page: with shared
    ids, one view's arrows take their heads from the other view's SVG, and lose them
    when that one is cleared or not rendered (lab 6 shows two views)."""
    key = f"{st.get('election_path')}|{(st.get('view') or {}).get('session')}"
    return hashlib.sha1(key.encode()).hexdigest()[:8]


def marker_id(colour: str, scope: str = "") -> str:
    return "zkv-head-" + colour.lstrip("#") + (f"-{scope}" if scope else "")


def arrow_head(colour: str, scope: str = "") -> str:
    """The arrowhead of every arrow of one colour: an SVG marker at the watched end."""
    return (f'<marker id="{marker_id(colour, scope)}" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')


def arrow_style(a: dict) -> tuple[str, str]:
    """(colour, dash attribute) of an arrow of ``state()["arrows"]``."""
    if a["kind"] == "children":
        return GREY, ""
    if a["confirmed"] or a["source"] == "server":
        return BLUE, ""
    return GREY, ' stroke-dasharray="5 4"'
