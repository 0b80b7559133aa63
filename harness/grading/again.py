"""Grading again what met a broken ensemble: which labs, in which turn, and how the
second grading's results join the first's.

A check that met a broken ensemble (a server's crash, a neighbour's load) gave no
verdict either way. The class grader grades such a submission again before it writes
anything, and only the labs that hold such a check: every verdict of the first
grading stands (a pass is not rolled again, nor a failure), and one lab graded again
takes seconds where the whole submission took minutes.

When (batch.grade_class): a submission that pressed on none of its limits is queued
again as soon as its first grading ends, so it runs in the first pass's tail, where
jobs idle; if that grading meets a break too, it is graded once more at the end. One
that pressed on its limits (the likely cause of the break) is graded again at the
end, after the others, so a victim's second grading does not meet its load again.
"""
from __future__ import annotations

from pathlib import Path

from harness import manifest
from harness.grading.scoring import INFRA

AT_ONCE, AT_THE_END = "at once", "at the end"


def labs_to_grade(data: dict | None) -> list[str] | None:
    """The labs of ``data`` (one grading's results) that hold a check with no verdict;
    None for every lab (a check of no lab broke: the harness's own); [] for none."""
    if not data or not data["total"].get("infra_errors"):
        return []
    broke = {c["lab"] for c in data["checks"] if c["status"] == INFRA}
    if "" in broke:
        return None
    return [lab.key for lab in manifest.labs() if lab.key in broke]


def when(turns: list[str], pressed: str) -> str | None:
    """The turn of a submission's next grading, after the ``turns`` it was graded again
    in; None when it has had its last. At once if it pressed on nothing (and had no
    turn yet), else at the end, once."""
    if AT_THE_END in turns:
        return None
    return AT_ONCE if not turns and not pressed else AT_THE_END


def groups(again: list[Path], rows: dict[Path, dict]) -> list[list[Path]]:
    """The submissions to grade again at the end, in turns: those that pressed on
    nothing first, together; then those that did, together."""
    quiet = [e for e in again if not rows[e].get("pressed")]
    loud = [e for e in again if rows[e].get("pressed")]
    return [group for group in (quiet, loud) if group]


def merge(first: dict, second: dict, labs: list[str]) -> dict:
    """``first``'s results with ``labs`` taken from ``second`` (which graded those only)."""
    order = {lab.key: n for n, lab in enumerate(manifest.labs())}
    taken = [key for key in labs if key in second["labs"]]     # a cut-off run may lack some
    checks = ([c for c in first["checks"] if c["lab"] not in taken]
              + [c for c in second["checks"] if c["lab"] in taken])
    checks.sort(key=lambda c: order.get(c["lab"], -1))         # stable: each lab's own order
    by_lab = dict(first["labs"], **{key: second["labs"][key] for key in taken})
    by_lab = {k: by_lab[k] for k in sorted(by_lab, key=lambda k: order.get(k, -1))}
    merged = dict(first, checks=checks, labs=by_lab,
                  load=merged_load(first.get("load") or {}, second.get("load") or {}))
    merged["total"] = {
        "points": round(sum(lab["points"] for lab in by_lab.values()), 2),
        "max_points": round(sum(lab["max_points"] for lab in by_lab.values()), 2),
        "infra_errors": sum(c["status"] == INFRA for c in checks)}
    merged["graded_again"] = [*first.get("graded_again", []), labs]
    return merged


def merged_load(a: dict, b: dict) -> dict:
    """What a submission took of its limits over two gradings: the peaks' highest, the
    counts' sum, the first refusal named first."""
    out = dict(a)
    for key, value in b.items():
        mine = out.get(key)
        if mine is None or mine in ("", []):
            out[key] = value
        elif key.endswith("_peak"):
            out[key] = max(mine, value or 0)
        elif isinstance(mine, list):
            out[key] = mine + list(value or [])
        elif isinstance(mine, (int, float)) and isinstance(value, (int, float)):
            out[key] = round(mine + value, 1) if isinstance(mine, float) else mine + value
    return out
