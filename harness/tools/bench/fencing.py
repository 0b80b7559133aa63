"""What fencing costs (lab 6): a fenced write against an unfenced one, and ZooKeeper's own
fence, a guarded ``multi``, against a plain ``set``, measured in one run.

    python -m harness bench --fencing [--writes 500]

Four ways to write, each ``writes`` times, one after the other on one client:

    store, unfenced    the storage service accepting every write (no token)
    store, fenced      the same service checking the solution's FencedLeader token
    zk set             a plain set_data on ZooKeeper
    zk guarded multi   the solution's guarded_set: check(node) + set_data in one multi

Latency is the wall time of each call; for the two ZooKeeper writes, the requests
the servers received are counted from ``mntr`` (one multi is one request, however
many operations it carries).
"""
from __future__ import annotations

import time
import uuid

from kazoo.client import KazooClient

from harness import manifest
from harness.ensemble import Ensemble
from harness.learner import imports
from harness.store.client import StoreClient
from harness.store.process import StoreProcess
from harness.tools.bench.counting import ServerCounters, summary_ms
from harness.tools.bench.parameters import BASE_PATH


def timed(call, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        out.append(time.perf_counter() - t0)
    return out


def store_writes(fenced: bool, n: int, token) -> dict:
    with StoreProcess.started(fenced=fenced) as store:
        client = StoreClient(store.address, "bench", store.add_writer("bench"))
        client.write("warm", 0, token=token)
        seconds = timed(lambda i: client.write("config", i, token=token), n)
        client.close()
        refused = sum(not w["accepted"] for w in store.log())
    return {"latency": summary_ms(seconds), "refused": refused}


def zk_writes(ens: Ensemble, zk: KazooClient, call, n: int) -> dict:
    counters = ServerCounters(ens)
    before = counters.snapshot()
    seconds = timed(call, n)
    _notes, packets = ServerCounters.delta(before, counters.snapshot())
    return {"latency": summary_ms(seconds), "requests_per_write": round(packets / n, 2)}


def run(writes: int = 500, submission=None) -> dict:
    """The four kinds of write, ``writes`` each; the figures as a dict."""
    ens = Ensemble()
    imports.install(submission or manifest.SOLUTIONS)
    try:
        guarded_set = imports.load_lab("fencing").guarded_set
        fencing_token = imports.load_lab("fencing").fencing_token
    finally:
        imports.uninstall()
    zk = KazooClient(hosts=ens.hosts, timeout=10.0)
    zk.start(timeout=15)
    path = f"{BASE_PATH}/fencing-{uuid.uuid4().hex[:6]}"
    try:
        zk.ensure_path(f"{path}/election")
        zk.create(f"{path}/config", b"")
        node = zk.create(f"{path}/election/bench-n_", b"", ephemeral=True, sequence=True)
        token = fencing_token(zk, node)
        figures = {
            "store, unfenced": store_writes(False, writes, None),
            "store, fenced": store_writes(True, writes, token),
            "zk set": zk_writes(ens, zk, lambda i: zk.set(f"{path}/config", b"%d" % i), writes),
            "zk guarded multi": zk_writes(ens, zk, lambda i: guarded_set(
                zk, node, f"{path}/config", b"%d" % i), writes),
        }
    finally:
        zk.delete(path, recursive=True)
        zk.stop()
        zk.close()
    return {"writes": writes, "kinds": figures}


def table(figures: dict) -> str:
    rows = [f"{'write':<18} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'requests':>9}",
            "-" * 55]
    for kind, f in figures["kinds"].items():
        lat = f["latency"]
        reqs = f.get("requests_per_write")
        rows.append(f"{kind:<18} {lat['p50']:>8.3f} {lat['p99']:>8.3f} {lat['mean']:>8.3f} "
                    f"{'' if reqs is None else reqs:>9}")
    kinds = figures["kinds"]
    fenced = kinds["store, fenced"]["latency"]["p50"] - kinds["store, unfenced"]["latency"]["p50"]
    guarded = kinds["zk guarded multi"]["latency"]["p50"] - kinds["zk set"]["latency"]["p50"]
    rows += ["", f"a fenced write costs {fenced:+.3f} ms (p50) over an unfenced one; a guarded "
                 f"multi {guarded:+.3f} ms over a plain set ({figures['writes']} writes each)"]
    return "\n".join(rows)
