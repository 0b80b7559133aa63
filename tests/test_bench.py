"""The benchmark (harness/tools/bench) at a tiny N, against the real ensemble.

Only what is deterministic is asserted: the shape of results/bench.json and the
notification counts - per failover, a predecessor watch wakes exactly one
candidate and the herd wakes the N-1 others (counted by the candidates' clients,
exact; the servers' mntr counters agree but can be raised by clients of other
users that do not take the lock). Timings are printed, never asserted.

The classes measured are the solutions' (``solutions/``); ``BENCH_SUBMISSION``
points the test at another submission folder.
"""
import json
import os

import pytest

from harness import cli
from harness.tools import bench

N = 5
FAILOVERS = 3
CRASHES = 1


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    submission = os.environ.get("BENCH_SUBMISSION", str(bench.REPO / "solutions"))
    code = cli.main(["bench", "--sizes", str(N), "--failovers", str(FAILOVERS), "--crashes",
                     str(CRASHES), "--submission", submission, "--out", str(out)])
    figures = json.loads((out / "bench.json").read_text())
    return code, figures, out


def runs(figures):
    return {r["impl"]: r for r in figures["runs"]}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_command_writes_every_figure(run):
    code, figures, out = run
    assert code == 0, [r["errors"] for r in figures["runs"]]
    assert figures["sizes"] == [N] and figures["failovers"] == FAILOVERS
    for key in ("create_delete_ms", "create_ms", "delete_ms", "get_children_ms"):
        assert figures["baseline"][key]["p50"] > 0
    by_impl = runs(figures)
    assert set(by_impl) == set(bench.IMPLS)
    for impl, r in by_impl.items():
        assert r["n"] == N and r["errors"] == [], (impl, r["errors"])
        assert r["join_elect_s"] > 0 and r["connect_s"] > 0
        # the compared pair runs twice (A B ... B A) and pools its failovers
        repeats = 2 if impl in ("predecessor", "kazoo") else 1
        assert r.get("repeats", 1) == repeats, impl
        assert r["resign"]["latency_ms"]["n"] == FAILOVERS * repeats
        assert r["crash"]["latency_ms"]["n"] == CRASHES * repeats
        assert len(r["resign"]["raw"]["latency_ms"]) == FAILOVERS * repeats
        for key in ("notifications", "requests", "requests_client", "woken"):
            assert key in r["resign"]
    assert {t["target"] for t in figures["targets"]}
    png = (out / "bench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_predecessor_wakes_one_and_the_herd_wakes_n_minus_1(run):
    _, figures, _ = run
    by_impl = runs(figures)
    for impl, want in (("predecessor", 1), ("resilient", 1), ("kazoo", 1), ("herd", N - 1)):
        for series in ("resign", "crash"):
            raw = by_impl[impl][series]["raw"]
            assert raw["woken"] == [want] * len(raw["woken"]), (impl, series, raw)
    # Server side (mntr, under the exclusive lock): every notification the servers
    # delivered reached one of the candidates - the ones woken, plus the leaver's own
    # watch if it still had one (the solutions' ResilientCandidate leader watches its own
    # node). Clients that do not take the lock (a notebook, the live view) can add to the
    # server's counters, never take from them: so >= always, == in most failovers.
    for impl, r in by_impl.items():
        raw = r["resign"]["raw"]
        clients = [w + l for w, l in zip(raw["woken"], raw["to_leaver"])]
        assert all(s >= c for s, c in zip(raw["notifications"], clients)), (impl, raw)
        exact = sum(s == c for s, c in zip(raw["notifications"], clients))
        assert exact * 2 > len(clients), (impl, raw)
        if impl in ("predecessor", "kazoo"):
            assert raw["to_leaver"] == [0] * len(clients), (impl, raw)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_table_and_plot(run):
    _, figures, _ = run
    text = bench.table(figures)
    for impl in bench.IMPLS:
        assert impl in text
    fig = bench.plot(figures)
    assert len(fig.axes) == 2
    assert all(ax.get_xscale() == "log" for ax in fig.axes)
    assert len(fig.axes[0].get_lines()) == len(bench.IMPLS)
