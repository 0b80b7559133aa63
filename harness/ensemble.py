"""Control of the three-server ensemble, the same on both backends.

Checks, notebooks and the live view use this one API:

    ens = Ensemble()            # local Java processes, or Docker if its containers run
    ens.leader()                # which server is the ZAB leader (1..3)
    ens.kill(2); ens.start(2)   # a real SIGKILL, a real restart
    ens.pause(1); ens.resume(1) # SIGSTOP / SIGCONT (docker pause / unpause)
    ens.expire_session(client)  # a real expiry, done by the server
    ens.heal()                  # everything back up, with a quorum

Fault injection is first-class and plain: each fault is one method that does one
real thing to a real process or session, and says so in its docstring.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from kazoo.client import KazooClient, KazooState

from . import fourlw, launcher, topology

REPO = Path(__file__).resolve().parent.parent
SERVING_MODES = launcher.SERVING_MODES


class EnsembleError(RuntimeError):
    """The ensemble cannot do what was asked; the message says why, in one sentence."""


# --- backends: how a server is stopped, started, paused ----------------------

class LocalBackend:
    """Servers are local JVMs started by ``harness.launcher``."""
    name = "local"

    def _server(self, i: int) -> topology.Server:
        return topology.SERVERS[i - 1]

    def _require_ours(self, i: int) -> None:
        if not launcher.read_pid(self._server(i)):
            raise EnsembleError(f"zoo{i} is not a process of this launcher "
                                f"(state dir {launcher.state_dir()}); is it down, or run by Docker?")

    def kill(self, i):
        self._require_ours(i)
        launcher.stop_server(self._server(i), signal.SIGKILL)

    def stop(self, i):
        self._require_ours(i)
        launcher.stop_server(self._server(i), signal.SIGTERM)

    def start(self, i):
        launcher.start_server(self._server(i))

    def pause(self, i):
        self._require_ours(i)
        launcher.signal_server(self._server(i), signal.SIGSTOP)
        self._wait_state(i, lambda st: st == "T")

    def resume(self, i):
        launcher.signal_server(self._server(i), signal.SIGCONT)
        self._wait_state(i, lambda st: st != "T")

    def _wait_state(self, i, ok, timeout=5.0):
        """Signals arrive asynchronously: wait until /proc shows their effect."""
        deadline = time.monotonic() + timeout
        pid = launcher.read_pid(self._server(i))
        while pid and time.monotonic() < deadline and not ok(launcher.process_state(pid)):
            time.sleep(0.005)

    def running(self, i) -> bool:
        pid = launcher.read_pid(self._server(i))
        return bool(pid) and launcher.process_state(pid) not in ("gone", "Z")

    def paused(self, i) -> bool:
        pid = launcher.read_pid(self._server(i))
        return bool(pid) and launcher.process_state(pid) == "T"

    def up(self):
        launcher.up()

    def log_hint(self, i) -> str:
        return str(launcher.log_path(self._server(i)))


class DockerBackend:
    """Servers are the services of docker-compose.yml (``docker compose up -d``)."""
    name = "docker"

    def _compose(self, *args: str, check: bool = True) -> str:
        cmd = ["docker", "compose", "-f", str(REPO / "docker-compose.yml"), *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise EnsembleError(f"`{' '.join(cmd)}` failed: {res.stderr.strip()}")
        return res.stdout

    def kill(self, i):
        self._compose("kill", f"zoo{i}")

    def stop(self, i):
        self._compose("stop", f"zoo{i}")

    def start(self, i):
        self._compose("start", f"zoo{i}")

    def pause(self, i):
        self._compose("pause", f"zoo{i}")

    def resume(self, i):
        self._compose("unpause", f"zoo{i}", check=False)

    def _state(self, i) -> str:
        out = self._compose("ps", "-a", "--format", "{{.Service}} {{.State}}", check=False)
        for line in out.splitlines():
            name, _, state = line.partition(" ")
            if name == f"zoo{i}":
                return state.strip()
        return "absent"

    def running(self, i) -> bool:
        return self._state(i) in ("running", "paused")

    def paused(self, i) -> bool:
        return self._state(i) == "paused"

    def up(self):
        self._compose("up", "-d", "--wait")

    def log_hint(self, i) -> str:
        return f"docker compose logs zoo{i}"


def docker_ensemble_running() -> bool:
    """True when a Docker engine answers and this project's containers exist."""
    if not shutil.which("docker"):
        return False
    try:
        res = subprocess.run(["docker", "compose", "-f", str(REPO / "docker-compose.yml"),
                              "ps", "-q"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0 and bool(res.stdout.strip())


def docker_engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def choose_backend():
    """ZK_BACKEND=local|docker decides; otherwise Docker only if its containers run."""
    wanted = os.environ.get("ZK_BACKEND", "").lower()
    if wanted == "docker":
        return DockerBackend()
    if wanted == "local":
        return LocalBackend()
    return DockerBackend() if docker_ensemble_running() else LocalBackend()


# --- the control API ---------------------------------------------------------

class Ensemble:
    def __init__(self, backend=None):
        self.backend = backend or choose_backend()
        self.servers = topology.SERVERS

    # where the servers are
    @property
    def hosts(self) -> str:
        """The connection string for a client of the whole ensemble."""
        return topology.connection_string()

    def address(self, i: int) -> str:
        return self.servers[i - 1].address

    # asking the servers
    def fourlw(self, i: int, word: str, timeout: float = 2.0) -> str:
        """Send a four-letter word to server i and return its answer."""
        return fourlw.ask(self.address(i), word, timeout=timeout)

    def mode(self, i: int) -> str:
        """'leader', 'follower', 'not serving', 'down' or 'paused' for server i."""
        if self.backend.paused(i):
            return "paused"
        return launcher.mode(self.servers[i - 1])

    def modes(self) -> dict[int, str]:
        return {s.id: self.mode(s.id) for s in self.servers}

    def leader(self) -> int | None:
        """The id of the server that is the ZAB leader now, or None."""
        for i, m in self.modes().items():
            if m == "leader":
                return i
        return None

    def followers(self) -> list[int]:
        return [i for i, m in self.modes().items() if m == "follower"]

    def serving(self) -> list[int]:
        return [i for i, m in self.modes().items() if m in SERVING_MODES]

    def has_quorum(self) -> bool:
        return launcher.has_quorum(self.modes())

    def mntr(self, i: int) -> dict[str, str]:
        return fourlw.parse_mntr(self.fourlw(i, "mntr"))

    # faults: each one a real thing done to a real process
    def kill(self, i: int) -> None:
        """SIGKILL server i: no goodbye to its clients or peers."""
        self.backend.kill(i)

    def stop(self, i: int) -> None:
        """Stop server i cleanly (SIGTERM) and wait until it is gone."""
        self.backend.stop(i)

    def start(self, i: int) -> None:
        """Start server i again (it rejoins the quorum on its own)."""
        self.backend.start(i)

    def pause(self, i: int) -> None:
        """Freeze server i (SIGSTOP): its sockets stay open but nothing answers."""
        self.backend.pause(i)

    def resume(self, i: int) -> None:
        """Thaw a paused server i (SIGCONT)."""
        self.backend.resume(i)

    def server_of(self, session_id: int) -> int | None:
        """The server whose connection carries this session now (from ``cons``)."""
        for i in self.serving():
            try:
                if session_id in fourlw.parse_cons(self.fourlw(i, "cons")):
                    return i
            except OSError:
                continue
        return None

    def expire_session(self, client: KazooClient, timeout: float = 10.0) -> None:
        """Expire ``client``'s session on the server, for real.

        A second connection presents the same session id and password, which
        moves the session to it, and then closes the session. The server
        deletes the session's ephemeral nodes and tells watchers; the original
        client learns of it when it reconnects (state LOST). If the original
        client wins the session back before the close lands, try again.
        """
        if client.client_id is None:
            raise EnsembleError("that client has no session (is it started and connected?)")
        session_id, password = client.client_id
        lost = threading.Event()

        def listener(state):
            if state == KazooState.LOST:
                lost.set()
            return False

        client.add_listener(listener)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                intruder = KazooClient(hosts=self.hosts, client_id=(session_id, password),
                                       timeout=client._session_timeout / 1000.0,
                                       connection_retry={"max_tries": 3},
                                       command_retry={"max_tries": 0})
                try:
                    intruder.start(timeout=max(0.5, deadline - time.monotonic()))
                    intruder.stop()
                except Exception:
                    pass
                finally:
                    intruder.close()
                if lost.wait(timeout=min(3.0, max(0.0, deadline - time.monotonic()))):
                    return
                current = client.client_id
                if current is not None and current[0] != session_id:
                    return            # a new session already replaced the old one
            raise EnsembleError(f"session 0x{session_id:x} did not expire within {timeout:.0f} s")
        finally:
            client.remove_listener(listener)

    # watches as the servers see them (each server knows its own clients' watches)
    def watches_by_path(self) -> dict[str, set[int]]:
        """{znode path: {session ids watching it}}, merged over every serving server."""
        merged: dict[str, set[int]] = {}
        for i in self.serving():
            for path, sids in fourlw.parse_wchp(self.fourlw(i, "wchp")).items():
                merged.setdefault(path, set()).update(sids)
        return merged

    def watches_by_session(self) -> dict[int, set[str]]:
        """{session id: {paths it watches}}, merged over every serving server."""
        merged: dict[int, set[str]] = {}
        for i in self.serving():
            for sid, paths in fourlw.parse_wchc(self.fourlw(i, "wchc")).items():
                merged.setdefault(sid, set()).update(paths)
        return merged

    # getting back to health
    def wait_for_quorum(self, timeout: float = 20.0) -> None:
        """Return once a leader and at least one follower serve; raise after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.has_quorum():
                return
            time.sleep(0.05)
        raise EnsembleError(self.describe_trouble(f"no quorum within {timeout:.0f} s"))

    def all_in_sync(self) -> bool:
        """Every server serves, one leads, and the leader counts every follower as synced.

        Modes alone can lie for a moment: a server thawed after a pause answers
        with its old mode until it notices that its peers moved on without it.
        The leader's count of synced followers already knows.
        """
        modes = self.modes()
        if not launcher.all_serve(modes):
            return False
        leader = next(i for i, m in modes.items() if m == "leader")
        try:
            synced = self.mntr(leader).get("zk_synced_followers")
        except OSError:
            return False
        return synced == str(len(self.servers) - 1)

    def wait_all_serving(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.all_in_sync():
                return
            time.sleep(0.05)
        raise EnsembleError(self.describe_trouble(f"not all servers serve after {timeout:.0f} s"))

    def heal(self, timeout: float = 30.0) -> None:
        """Resume paused servers, start stopped ones, wait until all three serve."""
        for s in self.servers:
            if self.backend.paused(s.id):
                self.backend.resume(s.id)
            elif not self.backend.running(s.id):
                self.backend.start(s.id)
        self.wait_all_serving(timeout)

    def describe_trouble(self, what: str) -> str:
        modes = ", ".join(f"zoo{i} {m}" for i, m in self.modes().items())
        logs = "; ".join(self.backend.log_hint(s.id) for s in self.servers)
        return f"{what} ({modes}); server logs: {logs}"

    def client(self, chroot: str = "", timeout: float = 2.0, **kwargs) -> KazooClient:
        """A new, not yet started, kazoo client of the whole ensemble."""
        return KazooClient(hosts=self.hosts + chroot, timeout=timeout, **kwargs)


def bring_up() -> str:
    """`make up`: Docker when an engine answers (or ZK_BACKEND=docker), else local JVMs."""
    wanted = os.environ.get("ZK_BACKEND", "").lower()
    if wanted == "docker" or (wanted != "local" and docker_engine_answers()):
        backend = DockerBackend()
    else:
        backend = LocalBackend()
        launcher.ensure_installed()
    backend.up()
    ens = Ensemble(backend)
    ens.wait_for_quorum(timeout=30)
    return backend.name


if __name__ == "__main__":
    import sys
    if sys.argv[1:] not in (["up"], ["down"]):
        sys.exit("usage: python -m harness.ensemble up|down")
    if sys.argv[1] == "down":
        if docker_ensemble_running():
            DockerBackend()._compose("down")
        launcher.down()
        sys.exit(print("ensemble down"))
    try:
        name = bring_up()
    except (EnsembleError, launcher.LauncherError) as e:
        sys.exit(f"error: {e}")
    print(f"ensemble up ({name} backend): {topology.connection_string()}")
    print("\n".join(launcher.status_lines()))
