"""The pen every notebook picture draws with: a frame that carries the picture's
``<title>`` and ``<desc>``, boxes, text, wrapped lines and arrows with heads.

Pure: arguments in, SVG text out. Written by hand rather than with a plotting library
because the files are committed and compared with what this code makes (the same data
must give the same bytes: no generated ids, dates or float noise), and because they must
stand alone: GitHub and JupyterLab show them through ``<img>``, where no script, web font
or linked file would load. Colours are the live view's (``view.svgkit``), so a learner
meets the same gold leader and blue watch in the pictures and in the view.
"""
from __future__ import annotations

import textwrap

from harness.learner.view.svgkit import BLUE, GREY, LEADER_BOX, PLAIN_BOX, esc

FONT = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
INK, MUTED, FAINT = "#0f172a", "#475569", "#94a3b8"
PAPER, RULE = "#ffffff", "#e2e8f0"
GREEN = ("#dcfce7", "#15803d", "#166534")        # (fill, stroke, ink), as the view's boxes
AMBER = ("#fef3c7", "#d97706", "#92400e")
RED = ("#fee2e2", "#dc2626", "#b91c1c")
WOKEN = ("#ffedd5", "#ea580c", "#9a3412")
GONE = ("#f8fafc", "#94a3b8", "#64748b")
LEADER, PLAIN = LEADER_BOX, PLAIN_BOX
__all__ = ["AMBER", "BLUE", "GONE", "GREEN", "GREY", "LEADER", "PLAIN", "RED", "WOKEN"]


def fmt(v) -> str:
    """A coordinate as the file writes it: at most one decimal, never ``-0``."""
    text = f"{float(v):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def frame(width: int, height: int, title: str, desc: str, body: list[str],
          heads: tuple[str, ...] = (BLUE,)) -> str:
    """A whole picture: its size, its title and description (what a screen reader says, and
    what GitHub shows when the image cannot load), one marker per arrow colour, a white
    sheet (readable on a dark theme too), then ``body``."""
    markers = "".join(head(colour) for colour in sorted(set(heads)))
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
         f'width="{width}" height="{height}" role="img" font-family="{FONT}">'),
        f"<title>{esc(title)}</title>",
        f"<desc>{esc(desc)}</desc>",
        f"<defs>{markers}</defs>",
        (f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="10" '
         f'fill="{PAPER}" stroke="{RULE}"/>'),
        *body, "</svg>", ""])


def marker_id(colour: str) -> str:
    return "head-" + colour.lstrip("#")


def head(colour: str) -> str:
    """The arrowhead of every arrow of one colour, at the end the arrow points to."""
    return (f'<marker id="{marker_id(colour)}" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')


def text(x, y, words, size: float = 13, ink: str = INK, weight: str | None = None,
         anchor: str | None = None, mono: bool = False, italic: bool = False) -> str:
    extra = "".join([f' font-weight="{weight}"' if weight else "",
                     f' text-anchor="{anchor}"' if anchor else "",
                     f' font-family="{MONO}"' if mono else "",
                     ' font-style="italic"' if italic else ""])
    return (f'<text x="{fmt(x)}" y="{fmt(y)}" font-size="{fmt(size)}" fill="{ink}"{extra}>'
            f'{esc(words)}</text>')


def wrap(words: str, width_px: float, size: float = 12) -> list[str]:
    """``words`` cut into lines that fit ``width_px`` at ``size`` (an estimate of the sans
    font's average advance: there is no font to measure with)."""
    return textwrap.wrap(words, max(8, int(width_px / (0.58 * size))))


def lines(x, y, rows: list[str], size: float = 12, ink: str = MUTED,
          leading: float | None = None, **style) -> list[str]:
    """One ``text`` per row, ``leading`` apart (1.35 × the size by default)."""
    step = leading or round(size * 1.35, 1)
    return [text(x, y + k * step, row, size, ink, **style) for k, row in enumerate(rows)]


def box(x, y, w, h, style: tuple[str, str, str], rx: float = 6, dash: bool = False,
        stroke_width: float = 1.5) -> str:
    fill, stroke, _ = style
    dashed = ' stroke-dasharray="5 4"' if dash else ""
    return (f'<rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(w)}" height="{fmt(h)}" '
            f'rx="{fmt(rx)}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{fmt(stroke_width)}"{dashed}/>')


def arrow(d: str, colour: str = BLUE, width: float = 1.8, dash: bool = False) -> str:
    """A path from its first point to its last, the head at the last (``head(colour)``
    must be among the frame's ``heads``)."""
    dashed = ' stroke-dasharray="5 4"' if dash else ""
    return (f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{fmt(width)}"'
            f'{dashed} marker-end="url(#{marker_id(colour)})"/>')


def line(x1, y1, x2, y2, colour: str = FAINT, width: float = 1.2, dash: bool = False) -> str:
    dashed = ' stroke-dasharray="4 4"' if dash else ""
    return (f'<line x1="{fmt(x1)}" y1="{fmt(y1)}" x2="{fmt(x2)}" y2="{fmt(y2)}" '
            f'stroke="{colour}" stroke-width="{fmt(width)}"{dashed}/>')


def heading(x, y, words: str, sub: str | None = None) -> list[str]:
    """The picture's visible title, and a grey line under it."""
    out = [text(x, y, words, 16, INK, weight="700")]
    if sub:
        out.append(text(x, y + 19, sub, 12, MUTED))
    return out
