"""The ensemble without Docker: three local ZooKeeper Java processes.

Same topology as docker-compose.yml (both come from ``harness.ensemble.topology``).
Each server keeps its own folder under the state directory (``ZK_WORKSHOP_STATE``,
default ``~/.local/state/zk-workshop``): ``zoo.cfg``, ``data/``, ``pid`` and
``server.log``, which failure reports point at.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from harness import settings
from harness.ensemble import class_sharing, fourlw, topology
from harness.ensemble.base import EnsembleError, all_serve
from harness.ensemble.install import LauncherError, classpath, java
from harness.ensemble.processes import process_finished, process_state, reap, wait_ports_free


def state_dir() -> Path:
    return settings.current().state_dir


def server_dir(server: topology.Server) -> Path:
    return state_dir() / server.name


def log_path(server: topology.Server) -> Path:
    return server_dir(server) / "server.log"


# ZOOKEEPER-4846: a snapshot is taken while requests go on, so it can name an
# ACL that a node deleted meanwhile took with it; ZooKeeper 3.8 then cannot
# load that snapshot and exits at every start ("Failed to fetch acls for N").
# Every grading run has an ACL of its own, and deletes it with its namespaces.
BROKEN_DATABASE = "Failed to fetch acls"


def database_broken(server: topology.Server) -> bool:
    """Did this server's last start die because it could not load its own database?"""
    try:
        with open(log_path(server), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256 * 1024))
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return False
    return BROKEN_DATABASE in text.rsplit("\n=== ", 1)[-1]


def set_database_aside(server: topology.Server) -> None:
    """Delete a database the server cannot load: it starts empty and takes the
    leader's (SNAP sync). Only a server that died of it gets here, so the two
    others hold every committed transaction."""
    shutil.rmtree(server_dir(server) / "data" / "version-2", ignore_errors=True)
    with open(log_path(server), "ab") as log:
        # (not quoting BROKEN_DATABASE: this line must not look like the failure)
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} database deleted: ZooKeeper "
                  "could not load it (ZOOKEEPER-4846); it takes the leader's copy\n".encode())


LOG_ROTATE_BYTES = 32 * 2**20


def rotate_log(server: topology.Server) -> None:
    """A log past 32 MB becomes server.log.1 (the one before is dropped) when its server
    starts: fault checks restart servers thousands of times over a course, and one
    log had reached 230 MB here."""
    log = log_path(server)
    try:
        if log.stat().st_size > LOG_ROTATE_BYTES:
            log.replace(log.with_name(log.name + ".1"))
    except FileNotFoundError:
        pass


# --- one server --------------------------------------------------------------

def mode(server: topology.Server, timeout: float = 1.0) -> str:
    """'leader', 'follower', 'not serving' (up, no quorum), 'down', or 'foreign'."""
    try:
        text = fourlw.ask(server.address, "srvr", timeout=timeout)
    except (ConnectionRefusedError, socket.timeout, TimeoutError):
        return "down"
    except OSError:
        return "down"
    except fourlw.FourLetterWordError:
        return "foreign"
    if "This ZooKeeper instance is not currently serving requests" in text:
        return "not serving"
    m = fourlw.parse_srvr(text).get("Mode")
    return m if m else "foreign"


def _is_server_process(pid: int, server: topology.Server) -> bool:
    """Is ``pid`` this server's JVM (not a recycled pid, not a zombie)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return ("QuorumPeerMain" in cmdline and str(server_dir(server) / "zoo.cfg") in cmdline
            and process_state(pid) not in ("gone", "Z"))


def read_pid(server: topology.Server) -> int | None:
    """The pid of this server's Java process, if it is alive.

    The pid file is a hint; the process table is the truth (several graders may
    start and stop servers, and a pid file can be stale).
    """
    try:
        pid = int((server_dir(server) / "pid").read_text())
        if _is_server_process(pid, server):
            return pid
    except (OSError, ValueError):
        pass
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _is_server_process(int(entry.name), server):
            return int(entry.name)
    return None


@contextlib.contextmanager
def _server_lock(server: topology.Server):
    """One process at a time starts or stops a given server."""
    folder = server_dir(server)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "control.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def check_ports_free(server: topology.Server, grace: float = 5.0) -> None:
    """Fail with one sentence if another program holds this server's ports.

    ``grace`` covers a server of ours that was killed a moment ago, whose
    sockets the kernel is still closing.
    """
    for port in wait_ports_free(server, grace):
        raise LauncherError(
            f"port {port} (needed by {server.name}) is taken by a program that is not this "
            f"workshop's ZooKeeper; stop it (`ss -ltnp 'sport = :{port}'` shows it) and retry.")


def start_server(server: topology.Server) -> int:
    """Start one server's JVM in the background; return its pid (reuse a live one)."""
    with _server_lock(server):
        return _start_server(server)


def _start_server(server: topology.Server) -> int:
    pid = read_pid(server)
    if pid:
        return pid
    if database_broken(server):
        set_database_aside(server)
    check_ports_free(server)
    folder = server_dir(server)
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "myid").write_text(f"{server.id}\n")
    cfg = folder / "zoo.cfg"
    cfg.write_text(zoo_cfg(server))
    jvm, jars = java(), classpath()
    sharing = class_sharing.start_flags(folder, [server_dir(s) for s in topology.SERVERS],
                                        jvm, jars, topology.SERVER_JVM_FLAGS)
    cmd = [jvm, "-Xms32m", f"-Xmx{topology.SERVER_HEAP_MB}m", *topology.SERVER_JVM_FLAGS,
           *sharing, "-Djava.net.preferIPv4Stack=true",
           "-Dorg.slf4j.simpleLogger.showDateTime=true",
           "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
           "-cp", jars,
           "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)]
    rotate_log(server)
    with open(log_path(server), "ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {server.name}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=folder)
    (folder / "pid").write_text(str(proc.pid))
    return proc.pid


def signal_server(server: topology.Server, sig: int) -> bool:
    pid = read_pid(server)
    if not pid:
        return False
    os.kill(pid, sig)
    return True


def stop_server(server: topology.Server, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop (SIGTERM) or kill (SIGKILL) one server and wait until its process is gone."""
    with _server_lock(server):
        # A second JVM for the same server (one started by hand, or left by a grader
        # that died while starting one) would hold its folder and answer nothing:
        # stop every one, not only the pid file's.
        for _ in range(3):
            if not read_pid(server):
                break
            _stop_server(server, sig, timeout)


def _stop_server(server: topology.Server, sig: int, timeout: float) -> None:
    pid = read_pid(server)
    if not pid:
        return
    if process_state(pid) == "T":          # a paused JVM cannot act on SIGTERM
        os.kill(pid, signal.SIGCONT)
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process_finished(pid):
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
    reap(pid)
    (server_dir(server) / "pid").unlink(missing_ok=True)
    # "stopped" means its ports can be taken again: a restart must not race the kernel.
    wait_ports_free(server, 5.0)


# --- the ensemble ------------------------------------------------------------

def modes() -> dict[int, str]:
    return {s.id: mode(s) for s in topology.SERVERS}


def wait_until_all_serve(timeout: float = 30.0) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    current = modes()
    while time.monotonic() < deadline:
        current = modes()
        if all_serve(current):
            return current
        for s in topology.SERVERS:        # died at start of a database it cannot load
            if current[s.id] == "down" and not read_pid(s) and database_broken(s):
                start_server(s)
        time.sleep(0.1)
    raise LauncherError(
        "the ensemble did not come up within %.0f s (%s); see the logs: %s"
        % (timeout, ", ".join(f"zoo{i} {m}" for i, m in current.items()),
           " ".join(str(log_path(s)) for s in topology.SERVERS)))


def zoo_cfg(server: topology.Server) -> str:
    return topology.local_zoo_cfg(server, str(server_dir(server) / "data"))


def stale_servers() -> list[topology.Server]:
    """Running servers of ours whose zoo.cfg is not the topology's any more.

    A server's zoo.cfg is written when it starts: after the workshop is updated
    (a new limit, a new four-letter word), the old processes still run the old one.
    """
    return [s for s in topology.SERVERS
            if read_pid(s) and (server_dir(s) / "zoo.cfg").exists()
            and (server_dir(s) / "zoo.cfg").read_text() != zoo_cfg(s)]


def up(timeout: float = 60.0) -> dict[int, str]:
    """Start whatever is missing; reuse servers that already answer. Idempotent.

    ``timeout``: a cold start (no class archive yet) on a busy machine, a class being
    graded beside it or the test loop's workers, took over 30 s on two cores; the wait
    ends as soon as all three serve."""
    for s in stale_servers():     # one at a time: the other two keep the quorum
        stop_server(s)
        start_server(s)
        wait_until_all_serve(timeout)
    current = modes()
    if all_serve(current):
        build_class_archive()
        return current
    foreign = [s for s in topology.SERVERS if current[s.id] == "foreign"]
    if foreign:
        raise LauncherError(f"port {foreign[0].client_port} answers, but not as ZooKeeper; "
                            "free it and retry.")
    to_start = [s for s in topology.SERVERS
                if current[s.id] == "down" and not read_pid(s)]
    for s in to_start:            # refuse before starting anything
        check_ports_free(s)
    classpath(), java()
    for s in topology.SERVERS:
        pid = read_pid(s)
        if pid and process_state(pid) == "T":
            os.kill(pid, signal.SIGCONT)
    for s in to_start:
        start_server(s)
    current = wait_until_all_serve(timeout)
    build_class_archive()
    return current


def build_class_archive() -> bool:
    """Once servers have served, archive the classes they loaded (class_sharing)."""
    if not class_sharing.enabled():
        return False
    jvm, jars = java(), classpath()
    return class_sharing.build(
        class_sharing.archive_path(jvm, jars, topology.SERVER_JVM_FLAGS),
        [server_dir(s) / class_sharing.LIST_NAME for s in topology.SERVERS],
        jvm, jars, topology.SERVER_JVM_FLAGS, settled=0)


def down() -> None:
    for s in topology.SERVERS:
        stop_server(s)


# --- the backend the Ensemble drives -------------------------------------------

class LocalBackend:
    """Servers are local JVMs, started and signalled by this module."""
    name = "local"

    def _server(self, i: int) -> topology.Server:
        return topology.SERVERS[i - 1]

    def _require_ours(self, i: int) -> None:
        if not read_pid(self._server(i)):
            raise EnsembleError(f"zoo{i} is not a process of this launcher "
                                f"(state dir {state_dir()}); is it down, or run by Docker?")

    def kill(self, i):
        self._require_ours(i)
        stop_server(self._server(i), signal.SIGKILL)

    def stop(self, i):
        self._require_ours(i)
        stop_server(self._server(i), signal.SIGTERM)

    def start(self, i):
        start_server(self._server(i))

    def pause(self, i):
        self._require_ours(i)
        signal_server(self._server(i), signal.SIGSTOP)
        self._wait_state(i, lambda st: st == "T")

    def resume(self, i):
        signal_server(self._server(i), signal.SIGCONT)
        self._wait_state(i, lambda st: st != "T")

    def _wait_state(self, i, ok, timeout=5.0):
        """Signals arrive asynchronously: wait until /proc shows their effect."""
        deadline = time.monotonic() + timeout
        pid = read_pid(self._server(i))
        while pid and time.monotonic() < deadline and not ok(process_state(pid)):
            time.sleep(0.005)

    def running(self, i) -> bool:
        pid = read_pid(self._server(i))
        return bool(pid) and process_state(pid) not in ("gone", "Z")

    def paused(self, i) -> bool:
        pid = read_pid(self._server(i))
        return bool(pid) and process_state(pid) == "T"

    def mode(self, server: topology.Server) -> str:
        return mode(server)

    def up(self):
        up()

    def down(self):
        down()

    def logs(self, i: int, tail: int = 50) -> str:
        try:
            lines = log_path(self._server(i)).read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:]) + ("\n" if lines else "")

    def log_hint(self, i) -> str:
        return str(log_path(self._server(i)))

    def revivable(self, i) -> bool:
        """Down because its database could not be loaded (start() deletes it first)."""
        return not self.running(i) and database_broken(self._server(i))

