"""The ensemble without Docker: three local ZooKeeper Java processes.

    python -m harness.launcher up | down | status | install

Same topology as docker-compose.yml (both come from ``harness.topology``).
Each server keeps its own folder under the state directory (``ZK_WORKSHOP_STATE``,
default ``~/.local/state/zk-workshop``): ``zoo.cfg``, ``data/``, ``pid`` and
``server.log``, which failure reports point at.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import class_sharing, fourlw, topology

SERVING_MODES = ("leader", "follower")


class LauncherError(RuntimeError):
    """A problem the user must fix; the message says how."""


def state_dir() -> Path:
    default = Path.home() / ".local" / "state" / "zk-workshop"
    return Path(os.environ.get("ZK_WORKSHOP_STATE", default))


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


# --- finding ZooKeeper -------------------------------------------------------

MISSING_ZOOKEEPER = (
    "ZooKeeper is not installed: install Java 17 and ZooKeeper "
    "(on Debian/Ubuntu as root: `apt-get install zookeeper`), or set ZOOKEEPER_HOME "
    "to an unpacked Apache ZooKeeper release, or run the Docker ensemble with "
    "`docker compose up -d`.")


def classpath() -> str:
    """The Java classpath of a ZooKeeper server, from ZOOKEEPER_HOME or Debian's package."""
    home = os.environ.get("ZOOKEEPER_HOME")
    if home:
        jars = sorted(glob.glob(os.path.join(home, "lib", "*.jar")))
        jars += sorted(glob.glob(os.path.join(home, "zookeeper-*.jar")))
        if not any("zookeeper" in os.path.basename(j) for j in jars):
            raise LauncherError(f"ZOOKEEPER_HOME={home} holds no zookeeper jar. " + MISSING_ZOOKEEPER)
        return ":".join([os.path.join(home, "conf")] + jars)
    debian = "/usr/share/java/zookeeper.jar"
    if os.path.exists(debian):
        # Debian's jar names its dependencies in its manifest; add a logger so
        # server.log holds the server's own account of what happened.
        simple = "/usr/share/java/slf4j-simple.jar"
        return ":".join(p for p in (debian, simple) if os.path.exists(p))
    raise LauncherError(MISSING_ZOOKEEPER)


def ensure_installed() -> str:
    """Find ZooKeeper; install Debian's package when we are root with apt. Say what was done."""
    try:
        classpath()
        java()
        return "ZooKeeper found"
    except LauncherError:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "zookeeper", "openjdk-17-jre-headless"]):
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            raise LauncherError(f"`{' '.join(cmd)}` failed: {res.stderr.strip()[-500:]} "
                                + MISSING_ZOOKEEPER)
    classpath()
    java()
    return "installed Debian's zookeeper package"


def java() -> str:
    exe = shutil.which("java")
    if not exe:
        raise LauncherError("Java is not installed: install Java 17 (Debian: `apt-get install "
                            "openjdk-17-jre-headless`). " + MISSING_ZOOKEEPER)
    return exe


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
    _reap(pid)
    (server_dir(server) / "pid").unlink(missing_ok=True)
    # "stopped" means its ports can be taken again: a restart must not race the kernel.
    wait_ports_free(server, 5.0)


def _reap(pid: int) -> None:
    """Collect a child we started ourselves, so it leaves no zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    deadline = time.monotonic() + 5
    while not process_finished(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


# --- the ensemble ------------------------------------------------------------

def modes() -> dict[int, str]:
    return {s.id: mode(s) for s in topology.SERVERS}


def has_quorum(current: dict[int, str] | None = None) -> bool:
    current = current or modes()
    return (list(current.values()).count("leader") == 1
            and sum(m in SERVING_MODES for m in current.values()) >= 2)


def all_serve(current: dict[int, str]) -> bool:
    """Every server leads or follows, and exactly one leads."""
    return has_quorum(current) and all(m in SERVING_MODES for m in current.values())


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


def up(timeout: float = 30.0) -> dict[int, str]:
    """Start whatever is missing; reuse servers that already answer. Idempotent."""
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


def status_lines() -> list[str]:
    lines = []
    for s in topology.SERVERS:
        pid = read_pid(s)
        m = mode(s)
        if pid and process_state(pid) == "T":
            m = "paused"
        lines.append(f"{s.name}  {s.address}  {m:<12} pid {pid or '-'}  log {log_path(s)}")
    return lines


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    try:
        if cmd == "install":
            print(ensure_installed())
        elif cmd == "up":
            t0 = time.monotonic()
            up()
            print(f"ensemble up in {time.monotonic() - t0:.1f} s: {topology.connection_string()}")
            print("\n".join(status_lines()))
        elif cmd == "down":
            down()
            print("ensemble down")
        elif cmd == "status":
            print("\n".join(status_lines()))
            return 0 if has_quorum() else 1
        else:
            print(__doc__)
            return 2
    except LauncherError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
