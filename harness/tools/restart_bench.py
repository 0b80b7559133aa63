"""What one server restart costs, with and without the class-data archive.

    python -m harness bench --restarts [--runs 5]

Fault checks kill and start servers all the time, so a start's CPU is much of
what grading a class costs. On a private ensemble (ports +20000, its own state
folder and archive cache, taken down afterwards; the shared ensemble is not
touched) a follower is killed and started ``--runs`` times each way, and two
figures are printed per start: the seconds until it serves again (``srvr``
says follower or leader) and the CPU seconds its JVM used by then.
"""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_restart(local, server) -> tuple[float, float]:
    from harness.ensemble import SERVING_MODES
    local.stop_server(server, signal.SIGKILL)
    t0 = time.monotonic()
    pid = local.start_server(server)
    while local.mode(server, timeout=0.5) not in SERVING_MODES:
        if time.monotonic() - t0 > 30:
            raise RuntimeError(f"{server.name} did not serve again within 30 s")
        time.sleep(0.01)
    return time.monotonic() - t0, _cpu_seconds(pid)


def measure(runs: int) -> dict[str, list[tuple[float, float]]]:
    from harness import settings
    from harness.ensemble import local, topology
    out = {}
    local.up()                            # the first start writes the class lists; up archives
    try:
        for label, cds in (("without the archive", "0"), ("with the archive", "1")):
            os.environ["ZK_WORKSHOP_CDS"] = cds
            settings.reload()
            follower = next(s for s in topology.SERVERS if local.mode(s) == "follower")
            out[label] = [one_restart(local, follower) for _ in range(runs)]
            local.wait_until_all_serve()
    finally:
        local.down()
    return out


def run(runs: int = 5, log=print, publish: bool = False) -> int:
    """Measure on a private ensemble (a process of its own: the ports are read at import)."""
    from harness import settings
    if settings.current().port_offset != settings.BENCH_OFFSET:
        with tempfile.TemporaryDirectory(prefix="zk-restarts-") as tmp:
            env = dict(os.environ, ZK_WORKSHOP_PORT_OFFSET=str(settings.BENCH_OFFSET),
                       ZK_WORKSHOP_STATE=f"{tmp}/state", ZK_WORKSHOP_CACHE=f"{tmp}/cache")
            return subprocess.call([sys.executable, "-m", "harness", "bench", "--restarts",
                                    "--runs", str(runs), *(["--publish"] if publish else [])],
                                   env=env)
    figures = measure(runs)
    lines = []
    for label, rows in figures.items():
        wall = [w for w, _ in rows]
        cpu = [c for _, c in rows]
        lines.append(f"| {label} | {statistics.median(wall):.2f} s ({min(wall):.2f}-{max(wall):.2f}) "
                     f"| {statistics.median(cpu):.2f} s ({min(cpu):.2f}-{max(cpu):.2f}) |")
    text = (f"A follower killed and started {runs} times each way (a private ensemble); "
            "median (range):\n\n| | serving again after | JVM CPU by then |\n| --- | --- | --- |\n"
            + "\n".join(lines) + "\n")
    log(text)
    if publish:
        from harness.tools import figures as page
        page.publish("restarts", "What a server's restart costs", "python -m harness bench "
                     "--restarts --publish", text)
    return 0
