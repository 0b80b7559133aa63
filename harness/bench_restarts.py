"""What one server restart costs, with and without the class-data archive.

    .venv/bin/python -m harness.bench_restarts [--runs 5]

Fault checks kill and start servers all the time, so a start's CPU is much of
what grading a class costs. On a private ensemble (ports +20000, its own state
folder and archive cache, taken down afterwards; the shared ensemble is not
touched) a follower is killed and started ``--runs`` times each way, and two
figures are printed per start: the seconds until it serves again (``srvr``
says follower or leader) and the CPU seconds its JVM used by then.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PRIVATE_OFFSET = "20000"


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_restart(launcher, server) -> tuple[float, float]:
    launcher.stop_server(server, signal.SIGKILL)
    t0 = time.monotonic()
    pid = launcher.start_server(server)
    while launcher.mode(server, timeout=0.5) not in launcher.SERVING_MODES:
        if time.monotonic() - t0 > 30:
            raise RuntimeError(f"{server.name} did not serve again within 30 s")
        time.sleep(0.01)
    return time.monotonic() - t0, _cpu_seconds(pid)


def measure(runs: int) -> dict[str, list[tuple[float, float]]]:
    from harness import launcher, topology
    out = {}
    launcher.up()                         # the first start writes the class lists; up archives
    try:
        for label, cds in (("without the archive", "0"), ("with the archive", "1")):
            os.environ["ZK_WORKSHOP_CDS"] = cds
            follower = next(s for s in topology.SERVERS if launcher.mode(s) == "follower")
            out[label] = [one_restart(launcher, follower) for _ in range(runs)]
            launcher.wait_until_all_serve()
    finally:
        launcher.down()
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.bench_restarts",
                                description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5, help="restarts each way (default 5)")
    a = p.parse_args(argv)
    if os.environ.get("ZK_WORKSHOP_PORT_OFFSET") != PRIVATE_OFFSET:
        # topology reads the ports when imported: start again with the private ones
        with tempfile.TemporaryDirectory(prefix="zk-restarts-") as tmp:
            env = dict(os.environ, ZK_WORKSHOP_PORT_OFFSET=PRIVATE_OFFSET,
                       ZK_WORKSHOP_STATE=f"{tmp}/state", ZK_WORKSHOP_CACHE=f"{tmp}/cache")
            args = sys.argv[1:] if argv is None else argv
            return subprocess.call([sys.executable, "-m", "harness.bench_restarts", *args], env=env)
    figures = measure(a.runs)
    print(f"a follower killed and started {a.runs} times each way (private ensemble):")
    for label, rows in figures.items():
        wall = [w for w, _ in rows]
        cpu = [c for _, c in rows]
        print(f"  {label:20s}  serving after {statistics.median(wall):.2f} s "
              f"({min(wall):.2f}-{max(wall):.2f}), JVM CPU {statistics.median(cpu):.2f} s "
              f"({min(cpu):.2f}-{max(cpu):.2f})  [median (range)]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
