"""Counting: what the servers and the candidates' clients did, and the summaries of it.

Server side, ``ServerCounters`` takes mntr snapshots of the serving servers and
counts its own four-letter words (each ``mntr`` is one packet the server asked
receives). Client side, ``ClientStats`` wraps one kazoo client's connection to
count its pings, its other requests and the watch notifications it receives.
``baseline`` is the ensemble's own write latency, against which a failover is judged.
"""
from __future__ import annotations

import math
import statistics
import time
import uuid

from kazoo.client import KazooClient, KazooState

from harness.ensemble import Ensemble, fourlw
from harness.tools.bench.parameters import BASE_PATH, SESSION_TIMEOUT, BenchError

WATCH_COUNTERS = fourlw.WATCH_NOTIFICATION_COUNTERS


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100.0 * len(s)) - 1))
    return s[k]


def summary_ms(seconds):
    if not seconds:
        return None
    ms = [x * 1000.0 for x in seconds]
    return {"p50": round(percentile(ms, 50), 3), "p99": round(percentile(ms, 99), 3),
            "mean": round(statistics.fmean(ms), 3), "max": round(max(ms), 3), "n": len(ms)}


def summary_counts(values):
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


# --- client side ----------------------------------------------------------------------

class ClientStats:
    """What one kazoo client sent and received, counted in its connection thread."""

    def __init__(self, zk: KazooClient):
        self.pings = 0
        self.requests = 0          # everything but pings: connect, create, get, close...
        self.events = 0            # watch notifications received
        self.suspended = 0         # connection losses (kazoo SUSPENDED)
        self.lost = 0              # session expiries (kazoo LOST)
        zk.add_listener(self._state)
        conn = zk._connection
        submit, read_watch = conn._submit, conn._read_watch_event

        def counting_submit(request, *args, **kwargs):
            if type(request).__name__ == "Ping":
                self.pings += 1
            else:
                self.requests += 1
            return submit(request, *args, **kwargs)

        def counting_read_watch(*args, **kwargs):
            self.events += 1
            return read_watch(*args, **kwargs)

        conn._submit = counting_submit
        conn._read_watch_event = counting_read_watch

    def _state(self, state):
        if state == KazooState.SUSPENDED:
            self.suspended += 1
        elif state == KazooState.LOST:
            self.lost += 1


def totals(stats):
    return {"pings": sum(s.pings for s in stats), "requests": sum(s.requests for s in stats),
            "events": sum(s.events for s in stats)}


# --- server side ----------------------------------------------------------------------

class ServerCounters:
    """mntr snapshots of the serving servers, with our own four-letter words counted."""

    def __init__(self, ens: Ensemble):
        self.ens = ens
        self.servers = ens.serving()
        self.asked = {i: 0 for i in self.servers}

    def snapshot(self):
        snap = {}
        for i in self.servers:
            self.asked[i] += 1                      # this mntr is a packet the server counts
            m = self.ens.mntr(i)
            snap[i] = {"packets": int(m["zk_packets_received"]),
                       "notifications": sum(int(float(m.get(k, 0))) for k in WATCH_COUNTERS),
                       "asked": self.asked[i]}
        return snap

    @staticmethod
    def delta(before, after):
        """(notifications, packets minus our own 4lw) summed over the servers."""
        notes = packets = 0
        for i in before:
            dn = after[i]["notifications"] - before[i]["notifications"]
            dp = after[i]["packets"] - before[i]["packets"]
            if dn < 0 or dp < 0:
                raise BenchError(f"zoo{i}'s counters went back (restarted during the measurement?)")
            notes += dn
            packets += dp - (after[i]["asked"] - before[i]["asked"])
        return notes, packets


# --- the ensemble's own latency ---------------------------------------------------------

def baseline(ens: Ensemble, rounds: int = 50):
    """The ensemble's own latency: create+delete of one ephemeral node, and each alone."""
    zk = ens.client(timeout=SESSION_TIMEOUT)
    zk.start(timeout=30)
    try:
        path = f"{BASE_PATH}/baseline-{uuid.uuid4().hex[:8]}"
        zk.ensure_path(path)
        creates, deletes, both, reads = [], [], [], []
        for k in range(rounds + 5):
            t0 = time.perf_counter()
            node = zk.create(f"{path}/n_", ephemeral=True, sequence=True)
            t1 = time.perf_counter()
            zk.delete(node)
            t2 = time.perf_counter()
            zk.get_children(path)
            t3 = time.perf_counter()
            if k >= 5:                      # warm-up rounds are not counted
                creates.append(t1 - t0)
                deletes.append(t2 - t1)
                both.append(t2 - t0)
                reads.append(t3 - t2)
        zk.delete(path, recursive=True)
        return {"create_delete_ms": summary_ms(both), "create_ms": summary_ms(creates),
                "delete_ms": summary_ms(deletes), "get_children_ms": summary_ms(reads)}
    finally:
        zk.stop()
        zk.close()
