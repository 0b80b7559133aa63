"""The benchmark: what the herd costs, and what a failover costs, on the real ensemble.

    python -m harness bench [--sizes 10,100,500] [--failovers 20] [--crashes 20]
                            [--submission solutions] [--learner-loop]

For every N in ``--sizes`` and every implementation - the labs' candidate classes
named in labs.toml (herd: lab 3's ``HerdCandidate``, everyone watches the children;
predecessor: lab 4's ``Candidate``, each watches the node before its own; resilient:
lab 5's ``ResilientCandidate``) and kazoo's ``Election`` (a predecessor watch by
``get``) - it starts N candidates, each on its own kazoo client, and measures

    join         how long N candidates take to volunteer and elect a leader
    failover     the leader resigns; per failover the watch notifications the servers
                 delivered, the requests they received, and the time from the
                 resignation to the next leader's ``on_elected``
    crash        the leader's session is expired for real; latency from the moment the
                 expiry is asked for to the next ``on_elected``

and the baseline: a create+delete round trip on one client (the ensemble's own write
latency, against which a failover is judged). Output: a table on stdout,
``results/bench.json`` and ``results/bench.png``; ``--learner-loop`` also times the
checks on the solutions and the launcher's ``up`` on a private ensemble.

How the figures are counted (server side, from mntr, summed over the serving servers):

- notifications = deltas of ``zk_sum_node_{deleted,children,created,changed}_watch_count``.
- requests = delta of ``zk_packets_received`` minus (a) our own four-letter words - every
  ``mntr`` costs exactly one received packet on the server asked (measured: two mntr in a
  row differ by 1), and we count each one we send - and (b) the pings of our candidates'
  clients, which the servers count as packets too; we count those on the client side
  (kazoo's ``_submit`` is wrapped per client). What is left is the requests the election
  made, plus any traffic of other users of the ensemble (their idle clients' pings: a few
  per second). So the client-side request count is given beside it as a cross-check.
- Both windows close only when the candidates are quiet (no queued or outstanding request
  on any of their clients for ``QUIET`` seconds), so a herd's late re-reads are counted.

While measuring one implementation at one N, the cross-process exclusive fault lock is
held, so no check kills a server or adds traffic meanwhile (other checks wait).

    parameters    windows, time limits, where it writes, BenchError
    counting      server-side and client-side counters, summaries, the baseline
    contenders    the candidates behind one face; the lab classes from labs.toml
    runner        clients, one implementation at one N, failover series, the whole run
    report        targets, table, plot, files
    learner_loop  the learner's loop, timed
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from harness import manifest
from harness.tools.bench.contenders import IMPLS, LABELS, load_classes
from harness.tools.bench.learner_loop import learner_loop
from harness.tools.bench.parameters import REPO, RESULTS, BenchError
from harness.tools.bench.report import plot, table, targets, write
from harness.tools.bench.runner import run, run_one

__all__ = ["IMPLS", "LABELS", "REPO", "RESULTS", "BenchError", "learner_loop", "load_classes",
           "main", "plot", "run", "run_one", "table", "targets", "write"]


def main(a) -> int:
    """``python -m harness bench``: ``a`` holds the command line's sizes, failovers, crashes,
    impls, submission, out, learner_loop and publish (harness/cli.py defines them)."""
    if a.learner_loop:
        return loop_only(a.publish)
    if a.fencing:
        return fencing_only(a.writes, a.publish, a.submission)
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    impls = [x.strip() for x in (a.impls or ",".join(IMPLS)).split(",") if x.strip()]
    unknown = set(impls) - set(IMPLS)
    if unknown:
        raise ValueError(f"unknown implementation(s) {sorted(unknown)}; choose from {IMPLS}")
    crashes = a.failovers if a.crashes is None else a.crashes
    t0 = time.perf_counter()
    figures = run(sizes, a.failovers, crashes, impls, a.submission or str(manifest.SOLUTIONS))
    figures["bench_s"] = round(time.perf_counter() - t0, 1)
    js, png = write(figures, Path(a.out or RESULTS))
    print()
    print(table(figures))
    print(f"\nwrote {js} and {png} ({figures['bench_s']} s)")
    if a.publish:
        from harness.tools import figures as page
        page.publish("bench", "The benchmark: what the herd costs", "python -m harness "
                     + " ".join(sys.argv[1:]), f"```\n{table(figures)}\n```\n\nThe whole run took "
                     f"{figures['bench_s']:.0f} s; `results/bench.json` and `results/bench.png` "
                     "hold every figure.\n")
    errors = [r for r in figures["runs"] if r["errors"]]
    return 1 if errors else 0


def fencing_only(writes: int, publish: bool, submission=None) -> int:
    """What a fenced write costs (lab 6): harness/tools/bench/fencing.py."""
    from harness.tools.bench import fencing
    figures = fencing.run(writes, submission)
    text = fencing.table(figures)
    print(text)
    if publish:
        from harness.tools import figures as page
        page.publish("fencing", "What fencing costs", "python -m harness "
                     + " ".join(sys.argv[1:]), f"```\n{text}\n```\n")
    return 0


def loop_only(publish: bool) -> int:
    """The learner's loop: grading the solutions, whole and per lab, and a private up."""
    print("learner loop:")
    timings = learner_loop()
    if publish:
        from harness.tools import figures as page
        rows = "\n".join(f"| `{what}` | {t['seconds']:.1f} s |" for what, t in timings.items())
        page.publish("learner-loop", "The learner's loop", "python -m harness bench "
                     "--learner-loop --publish", "| what | wall time |\n| --- | --- |\n" + rows + "\n")
    return 0 if all(t["exit"] == 0 for t in timings.values()) else 1
