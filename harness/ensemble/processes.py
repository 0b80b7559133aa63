"""What the machine says about a local server: its process in /proc, its ports.

The local backend's servers are JVMs the harness starts; several graders may
start and stop them, so the process table and the kernel's sockets are the
truth, not a pid file.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from harness.ensemble import topology


def process_state(pid: int) -> str:
    """'R', 'S', 'T' (stopped by SIGSTOP), 'Z'... from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def process_finished(pid: int) -> bool:
    """Has every thread of ``pid`` exited?

    A JVM's main thread can show 'Z' while its other threads are still being
    torn down; until the last one goes, its sockets (and so its ports) stay open.
    """
    state = process_state(pid)
    if state == "gone":
        return True
    if state != "Z":
        return False
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir())) <= 1
    except OSError:
        return True


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((topology.HOST, port))
        except OSError:
            return True
    return False


def ports_in_use(server: topology.Server) -> list[int]:
    return [port for port in (server.client_port, server.peer_port, server.election_port)
            if port_in_use(port)]


def wait_ports_free(server: topology.Server, timeout: float) -> list[int]:
    """Wait up to ``timeout`` for this server's ports to be free; the ones still taken."""
    deadline = time.monotonic() + timeout
    while (taken := ports_in_use(server)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return taken


def reap(pid: int) -> None:
    """Collect a child we started ourselves, so it leaves no zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    deadline = time.monotonic() + 5
    while not process_finished(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
