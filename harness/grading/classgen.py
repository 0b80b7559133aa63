"""A class to grade: N mixed submissions, and what each one should score.

    python -m harness.grading.classgen DEST [--size 30] [--seed 1]

Built from this repository: finished (solutions/), untouched starters (labs/),
half-finished (labs 1-2 solved, the rest the starter's), and one wrong solution
each from tests/wrong_solutions/ (the solutions with one lab's code replaced).
DEST/submissions/ holds the class; DEST/expected.json says, per submission, the
labs that must score full marks, those that must score zero, and the one lab
that must lose points (a wrong solution's). `tests/test_class.py` grades such a
class end to end and holds the marks to it.
"""
from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
import sys
from pathlib import Path

from .. import loader, manifest
from . import submissions

WRONG = manifest.REPO / "tests" / "wrong_solutions"


@functools.lru_cache(maxsize=None)
def users_of(key: str) -> frozenset[str]:
    """The labs whose solved cells import lab ``key``'s module."""
    module = manifest.by_key(key).module
    found = set()
    for lab in manifest.labs():
        cells = loader.solution_cells(manifest.REPO / "solutions" / lab.notebook)
        if any(f"from {module} import" in src or f"import {module}" in src for _, src in cells):
            found.add(lab.key)
    return frozenset(found)


def build_class(dest: Path, size: int = 30, seed: int = 1) -> dict:
    rng = random.Random(seed)
    subs = dest / "submissions"
    if subs.exists():
        shutil.rmtree(subs)
    subs.mkdir(parents=True)
    keys = [lab.key for lab in manifest.labs()]
    wrong = sorted(WRONG.glob("lab*.py"))
    rng.shuffle(wrong)
    kinds = ["finished", "starter", "half"] * 2          # six of these, the rest wrong
    expected = {}
    for i in range(size):
        kind = kinds[i] if i < len(kinds) else "wrong"
        name = f"{i:02d}_{kind}"
        if kind == "finished":
            submissions.build(subs / name)
            expected[name] = {"full": keys, "zero": [], "loses": None}
        elif kind == "starter":
            submissions.build(subs / name, base=manifest.REPO / "labs")
            expected[name] = {"full": [], "zero": keys, "loses": None}
        elif kind == "half":
            submissions.build(subs / name, base=manifest.REPO / "labs")
            for key in keys[:2]:
                nb = manifest.by_key(key).notebook
                shutil.copy(manifest.REPO / "solutions" / nb, subs / name / nb)
            expected[name] = {"full": keys[:2], "zero": keys[2:], "loses": None}
        else:
            mistake = wrong[(i - len(kinds)) % len(wrong)]
            lab = submissions.lab_of_file(mistake).key
            name = f"{i:02d}_{mistake.stem}"
            submissions.build(subs / name, overrides={lab: mistake.read_text()})
            # the labs that import the wrong one (lab 2, for labs 3-5) may lose points too
            leaning = users_of(lab)
            expected[name] = {"full": [k for k in keys if k != lab and k not in leaning],
                              "zero": [], "loses": lab}
    (dest / "expected.json").write_text(json.dumps(expected, indent=2))
    return expected


def discrepancies(expected: dict, rows: dict) -> list[str]:
    """What in a graded class (grades.csv rows by submission) breaks expected.json's rules."""
    full = {lab.key: lab.points for lab in manifest.labs()}
    found = []
    for name, want in expected.items():
        row = rows.get(name)
        if row is None:
            found.append(f"{name}: not graded")
            continue
        if row.get("status") != "graded":
            found.append(f"{name}: status {row.get('status')!r}")
        for key in want["full"]:
            if abs(float(row[key]) - full[key]) > 1e-6:
                found.append(f"{name}: {key} {row[key]} (full marks expected)")
        for key in want["zero"]:
            if float(row[key]) != 0.0:
                found.append(f"{name}: {key} {row[key]} (zero expected)")
        if want["loses"] and float(row[want["loses"]]) >= full[want["loses"]] - 1e-6:
            found.append(f"{name}: {want['loses']} {row[want['loses']]} (its mistake was not caught)")
    return found


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.grading.classgen",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--size", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    expected = build_class(args.dest, args.size, args.seed)
    print(f"wrote {len(expected)} submissions to {args.dest / 'submissions'} "
          f"and {args.dest / 'expected.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

