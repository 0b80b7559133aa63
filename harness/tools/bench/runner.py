"""Running the measurements: N clients, N contenders, a join, then failovers.

``run`` measures every implementation at every N; ``run_one`` one implementation
at one N, on a ``Trial`` (its clients, contenders and counters); ``failover_series``
its resignations or its crashes (real session expiries). Every window closes only
when the candidates are quiet (``settle``), so late re-reads are counted.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kazoo.client import KazooState
from kazoo.exceptions import KazooException, NoNodeError

from harness import waits
from harness.ensemble import RECONNECT, Ensemble, faultlock
from harness.tools.bench.contenders import IMPLS, LABELS, Elections, contender, load_classes
from harness.tools.bench.counting import (
    ClientStats,
    ServerCounters,
    baseline,
    summary_counts,
    summary_ms,
    totals,
)
from harness.tools.bench.parameters import (
    BASE_PATH,
    POLL,
    POOL,
    QUIET,
    REPO,
    SESSION_TIMEOUT,
    SESSION_TIMEOUTS,
    STEP_TIMEOUT,
    BenchError,
)
from harness.tools.bench.report import targets

# --- clients ------------------------------------------------------------------------------

def connect_clients(ens: Ensemble, n: int, timeout: float = SESSION_TIMEOUT):
    """n started kazoo clients, each its own session, connected concurrently."""
    def one(_):
        zk = ens.client(timeout=timeout, connection_retry=RECONNECT)
        stats = ClientStats(zk)
        zk.start(timeout=30)
        return zk, stats

    with ThreadPoolExecutor(min(POOL, n)) as pool:
        futures = [pool.submit(one, k) for k in range(n)]
        out, errors = [], []
        for f in futures:
            try:
                out.append(f.result())
            except Exception as e:          # noqa: BLE001 - reported, the others closed
                errors.append(e)
    if errors:
        close_clients([zk for zk, _ in out])
        raise BenchError(f"{len(errors)} of {n} clients could not connect: {errors[0]!r}")
    return [zk for zk, _ in out], [s for _, s in out]


def close_clients(clients):
    def one(zk):
        with contextlib.suppress(Exception):    # closing anyway
            zk.stop()
        zk.close()
    if clients:
        with ThreadPoolExecutor(min(POOL, len(clients))) as pool:
            list(pool.map(one, clients))


def settle(clients, stats, quiet=QUIET, timeout=STEP_TIMEOUT):
    """Wait until no request is queued or outstanding on any client for ``quiet`` seconds.

    Not ``waits.wait_until``: that returns at the first moment a condition holds, and
    this needs one that has held for a whole ``quiet`` window (nothing in flight and the
    request count unchanged), the window starting again at every new request. Nor
    ``recipe.quiesce``: its ``sync`` round trips are requests the servers would count
    in the very window being measured.
    """
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        busy = any(zk._queue or zk._pending for zk in clients)
        now = sum(s.requests for s in stats)
        if busy or now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.01)
    raise BenchError(f"the candidates did not settle within {timeout:.0f} s")


def wait_for(predicate, timeout, what):
    """``waits.wait_until``, looking every ``POLL`` s; a timeout is a BenchError."""
    value = waits.wait_until(predicate, timeout, interval=POLL)
    if value is None:
        raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
    return value


def trouble(stats, planned_expiries=0):
    return (f"{sum(st.suspended for st in stats)} connection losses and "
            f"{sum(st.lost for st in stats) - planned_expiries} unplanned session expiries "
            f"among the candidates' clients")


def cleanup(ens, path):
    zk = ens.client(timeout=SESSION_TIMEOUT)
    zk.start(timeout=30)
    try:
        zk.delete(path, recursive=True)
    except NoNodeError:
        pass
    finally:
        zk.stop()
        zk.close()


# --- one implementation at one N --------------------------------------------------------

class Trial:
    """One implementation at one N: its clients, contenders, counters and figures."""

    def __init__(self, ens, classes, impl, n):
        self.ens, self.classes, self.impl, self.n = ens, classes, impl, n
        self.path = f"{BASE_PATH}/{impl}-{n}-{uuid.uuid4().hex[:8]}"
        self.fig = {"impl": impl, "label": LABELS[impl], "n": n, "errors": []}
        self.elections = Elections()
        self.contenders, self.clients, self.stats = [], [], []
        self.counters = None

    def new_contender(self, zk):
        return contender(self.impl, self.classes, zk, self.path, self.elections)

    def connect(self):
        fig = self.fig
        self.ens.wait_all_serving(timeout=60)
        t0 = time.perf_counter()
        fig["session_timeout_s"] = SESSION_TIMEOUTS.get(self.impl, SESSION_TIMEOUT)
        self.clients, self.stats = connect_clients(self.ens, self.n,
                                                   timeout=fig["session_timeout_s"])
        fig["connect_s"] = round(time.perf_counter() - t0, 3)
        self.clients[0].ensure_path(self.path)
        self.counters = ServerCounters(self.ens)
        self.contenders = [self.new_contender(zk) for zk in self.clients]

    def join(self):
        """N candidates volunteer concurrently; done when all N nodes exist and one leads."""
        fig, stats, contenders = self.fig, self.stats, self.contenders
        s0, c0 = self.counters.snapshot(), totals(stats)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(min(POOL, self.n)) as pool:
            list(pool.map(lambda c: c.start(), contenders))
        wait_for(lambda: self.elections.count() >= 1, STEP_TIMEOUT, "the first leader")
        wait_for(lambda: all(c.node for c in contenders), STEP_TIMEOUT * 3, "every node")
        self.wait_children()
        fig["join_elect_s"] = round(time.perf_counter() - t0, 3)
        settle(self.clients, stats)
        fig["join_settled_s"] = round(time.perf_counter() - t0, 3)
        notes, _ = ServerCounters.delta(s0, self.counters.snapshot())
        fig["join_notifications"] = notes
        fig["join_requests_client"] = totals(stats)["requests"] - c0["requests"]

    def wait_children(self):
        """Until every live candidate's node is listed by the server."""
        children = []

        def all_children():
            # a candidate whose session expired meanwhile (a starved client) is gone
            children[:] = self.clients[0].get_children(self.path)
            return len(children) == self.n - sum(st.lost for st in self.stats)
        try:
            wait_for(all_children, STEP_TIMEOUT * 3, f"{self.n} children")
        except BenchError as e:
            raise BenchError(f"{e} (there are {len(children)}; {trouble(self.stats)})") from None

    def check_end(self, crashes):
        """The run's own errors: lost connections or sessions, not one leader, a crash."""
        fig, stats = self.fig, self.stats
        fig["lost_unplanned"] = sum(st.lost for st in stats) - crashes
        if fig["suspended"] or fig["lost_unplanned"] > 0:
            fig["errors"].append(f"{fig['suspended']} connection losses before the crash "
                                 f"series, {fig['lost_unplanned']} unplanned session "
                                 f"expiries among the candidates' clients")
        leaders = [c for c in self.contenders if c.is_leader]
        if len(leaders) != 1:
            fig["errors"].append(f"{len(leaders)} leaders at the end")
        fig["errors"] += [f"{c.impl}: {c.error!r}" for c in self.contenders if c.error]

    def teardown(self):
        t1 = time.perf_counter()
        # kazoo's contenders first: cancelled while their clients still run, their
        # threads end; on a closed client kazoo's Lock would retry forever.
        for c in self.contenders:
            c.cancel()
        deadline = time.monotonic() + 30
        for c in self.contenders:
            c.finish(timeout=max(0.0, deadline - time.monotonic()))
        stuck = sum(1 for c in self.contenders if c.stuck)
        if stuck:
            self.fig["errors"].append(f"{stuck} kazoo Election threads did not end")
        close_clients(self.clients)
        self.fig["teardown_s"] = round(time.perf_counter() - t1, 3)
        with contextlib.suppress(Exception):
            cleanup(self.ens, self.path)


def run_one(ens, classes, impl, n, failovers, crashes, log=print):
    """Measure one implementation at one N; returns its figures (a dict)."""
    if n < 2:
        raise BenchError("N must be at least 2 (a failover needs a successor)")
    trial = Trial(ens, classes, impl, n)
    fig = trial.fig
    # The whole life of these N sessions is inside the exclusive lock: a check that kills
    # a server meanwhile would send hundreds of clients into reconnect back-off.
    with faultlock.held(exclusive=True):
        try:
            try:
                trial.connect()
                trial.join()
                fig["resign"] = failover_series(trial, failovers, crash=False)
                fig["suspended"] = sum(st.suspended for st in trial.stats)  # before any expiry
                if crashes:
                    fig["crash"] = failover_series(trial, crashes, crash=True)
                trial.check_end(crashes)
            except (BenchError, KazooException) as e:    # recorded; the other runs go on
                fig["errors"].append(f"{type(e).__name__}: {e}")
        finally:
            trial.teardown()
    lat = ((fig.get("resign") or {}).get("latency_ms") or {}).get("p50", float("nan"))
    log(f"  {impl:<12} N={n:<4} join {fig.get('join_elect_s', float('nan')):.2f} s, "
        f"failover p50 {lat:.2f} ms, {fig['teardown_s']:.1f} s to close"
        + (f"; errors: {fig['errors']}" if fig["errors"] else ""))
    return fig


# --- failovers ----------------------------------------------------------------------------

def current_leader(contenders):
    leaders = [c for c in contenders if c.is_leader]
    if len(leaders) != 1:
        raise BenchError(f"{len(leaders)} candidates believe they lead (expected 1)")
    return leaders[0]


def failover_series(trial, rounds, crash):
    """``rounds`` failovers (resignations, or session expiries when ``crash``)."""
    keys = ("latency_ms", "notifications", "requests", "requests_client", "woken", "to_leaver")
    raw = {k: [] for k in keys}
    for _ in range(rounds):
        for k, v in one_failover(trial, crash).items():
            raw[k].append(v)
    latencies = raw["latency_ms"]
    raw["latency_ms"] = [round(x * 1000, 3) for x in latencies]
    return {"latency_ms": summary_ms(latencies),
            **{k: summary_counts(raw[k]) for k in keys[1:]},
            "raw": raw}


def one_failover(trial, crash):
    """One failover, measured; then the old leader volunteers again (not measured)."""
    clients, stats, contenders = trial.clients, trial.stats, trial.contenders
    settle(clients, stats)
    leader = current_leader(contenders)
    li = contenders.index(leader)
    k = trial.elections.count()
    s0, c0 = trial.counters.snapshot(), totals(stats)
    leaver0 = stats[li].events
    old_node = leader.node
    t0 = time.perf_counter()
    if crash:
        trial.ens.expire_session(leader.zk)
    else:
        leader.resign()
    # After an expiry is asked for, a resilient leader may win its session back before
    # the close lands (ensemble.expire_session retries then) and lead again for a moment:
    # the failover is the election of another candidate.
    t1, _ = trial.elections.wait_after(k, other_than=leader)
    if crash and trial.impl == "resilient":
        wait_for(lambda: not leader.is_leader, STEP_TIMEOUT, "the expired leader to step down")
    settle(clients, stats)
    s1, c1 = trial.counters.snapshot(), totals(stats)
    n_notes, packets = ServerCounters.delta(s0, s1)
    to_leaver = stats[li].events - leaver0
    rejoin(trial, li, crash, old_node)
    return {"latency_ms": t1 - t0, "notifications": n_notes,
            "requests": packets - (c1["pings"] - c0["pings"]),
            "requests_client": c1["requests"] - c0["requests"],
            "woken": c1["events"] - c0["events"] - to_leaver, "to_leaver": to_leaver}


def rejoin(trial, li, crash, old_node):
    """The old leader (contender ``li``) volunteers again, so N stays the same."""
    leader = trial.contenders[li]
    if crash and trial.impl == "resilient":
        wait_for(lambda: leader.node and leader.node != old_node
                 and leader.zk.exists(leader.node), STEP_TIMEOUT,
                 "the expired candidate to take part again")
        return
    if crash:
        with contextlib.suppress(Exception):
            leader.resign()             # a dead candidate's object: let it go
    leader.finish()
    wait_for(lambda: leader.zk.state == KazooState.CONNECTED, STEP_TIMEOUT,
             "the old leader's client to have a session again")
    fresh = trial.new_contender(leader.zk)
    trial.contenders[li] = fresh
    fresh.start()
    wait_for(lambda: fresh.node is not None, STEP_TIMEOUT, "the new volunteer's node")


# --- the whole run ------------------------------------------------------------------------

def ensure_ensemble(ens: Ensemble):
    if not ens.has_quorum():
        ens.backend.up()
    ens.wait_for_quorum(timeout=60)


def run(sizes=(10, 100, 500), failovers=20, crashes=20, impls=IMPLS, submission=None,
        classes=None, log=print):
    """Every implementation at every N; returns the figures (JSON-able dict)."""
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)   # closing 500 clients is noisy
    ens = Ensemble()
    ensure_ensemble(ens)
    found = load_classes(Path(submission or REPO / "solutions"),
                         [i for i in impls if not classes or i not in classes])
    found.update(classes or {})
    with faultlock.held(exclusive=True):
        base = baseline(ens)
    log(f"baseline: create+delete p50 {base['create_delete_ms']['p50']:.2f} ms, "
        f"delete p50 {base['delete_ms']['p50']:.2f} ms")
    figures = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "host_cpus": os.cpu_count(),
               "session_timeout_s": SESSION_TIMEOUT, "failovers": failovers, "crashes": crashes,
               "sizes": list(sizes), "impls": list(impls), "baseline": base, "runs": []}
    compared = [i for i in ("kazoo", "predecessor") if i in impls]
    for n in sizes:
        runs = {impl: run_one(ens, found, impl, n, failovers, crashes, log=log) for impl in impls}
        if len(compared) == 2:
            # The ratio target compares two timings of a few ms on a noisy host: run the pair
            # again in the reverse order (A B ... B A) and pool, so drift and the order of the
            # runs favour neither.
            for impl in compared:
                runs[impl] = pooled(runs[impl], run_one(ens, found, impl, n, failovers, crashes,
                                                        log=log))
        figures["runs"] += [runs[impl] for impl in impls]
    figures["targets"] = targets(figures)
    return figures


def pooled(first, second):
    """One row from two runs of the same implementation and N: failovers pooled."""
    out = dict(first, errors=first["errors"] + second["errors"], repeats=2)
    for series in ("resign", "crash"):
        a, b = first.get(series), second.get(series)
        if not (a and b):
            continue
        raw = {k: a["raw"][k] + b["raw"][k] for k in a["raw"]}
        out[series] = {"latency_ms": summary_ms([x / 1000.0 for x in raw["latency_ms"]]),
                       **{k: summary_counts(v) for k, v in raw.items() if k != "latency_ms"},
                       "raw": raw}
    return out
