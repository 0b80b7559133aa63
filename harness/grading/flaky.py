"""Run the whole check suite N times on the solutions; count failures per check.

    python -m harness.grading.flaky --runs 20 [--labs lab4,lab5] [--out results/flaky.json]

Each run is a fresh pytest process with a fresh seed (printed, so a failing
run can be replayed with ``pytest checks --submission solutions --seed S``).
The target is zero failures: a check that fails on a correct solution is a
defect of the check.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from .. import manifest
from . import submissions


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--labs", default="")
    ap.add_argument("--out", type=Path, default=Path("results/flaky.json"))
    args = ap.parse_args(argv)
    labs = [k for k in args.labs.split(",") if k] or None
    failures: dict[str, list[int]] = collections.defaultdict(list)
    seeds, durations, totals = [], [], collections.Counter()
    for n in range(1, args.runs + 1):
        seed = int(time.time() * 1000) % 1_000_000
        t0 = time.monotonic()
        run = submissions.grade(manifest.REPO / "solutions", labs=labs, seed=seed)
        durations.append(time.monotonic() - t0)
        seeds.append(seed)
        data = run["results"] or {"checks": []}
        for c in data["checks"]:
            totals[c["nodeid"]] += 1
            if c["status"] != "passed":
                failures[c["nodeid"]].append(seed)
        bad = sum(len(v) for v in failures.values())
        print(f"run {n}/{args.runs} seed {seed}: {len(data['checks'])} checks, "
              f"{durations[-1]:.1f} s, failures so far {bad}", flush=True)
        if run["results"] is None:
            failures["<the run itself>"].append(seed)
    report = {"runs": args.runs, "checks": len(totals), "seeds": seeds,
              "seconds_per_run": [round(d, 1) for d in durations],
              "failures": {k: {"count": len(v), "seeds": v} for k, v in failures.items()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\n{args.runs} runs x {len(totals)} checks: "
          f"{sum(len(v) for v in failures.values())} failure(s)")
    for nodeid, seeds_failed in sorted(failures.items()):
        print(f"  {nodeid}: {len(seeds_failed)} (seeds {seeds_failed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
