"""A sandbox's share of the connections: at most so many at once, to loopback only.

Every grading connects to the servers from 127.0.0.1, and a server takes at
most ``maxClientCnxns`` connections from one address (``topology``). Without a
bound of its own, one submission holding a few thousand sockets (its rlimits
allow 512 open files in each of 256 processes) leaves nothing for the
submissions graded beside it. As root, the kernel counts each sandbox uid's
TCP connections (iptables: ``owner`` picks the uid's packets, ``connlimit``
counts its live connections) and refuses one past ``MAX_CONNECTIONS``, as a
server would that is not listening: the learner's code sees
``ConnectionRefusedError``, or kazoo retrying. The uid reaches nothing but
loopback, and there no port below the ephemeral range: not the servers' client
ports (``topology`` keeps every ensemble's ports below it), only what the grader
opened for it on ephemeral ports (the proxies that count its watches,
``ensemble/watch_limits.py``, and lab 6's store). ``MAX_CONNECTIONS`` times the submissions graded at once stays under
what a server takes from one address, with room for the grader's own clients.

The rules are the machine's, for every slot at once, in a chain of their own;
where iptables is missing or not allowed (a container without NET_ADMIN),
nothing is done and the rlimits alone hold.
"""
from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

from harness.ensemble import topology

CHAIN = "zk-workshop-sandbox"
MAX_CONNECTIONS = 128            # a lab's checks open at most a few dozen (docs/sandbox.md)
VERSION = f"zk-workshop-v2-{MAX_CONNECTIONS}"


def rules(uid_base: int, slots: int) -> list[list[str]]:
    low, _ = topology.ephemeral_port_range()
    uids = f"{uid_base}-{uid_base + slots - 1}"
    out = [["-A", CHAIN, "-m", "owner", "--uid-owner", uids, "-p", "tcp", "--syn",
            "--dport", f"1:{low - 1}", "-m", "comment", "--comment", VERSION,
            "-j", "REJECT", "--reject-with", "tcp-reset"]]
    for uid in range(uid_base, uid_base + slots):
        out.append(["-A", CHAIN, "-m", "owner", "--uid-owner", str(uid), "-p", "tcp", "--syn",
                    "-m", "connlimit", "--connlimit-above", str(MAX_CONNECTIONS),
                    "--connlimit-mask", "0", "-m", "comment", "--comment", VERSION,
                    "-j", "REJECT", "--reject-with", "tcp-reset"])
    out.append(["-A", CHAIN, "-m", "owner", "--uid-owner", uids,
                # the address it asked for, before any NAT (Docker's published ports)
                "-m", "conntrack", "!", "--ctorigdst", "127.0.0.0/8",
                "-m", "comment", "--comment", VERSION, "-j", "REJECT"])
    return out


def _iptables(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["iptables", "-w", "5", *args], capture_output=True, text=True,
                          timeout=30)


def installed() -> bool:
    run = _iptables("-S", CHAIN)
    return run.returncode == 0 and VERSION in run.stdout


def limit_slots(uid_base: int, slots: int, lock_dir: Path) -> str:
    """Install the rules once per machine (idempotent); '' when they hold, else why not."""
    if shutil.which("iptables") is None:
        return "no iptables here"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    with open(lock_dir / "iptables.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed():
                return ""
            _iptables("-N", CHAIN)                        # exists already: fine
            _iptables("-F", CHAIN)
            for rule in rules(uid_base, slots):
                run = _iptables(*rule)
                if run.returncode != 0:
                    _iptables("-F", CHAIN)
                    return f"iptables refused a rule: {run.stderr.strip()[-200:]}"
            if _iptables("-C", "OUTPUT", "-j", CHAIN).returncode != 0:
                run = _iptables("-I", "OUTPUT", "-j", CHAIN)
                if run.returncode != 0:
                    return f"iptables refused the jump: {run.stderr.strip()[-200:]}"
        except (OSError, subprocess.SubprocessError) as e:
            return f"iptables failed: {e}"
    return ""
