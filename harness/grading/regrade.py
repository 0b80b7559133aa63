"""Regrading a class: keep the earlier results, say per submission what changed and why.

    python -m harness grade SUBMISSIONS --out results/grades --regrade
        before grading, OUT's results (grades.csv and each <submission>.json) are
        moved to OUT/history/<UTC timestamp>/; after, each submission's marks and the
        checks that flipped are printed and written to OUT/changes.txt and
        OUT/history/<timestamp>/changes.json.

    python -m harness grade --compare OLD_FOLDER NEW_FOLDER    # compare two result folders

A check is known by its lab and name (not its path: an instructor's hidden checks
are copied to a new temporary folder each run). Statuses: passed, failed,
infra-error; a check present only in the new results is "new", only in the old
"removed".
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

HISTORY = "history"


def snapshot(out: Path, stamp: str | None = None) -> Path | None:
    """Move OUT's current results into OUT/history/<stamp>/; None when there were none."""
    out = Path(out)
    files = [p for p in out.glob("*.json")] + [p for p in (out / "grades.csv", out / "changes.txt")
                                               if p.exists()]
    if not files:
        return None
    stamp = stamp or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    dest = out / HISTORY / stamp
    n = 1
    while dest.exists():
        n += 1
        dest = out / HISTORY / f"{stamp}-{n}"
    dest.mkdir(parents=True)
    for p in files:
        shutil.move(str(p), dest / p.name)
    return dest


def load_class(folder: Path) -> dict[str, dict]:
    """{submission: its results JSON} of a results folder (batch's <submission>.json files)."""
    out = {}
    for p in sorted(Path(folder).glob("*.json")):
        if p.name == "changes.json":
            continue
        try:
            out[p.stem] = json.loads(p.read_text())
        except (OSError, ValueError):
            out[p.stem] = {"error": f"unreadable {p.name}"}
    return out


def _checks(data: dict | None) -> dict[str, str]:
    return {f"{c.get('lab') or 'harness'}::{c['name']}": c["status"]
            for c in (data or {}).get("checks", [])}


def _marks(data: dict | None) -> dict[str, float | None]:
    if not data or "labs" not in data:
        return {"total": None}
    marks = {k: round(v.get("points", 0.0), 2) for k, v in data["labs"].items()}
    marks["total"] = round(data.get("total", {}).get("points", 0.0), 2)
    return marks


def diff_submission(old: dict | None, new: dict | None) -> dict:
    """What changed for one submission: marks (old, new) that differ, and the checks that flipped."""
    om, nm = _marks(old), _marks(new)
    marks = {k: (om.get(k), nm.get(k)) for k in sorted(set(om) | set(nm), key=lambda k: (k == "total", k))
             if om.get(k) != nm.get(k)}
    oc, nc = _checks(old), _checks(new)
    flipped = [{"check": k, "was": oc[k], "now": nc[k]} for k in sorted(set(oc) & set(nc))
               if oc[k] != nc[k]]
    return {"marks": marks, "flipped": flipped,
            "new": sorted(set(nc) - set(oc)), "removed": sorted(set(oc) - set(nc)),
            "was_graded": old is not None and "checks" in old,
            "is_graded": new is not None and "checks" in new,
            "in_old": old is not None, "in_new": new is not None}


def diff_class(old: dict[str, dict], new: dict[str, dict]) -> dict[str, dict]:
    return {name: diff_submission(old.get(name), new.get(name)) for name in sorted(set(old) | set(new))}


def changed(d: dict) -> bool:
    return bool(d["marks"] or d["flipped"] or d["new"] or d["removed"]
                or d["was_graded"] != d["is_graded"])


def _fmt(x) -> str:
    return "-" if x is None else f"{x:g}"


def render(diffs: dict[str, dict]) -> str:
    """Per submission: which marks changed (old -> new) and which checks flipped."""
    lines = []
    same = [n for n, d in diffs.items() if not changed(d)]
    for name, d in diffs.items():
        if not changed(d):
            continue
        lines.append(f"{name}:")
        if not d.get("in_old", True):
            lines.append("  new submission: not in the earlier grading")
        elif not d.get("in_new", True):
            lines.append("  not in this grading (its earlier results are kept in the history)")
        elif not d["was_graded"] and d["is_graded"]:
            lines.append("  graded now; the earlier run left no results")
        elif d["was_graded"] and not d["is_graded"]:
            lines.append("  no results this time (crashed or timed out): see its JSON")
        if d["marks"]:
            lines.append("  marks: " + ", ".join(f"{k} {_fmt(a)} -> {_fmt(b)}"
                                                 for k, (a, b) in d["marks"].items()))
        for f in d["flipped"]:
            lines.append(f"  {f['was']} -> {f['now']}: {f['check']}")
        for k in d["new"]:
            lines.append(f"  new check: {k}")
        for k in d["removed"]:
            lines.append(f"  removed check: {k}")
    lines.append(f"unchanged: {len(same)} submission(s)" + (f" ({', '.join(same)})" if same else ""))
    return "\n".join(lines)


def report_changes(old_dir: Path, new_dir: Path, write_to: Path | None = None) -> dict[str, dict]:
    diffs = diff_class(load_class(old_dir), load_class(new_dir))
    text = render(diffs)
    print("changes since the earlier grading (" + str(old_dir) + "):\n" + text)
    if write_to is not None:
        (Path(write_to) / "changes.txt").write_text(text + "\n")
        (Path(old_dir) / "changes.json").write_text(json.dumps(diffs, indent=2))
    return diffs
