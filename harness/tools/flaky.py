"""Run the whole check suite N times on the solutions; count failures per check.

    python -m harness flaky --runs 20 [--labs lab4,lab5] [--out results/flaky.json]

Each run is a fresh pytest process with a fresh seed (printed, so a failing
run can be replayed with ``pytest checks --submission solutions --seed S``).
The target is zero failures: a check that fails on a correct solution is a
defect of the check.
"""
from __future__ import annotations

import collections
import json
import time
from pathlib import Path

from harness import manifest
from harness.grading import submissions


def run(runs: int = 20, labs: list[str] | None = None, out: Path = Path("results/flaky.json"),
        log=print, publish: bool = False) -> int:
    """Grade the solutions ``runs`` times with fresh seeds; 1 if any check ever failed."""
    failures: dict[str, list[int]] = collections.defaultdict(list)
    seeds, durations, totals = [], [], collections.Counter()
    for n in range(1, runs + 1):
        seed = int(time.time() * 1000) % 1_000_000
        t0 = time.monotonic()
        run = submissions.grade(manifest.SOLUTIONS, labs=labs, seed=seed)
        durations.append(time.monotonic() - t0)
        seeds.append(seed)
        data = run["results"] or {"checks": []}
        for c in data["checks"]:
            totals[c["nodeid"]] += 1
            if c["status"] != "passed":
                failures[c["nodeid"]].append(seed)
        bad = sum(len(v) for v in failures.values())
        log(f"run {n}/{runs} seed {seed}: {len(data['checks'])} checks, "
            f"{durations[-1]:.1f} s, failures so far {bad}")
        if run["results"] is None:
            failures["<the run itself>"].append(seed)
    report = {"runs": runs, "checks": len(totals), "seeds": seeds,
              "seconds_per_run": [round(d, 1) for d in durations],
              "failures": {k: {"count": len(v), "seeds": v} for k, v in failures.items()}}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    log(f"\n{runs} runs x {len(totals)} checks: "
        f"{sum(len(v) for v in failures.values())} failure(s)")
    for nodeid, seeds_failed in sorted(failures.items()):
        log(f"  {nodeid}: {len(seeds_failed)} (seeds {seeds_failed})")
    if publish:
        from harness.tools import figures
        bad = sum(len(v) for v in failures.values())
        figures.publish("flaky", "Flakiness of the checks on the solutions",
                        f"python -m harness flaky --runs {runs} --publish",
                        f"{runs} runs x {len(totals)} checks, fresh seeds each run: **{bad} "
                        f"failure(s)**; {min(durations):.0f}-{max(durations):.0f} s a run. Seeds "
                        f"and failures: `{out}`.\n")
    return 1 if failures else 0
