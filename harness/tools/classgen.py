"""A class to grade: N mixed submissions, and what each one should score.

    python -m harness classgen DEST [--size 30] [--seed 1]

Built from this repository: finished (solutions/), untouched starters (labs/),
half-finished (labs 1-2 solved, the rest the starter's), and one wrong solution
each from solutions/wrong/ (the solutions with one lab's code replaced).
DEST/submissions/ holds the class; DEST/expected.json says, per submission, the
labs that must score full marks, those that must score zero, and the one lab
that must lose points (a wrong solution's). `tests/test_class.py` grades such a
class end to end and holds the marks to it.
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from harness import manifest
from harness.tools import mutants


def build_class(dest: Path, size: int = 30, seed: int = 1) -> dict:
    rng = random.Random(seed)
    subs = dest / "submissions"
    if subs.exists():
        shutil.rmtree(subs)
    subs.mkdir(parents=True)
    keys = [lab.key for lab in manifest.labs()]
    wrong = sorted(manifest.WRONG.glob("lab*.py"))
    rng.shuffle(wrong)
    kinds = ["finished", "starter", "half"] * 2          # six of these, the rest wrong
    expected = {}
    for i in range(size):
        kind = kinds[i] if i < len(kinds) else "wrong"
        name = f"{i:02d}_{kind}"
        if kind == "finished":
            mutants.build(subs / name)
            expected[name] = {"full": keys, "zero": [], "loses": None}
        elif kind == "starter":
            mutants.build(subs / name, base=manifest.STARTERS)
            expected[name] = {"full": [], "zero": keys, "loses": None}
        elif kind == "half":
            mutants.build(subs / name, base=manifest.STARTERS)
            for key in keys[:2]:
                nb = manifest.by_key(key).notebook
                shutil.copy(manifest.SOLUTIONS / nb, subs / name / nb)
            expected[name] = {"full": keys[:2], "zero": keys[2:], "loses": None}
        else:
            mistake = wrong[(i - len(kinds)) % len(wrong)]
            lab = manifest.lab_of_wrong(mistake).key
            name = f"{i:02d}_{mistake.stem}"
            mutants.build(subs / name, overrides={lab: mistake.read_text()})
            # the labs that import the wrong one (lab 2, for labs 3-5) may lose points too
            leaning = {user.key for user in manifest.users_of(lab)}
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
