"""The learner's loop: how long grading the solutions takes, and the launcher's ``up``."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from harness import manifest, settings
from harness.tools.bench.parameters import REPO


def timed(cmd, env=None, timeout=1800):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
                         check=False)
    lines = (res.stdout + res.stderr).strip().splitlines()
    # the last line, and which checks failed (pytest -rf lists them), if any did
    return {"seconds": round(time.perf_counter() - t0, 2), "exit": res.returncode,
            "tail": [l for l in lines if l.startswith("FAILED ")] + lines[-1:]}


def learner_loop(log=print):
    """Wall time of grading the solutions (whole and per lab) and of the launcher's up.

    The shared ensemble is never stopped: ``up`` is timed on a private ensemble (ports
    +20000, its own state directory), which is taken down afterwards.
    """
    py = sys.executable
    out = {}
    out["pytest checks (all labs)"] = timed([py, "-m", "pytest", "-q", "-rf", "checks",
                                              "--submission", "solutions"])
    log(f"  all labs: {out['pytest checks (all labs)']['seconds']} s")
    for lab in manifest.labs():
        key = f"pytest checks -k {lab.key}"
        out[key] = timed([py, "-m", "pytest", "-q", "-rf", "checks", "--submission", "solutions",
                          "-k", lab.key])
        log(f"  {lab.key}: {out[key]['seconds']} s")
    with tempfile.TemporaryDirectory(prefix="zk-bench-") as tmp:
        env = dict(os.environ, **settings.side_ensemble(settings.BENCH_OFFSET, tmp))
        try:
            out["launcher up (private ensemble)"] = timed([py, "-m", "harness", "up"],
                                                          env=env, timeout=120)
        finally:
            out["launcher down (private ensemble)"] = timed([py, "-m", "harness", "down"],
                                                            env=env, timeout=120)
    log(f"  launcher up: {out['launcher up (private ensemble)']['seconds']} s")
    return out
