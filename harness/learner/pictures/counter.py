"""Lab 2's picture: the folder's sequence counter is a circle, not a line.

The circle is drawn to scale (a value's angle is its place among the 2**32), with the
signed wrap (2147483647 + 1 = -2147483648) at the bottom and -1 + 1 = 0 at the top; the
half that comes after the old leader ``a`` is shaded, which is RFC 1982's rule. Beside it,
the candidates near the wrap, and both orders worked out by the recipe's own functions:
the signed one a learner reaches for, and the serial one that is right.
"""
from __future__ import annotations

import math

from harness.learner.pictures.svgdraw import (
    BLUE,
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
    text,
)
from harness.recipe import HALF, SERIAL, creation_order, serial_distance

CX, CY, R = 214, 262, 148
TICKS = ((0, "0", "start"), (-1, "-1", "end"), (2 ** 30, "1073741824", "end"),
         (2 ** 31 - 1, "2147483647", "start"), (-2 ** 31, "-2147483648", "end"),
         (-2 ** 30, "-1073741824", "start"))       # (value, label, which way its text runs)


def _at(value: int, radius: float = R) -> tuple[float, float]:
    """Where ``value`` sits on the circle: clockwise from the top, to scale."""
    angle = 2 * math.pi * (value % SERIAL) / SERIAL
    return CX + radius * math.sin(angle), CY - radius * math.cos(angle)


def _arc(start: int, span: int, radius: float = R) -> str:
    """The path along the circle from ``start`` for ``span`` values (< 2**32), clockwise."""
    (x1, y1), (x2, y2) = _at(start, radius), _at(start + span, radius)
    large = 1 if span > HALF else 0
    return f"M{fmt(x1)},{fmt(y1)} A{radius},{radius} 0 {large} 1 {fmt(x2)},{fmt(y2)}"


def wraparound(numbers: dict[str, int]) -> str:
    """The counter's circle and RFC 1982's order. ``numbers`` are the candidates near the
    wrap, {letter: sequence number}, in any order; the first in creation order is the old
    leader ``a`` whose "after" half is shaded."""
    names = {f"{k}-n_{v:010d}": k for k, v in numbers.items()}
    serial = [names[n] for n in creation_order(names)]
    signed = sorted(numbers, key=numbers.get)
    first = serial[0]
    out = heading(24, 32, "The sequence counter is a circle of 2³² numbers",
                  "a signed 32-bit int: after 2147483647 comes -2147483648; after -1 comes 0")
    out += _circle(numbers[first], first)
    out += _strip(numbers, serial, signed, 440)
    out += _rule(numbers, serial, 440)
    desc = (f"A circle of the 2^32 values of ZooKeeper's counter, clockwise in creation order: "
            f"0 at the top, 2147483647 then -2147483648 at the bottom, -1 just before 0. The "
            f"half after {first} is shaded. Near the wrap, the candidates "
            f"{', '.join(serial)} were made in that order; sorted by the signed number they "
            f"read {', '.join(signed)}. RFC 1982: a before b when (b - a) mod 2^32 is in "
            f"1 .. 2^31-1.")
    return frame(880, 500, "ZooKeeper's sequence counter wraps around: serial-number order",
                 desc, out, heads=(BLUE, GREY))


def _circle(a: int, letter: str) -> list[str]:
    """The ring in two halves (after ``a`` green, before it grey), the ticks, the two steps
    across a boundary, the direction, and the zoomed place where the candidates are."""
    out = [f'<path d="{_arc(a, HALF)}" fill="none" stroke="{GREEN[0]}" stroke-width="16"/>',
           f'<path d="{_arc(a + HALF, HALF)}" fill="none" stroke="#e2e8f0" stroke-width="16"/>',
           f'<circle cx="{CX}" cy="{CY}" r="{R}" fill="none" stroke="{GREY}" stroke-width="1.5"/>']
    for value, label, anchor in TICKS:
        (x1, y1), (x2, y2) = _at(value, R - 9), _at(value, R + 9)
        out.append(line(x1, y1, x2, y2, INK, 1.5))
        if value in (2 ** 30, -2 ** 30):          # the sides: inside, no room outside
            lx, ly = _at(value, R - 16)
            out.append(text(lx, ly + 4, label, 11.5, INK, anchor=anchor, mono=True))
            continue
        lx, ly = _at(value, R + 22)
        dx = 6 if anchor == "start" else -6
        out.append(text(lx + dx, ly + 4 + (6 if ly > CY else 0), label, 11.5, INK,
                        anchor=anchor, mono=True))
    out += [text(CX, CY - R + 40, "-1 + 1 = 0", 11.5, MUTED, anchor="middle", mono=True),
            text(CX, CY + R - 32, "2147483647 + 1", 11.5, RED[2], anchor="middle", mono=True),
            text(CX, CY + R - 17, "= -2147483648", 11.5, RED[2], anchor="middle", mono=True),
            arrow(_arc(2 ** 28 + 2 ** 26, 2 ** 29, R - 30), BLUE, 1.8),
            text(CX + 40, CY - 70, "creation order:", 11.5, BLUE, anchor="end"),
            text(CX + 40, CY - 55, "each child +1", 11.5, BLUE, anchor="end"),
            text(CX - 62, CY + 44, f"after {letter}", 12.5, GREEN[2], weight="700",
                 anchor="middle"),
            text(CX + 62, CY + 44, f"before {letter}", 12.5, MUTED, weight="700",
                 anchor="middle"),
            text(CX, CY + R + 48, "a, b, c and d sit in the dashed ring (magnified, right)",
                 11, MUTED, anchor="middle")]
    x, y = _at(a)
    return out + [(f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="15" fill="none" stroke="{INK}" '
                   f'stroke-width="1.2" stroke-dasharray="3 2"/>'),
                  f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="4" fill="{LEADER[1]}"/>']


def _strip(numbers: dict, serial: list, signed: list, x0: int) -> list[str]:
    """The candidates near the wrap, magnified, in creation order; then both orders."""
    out = [text(x0, 86, "The candidates near the wrap, magnified", 14, weight="700")]
    bw, gap, y = 88, 24, 104
    for k, letter in enumerate(serial):
        x = x0 + k * (bw + gap)
        style = LEADER if k == 0 else PLAIN
        out += [box(x, y, bw, 52, style, stroke_width=2.5 if k == 0 else 1.5),
                text(x + 10, y + 20, letter, 15, weight="700"),
                text(x + bw - 8, y + 20, "leader" if k == 0 else "", 11, LEADER[2],
                     anchor="end"),
                text(x + 8, y + 41, str(numbers[letter]), 11.5, mono=True)]
        if k:
            out += [arrow(f"M{fmt(x - gap + 2)},{y + 26} L{fmt(x - 1)},{y + 26}", GREY, 1.4),
                    text(x - gap / 2, y + 19, "+1", 10, MUTED, anchor="middle")]
    leader_if_signed = signed[0]
    out += [text(x0, 196, f"By the signed number: {', '.join(signed)}", 13, RED[2],
                 weight="700"),
            text(x0, 214, f"{leader_if_signed}, a newcomer, would think it leads while "
                 f"{serial[0]} still does: two leaders", 12, RED[2]),
            text(x0, 240, f"In creation order (serial numbers): {', '.join(serial)}", 13,
                 GREEN[2], weight="700"),
            text(x0, 258, f"{serial[0]}, the oldest, leads; each newcomer waits at the back",
                 12, GREEN[2])]
    return out


def _rule(numbers: dict, serial: list, x0: int) -> list[str]:
    """RFC 1982's rule, worked on two of the candidates with the recipe's arithmetic."""
    a, c = serial[0], serial[min(2, len(serial) - 1)]
    na, nc = numbers[a], numbers[c]
    forward, back = (nc - na) % SERIAL, (na - nc) % SERIAL
    assert serial_distance(na, nc) == forward          # the recipe's arithmetic agrees
    y = 284
    return [box(x0 - 8, y, 430, 190, GONE, rx=8),
            text(x0 + 4, y + 24, "RFC 1982 with 32 bits: a was made before b when", 12.5,
                 MUTED),
            text(x0 + 4, y + 50, "(b − a) mod 2³² is in 1 … 2³¹−1", 17, INK, weight="700",
                 mono=True),
            text(x0 + 4, y + 80, f"{a} then {c}: ({nc} − {na}) mod 2³²", 12, INK, mono=True),
            text(x0 + 4, y + 97, f"= {forward}: {a} before {c}", 12, GREEN[2], mono=True,
                 weight="700"),
            text(x0 + 4, y + 122, f"{c} then {a}: ({na} − ({nc})) mod 2³²", 12, INK,
                 mono=True),
            text(x0 + 4, y + 139, f"= {back}: not in 1 … 2³¹−1", 12, MUTED, mono=True),
            text(x0 + 4, y + 166, "Right while the live candidates were made fewer than", 12,
                 MUTED),
            text(x0 + 4, y + 182, "2³¹ creations apart: in an election, always.", 12, MUTED)]

