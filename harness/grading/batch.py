"""Grade a class: many submissions, each in its own process, one CSV.

    python -m harness.grading.batch SUBMISSIONS --out results/ [--hidden DIR]
                                     [--jobs 2] [--timeout 900] [--labs lab1,lab3]
                                     [--ensembles 2]

SUBMISSIONS is a folder holding one entry per learner: a folder of lab
notebooks, or a .zip of one. For each entry only the lab notebooks named in
labs.toml are copied into a fresh folder (a shipped conftest.py or checks/
never reaches the grader), then graded by the grader's own checks in a separate
pytest process with its own time limit and its own ZooKeeper namespace. A
submission that crashes, hangs or prints garbage scores zero for what it
broke; the others are not affected.

Writes OUT/grades.csv (one row per submission: a column per lab, the total,
a status) and OUT/<submission>.json (every check, with its message).
--regrade keeps OUT's earlier results in OUT/history/<time>/ and prints, per
submission, the marks that changed and the checks that flipped (regrade.py);
--lms-csv F writes a Canvas gradebook CSV from the same results (platforms.py).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .. import loader, manifest
from . import platforms, regrade, side_ensembles, submissions


def unpack(entry: Path, dest: Path) -> Path:
    """Copy the lab notebooks of a folder or zip entry into ``dest``; nothing else."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {lab.notebook for lab in manifest.labs()}
    if entry.is_dir():
        for name in wanted:
            found = sorted(entry.rglob(name), key=lambda p: len(p.parts))
            if found and found[0].is_file():
                shutil.copy(found[0], dest / name)
    elif entry.suffix == ".zip":
        with zipfile.ZipFile(entry) as zf:
            members = sorted(zf.namelist(), key=lambda n: n.count("/"))
            for name in wanted:
                match = next((m for m in members if m.rsplit("/", 1)[-1] == name), None)
                if match:     # read by name: no path from the zip is ever written
                    (dest / name).write_bytes(zf.read(match))
    return dest


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if (p.is_dir() and not p.name.startswith(".")) or p.suffix == ".zip")


# Seconds that grading one lab done right takes here (the solutions, one at a time:
# the "seconds" of each check in a results JSON, summed by lab). An unfinished lab
# fails at once; lab 5 waits for real session timeouts.
LAB_SECONDS = {"lab1": 2, "lab2": 1, "lab3": 4, "lab4": 4, "lab5": 36}


def attempted(sub: Path) -> list[str]:
    """The labs whose solution cells are not the starter's own (those fail at once)."""
    found = []
    for lab in manifest.labs():
        try:
            mine = loader.solution_cells(sub / lab.notebook)
            if mine and mine != loader.solution_cells(manifest.REPO / "labs" / lab.notebook):
                found.append(lab.key)
        except (OSError, loader.LabLoadError):
            pass
    return found


def longest_first(subs: dict[Path, Path]) -> list[Path]:
    """Entries in the order to grade them: the longest expected first, so that the
    quick ones (starters, half-done) fill the end instead of one long grading
    running on alone while the other jobs idle."""
    cost = {e: sum(LAB_SECONDS.get(k, 5) for k in attempted(sub)) for e, sub in subs.items()}
    return sorted(subs, key=lambda e: (-cost[e], e.name))


def grade_one(entry: Path, sub: Path, out: Path, labs: list[str] | None, hidden: Path | None,
              timeout: float, seed: int | None, envs=None) -> dict:
    """Grade ``sub`` (the lab notebooks unpacked from ``entry``) in a process of its own."""
    name = entry.stem if entry.suffix == ".zip" else entry.name
    t0 = time.monotonic()
    env = envs.get() if envs is not None else {}       # an ensemble of its own while it grades
    try:
        run = submissions.grade(sub, labs=labs, timeout=timeout, hidden=hidden, seed=seed, env=env)
    finally:
        if envs is not None:
            envs.put(env)
    seconds = time.monotonic() - t0
    data = run["results"]
    row = {"submission": name, "seconds": round(seconds, 1)}
    graded = [lab for lab in manifest.labs() if not labs or lab.key in labs]
    if data is None:
        status = "timed out" if run["exit_code"] == -1 else "crashed"
        for lab in graded:
            row[lab.key] = 0.0
        row.update(total=0.0, status=f"{status}: no results", infra_errors=0)
        data = {"error": status, "output_tail": run["output"][-4000:]}
    else:
        for lab in graded:
            row[lab.key] = round(data["labs"].get(lab.key, {}).get("points", 0.0), 2)
        row["total"] = data["total"]["points"]
        row["infra_errors"] = data["total"]["infra_errors"]
        row["status"] = ("timed out: partial results" if run["exit_code"] == -1
                         else f"crashed (exit {run['exit_code']}): partial results"
                         if run["exit_code"] not in (0, 1)
                         else "infrastructure errors: regrade" if row["infra_errors"] else "graded")
    data["ensemble_port_offset"] = int(env.get("ZK_WORKSHOP_PORT_OFFSET", 0))
    (out / f"{name}.json").write_text(json.dumps(data, indent=2))
    return row


def clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def progress(done: int, total: int, elapsed: float) -> str:
    """'3 done in 1m05s, 2.8/min, about 2m30s left': the rate so far, applied to what is left."""
    rate = done / elapsed * 60 if elapsed > 0 else 0.0
    left = (total - done) * elapsed / done if done else 0.0
    tail = f"about {clock(left)} left" if done < total else "all done"
    return f"{done} done in {clock(elapsed)}, {rate:.1f}/min, {tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("submissions", type=Path)
    ap.add_argument("--out", type=Path, default=Path("results"))
    ap.add_argument("--hidden", type=Path, default=None, help="folder of extra test_labN_*.py checks")
    ap.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per submission")
    ap.add_argument("--labs", default="", help="comma-separated lab keys (default: all)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--ensembles", type=int, default=1,
                    help="ensembles side by side (local JVMs on other ports): a submission's "
                         "fault checks then wait only for those on its own ensemble")
    ap.add_argument("--regrade", action="store_true",
                    help="keep OUT's earlier results in OUT/history/<time>/ and print what changed")
    ap.add_argument("--lms-csv", type=Path, default=None, help="also write a Canvas gradebook CSV here")
    ap.add_argument("--lms-columns", choices=["per-lab", "total"], default="per-lab")
    ap.add_argument("--lms-roster", type=Path, default=None,
                    help="a Canvas gradebook export: names and IDs for the LMS CSV")
    args = ap.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    todo = entries(args.submissions)
    if not todo:
        print(f"error: {args.submissions} holds no submission (folders or .zip files)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    earlier = regrade.snapshot(args.out) if args.regrade else None
    labs = [k for k in args.labs.split(",") if k] or None
    rows = []
    print(f"grading {len(todo)} submission(s), {args.jobs} at a time"
          + (f", on {args.ensembles} ensembles" if args.ensembles > 1 else ""))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="batch-") as tmp, \
            side_ensembles.side_by_side(args.ensembles) as envs, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        subs = {e: unpack(e, Path(tmp) / f"{n:04d}") for n, e in enumerate(todo)}
        futures = {pool.submit(grade_one, e, subs[e], args.out, labs, args.hidden, args.timeout,
                               args.seed, envs): e
                   for e in longest_first(subs)}
        for n, fut in enumerate(concurrent.futures.as_completed(futures), start=1):
            row = fut.result()
            rows.append(row)
            print(f"[{n}/{len(todo)}] {row['submission']}: {row['total']:.1f} points "
                  f"({row['status']}, {row['seconds']:.0f} s) | "
                  f"{progress(n, len(todo), time.monotonic() - started)}", flush=True)
    rows.sort(key=lambda r: r["submission"])
    graded = [lab.key for lab in manifest.labs() if not labs or lab.key in labs]
    fields = ["submission", *graded, "total", "status", "infra_errors", "seconds"]
    with open(args.out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out / 'grades.csv'}")
    if args.regrade:
        if earlier is None:
            print(f"regrade: {args.out} held no earlier results; nothing to compare")
        else:
            regrade.report_changes(earlier, args.out, write_to=args.out)
    if args.lms_csv:
        for w in platforms.write_lms_csv(args.out, args.lms_csv, args.lms_columns, args.lms_roster):
            print(f"warning: {w}")
        print(f"wrote {args.lms_csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
