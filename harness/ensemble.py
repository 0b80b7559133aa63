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

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from kazoo.client import KazooClient, KazooState

from . import dockerimage, fourlw, launcher, topology

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

    def mode(self, server: topology.Server) -> str:
        return launcher.mode(server)

    def up(self):
        launcher.up()

    def down(self):
        launcher.down()

    def logs(self, i: int, tail: int = 50) -> str:
        try:
            lines = launcher.log_path(self._server(i)).read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:]) + ("\n" if lines else "")

    def log_hint(self, i) -> str:
        return str(launcher.log_path(self._server(i)))

    def revivable(self, i) -> bool:
        """Down because its database could not be loaded (start() deletes it first)."""
        return not self.running(i) and launcher.database_broken(self._server(i))


PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


class DockerBackend:
    """Servers are the containers of this project's Compose services.

    ``docker compose up -d`` (or ``docker-compose up -d``) brings them up; the
    backend finds them through the Docker SDK by their Compose labels
    (``com.docker.compose.project`` = the project, ``com.docker.compose.service`` =
    ``zooN``), whichever Compose generation created them, and kills, stops,
    starts, pauses, unpauses and reads their logs through the engine's API.
    """
    name = "docker"

    def __init__(self, project: str | None = None, offset: int | None = None):
        self.offset = topology.PORT_OFFSET if offset is None else offset
        self.project = project or topology.compose_project(self.offset)
        self.servers = topology.servers(self.offset)
        self._client = None
        self._ids: dict[int, str] = {}
        self.image: str | None = None         # what `up` ran, and why
        self.image_why = ""

    # the engine and the containers
    @property
    def client(self):
        if self._client is None:
            try:
                self._client = dockerimage.connect(timeout=30)
            except dockerimage.ImageError as e:
                raise EnsembleError(str(e)) from None
        return self._client

    @contextlib.contextmanager
    def _api(self, what: str):
        """Turn the SDK's errors into one sentence a learner can act on."""
        try:
            import docker
            import requests
        except ImportError:
            raise EnsembleError("the Python package `docker` is not installed in this environment: "
                                "run `pip install -r requirements.txt` (or `make install`)") from None
        try:
            yield
        except EnsembleError:
            raise
        except docker.errors.NotFound:
            self._ids.clear()
            raise EnsembleError(f"cannot {what}: its container is gone; bring the ensemble up "
                                f"again (`make up`)") from None
        except docker.errors.APIError as e:
            raise EnsembleError(f"cannot {what}: {_api_sentence(e)}") from None
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as e:
            self._client = None
            raise EnsembleError(dockerimage.engine_down_message(dockerimage._short(e))) from None

    def _filters(self, service: str | None = None) -> dict:
        labels = [f"{PROJECT_LABEL}={self.project}"]
        if service:
            labels.append(f"{SERVICE_LABEL}={service}")
        return {"label": labels}

    def containers(self) -> list:
        """Every container of this Compose project, running or not."""
        with self._api("list the project's containers"):
            return self.client.containers.list(all=True, filters=self._filters())

    def container(self, i: int, required: bool = True):
        """Server i's container (found by its Compose labels), fresh from the engine."""
        import docker
        with self._api(f"find zoo{i}'s container"):
            cid = self._ids.get(i)
            if cid:
                try:
                    return self.client.containers.get(cid)
                except docker.errors.NotFound:
                    del self._ids[i]
            found = self.client.containers.list(all=True, filters=self._filters(f"zoo{i}"))
        if not found:
            if required:
                raise EnsembleError(
                    f"zoo{i} has no container in the Compose project '{self.project}': bring the "
                    f"Docker ensemble up (`make up`, or `docker compose up -d` in {REPO})")
            return None
        found.sort(key=lambda c: c.status not in ("running", "paused"))
        self._ids[i] = found[0].id
        return found[0]

    def _status(self, i: int) -> str:
        c = self.container(i, required=False)
        return c.status if c is not None else "absent"

    def _wait_status(self, i: int, ok, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        status = self._status(i)
        while not ok(status) and time.monotonic() < deadline:
            time.sleep(0.02)
            status = self._status(i)
        return status

    def _wait_port_closed(self, i: int, timeout: float = 5.0) -> None:
        """A stopped container's published port goes away with its proxy: wait for that."""
        address = (topology.HOST, self.servers[i - 1].client_port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(address, timeout=0.2):
                    pass
            except OSError:
                return
            time.sleep(0.02)

    # faults
    def kill(self, i):
        """SIGKILL the server (docker kill), and wait until its container has exited."""
        c = self.container(i)
        with self._api(f"kill zoo{i}"):
            if c.status == "paused":          # the engine refuses to kill a paused container
                c.unpause()
            if c.status in ("running", "paused"):
                c.kill()
        self._wait_status(i, lambda st: st not in ("running", "paused", "restarting"))
        self._wait_port_closed(i)

    def stop(self, i):
        """SIGTERM, then SIGKILL after 10 s (docker stop); wait until it has exited."""
        c = self.container(i)
        with self._api(f"stop zoo{i}"):
            if c.status == "paused":
                c.unpause()
            c.stop(timeout=10)
        self._wait_status(i, lambda st: st not in ("running", "paused", "restarting"))
        self._wait_port_closed(i)

    def start(self, i):
        c = self.container(i)
        with self._api(f"start zoo{i}"):
            if c.status == "paused":
                c.unpause()
            elif c.status != "running":
                self._check_port(self.servers[i - 1], running=set())
                c.start()
        self._wait_status(i, lambda st: st == "running")

    def pause(self, i):
        """Freeze every process of the container (docker pause: the cgroup freezer)."""
        c = self.container(i)
        with self._api(f"pause zoo{i}"):
            if c.status != "paused":
                c.pause()
        self._wait_status(i, lambda st: st == "paused")

    def resume(self, i):
        c = self.container(i, required=False)
        if c is None or c.status != "paused":
            return
        with self._api(f"unpause zoo{i}"):
            c.unpause()
        self._wait_status(i, lambda st: st != "paused")

    def running(self, i) -> bool:
        return self._status(i) in ("running", "paused")

    def paused(self, i) -> bool:
        return self._status(i) == "paused"

    def mode(self, server: topology.Server) -> str:
        m = launcher.mode(server)
        # Docker's port proxy accepts a connection even while the server inside is
        # still starting, then closes it unanswered: that is a server not up yet.
        if m == "foreign" and self.running(server.id):
            return "down"
        return m

    def logs(self, i: int, tail: int = 50) -> str:
        c = self.container(i, required=False)
        if c is None:
            return ""
        with self._api(f"read zoo{i}'s log"):
            return c.logs(tail=tail).decode(errors="replace")

    def log_hint(self, i) -> str:
        try:
            c = self.container(i, required=False)
        except EnsembleError:
            c = None
        return f"docker logs {c.name}" if c is not None else f"docker compose logs zoo{i}"

    # bringing the ensemble up and down
    def compose_file(self) -> Path:
        """docker-compose.yml, or a generated copy for a private ensemble on a port offset."""
        if self.offset == 0:
            return REPO / "docker-compose.yml"
        path = launcher.state_dir() / f"docker-compose.{self.project}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(topology.compose_yaml(self.offset))
        return path

    def compose(self, *args: str, timeout: float = 300, env: dict | None = None):
        """Run `docker compose` (v2) or `docker-compose` (v1) on this project's file."""
        cmd = [*compose_command(), "-p", self.project, "-f", str(self.compose_file()), *args]
        full_env = dict(os.environ, COMPOSE_PROJECT_NAME=self.project, **(env or {}))
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env=full_env, cwd=REPO, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise EnsembleError(f"`{' '.join(cmd)}` did not finish within {timeout:.0f} s") from None

    def _check_names(self) -> None:
        """A container that has our name but not our project makes Compose fail: say so."""
        import docker
        for s in self.servers:
            for name in (f"{self.project}_{s.name}_1", f"{self.project}-{s.name}-1"):
                with self._api("look for a container name clash"):
                    try:
                        c = self.client.containers.get(name)
                    except docker.errors.NotFound:
                        continue
                owner = (c.labels or {}).get(PROJECT_LABEL)
                if owner != self.project:
                    raise EnsembleError(
                        f"a container named {name} already exists and is not part of the Compose "
                        f"project '{self.project}' ({'project ' + owner if owner else 'made by hand'}): "
                        f"remove it (`docker rm -f {name}`) or choose another project with "
                        f"COMPOSE_PROJECT_NAME")

    def _check_port(self, server: topology.Server, running: set[int]) -> None:
        """Fail with one sentence if the port this server publishes is held by something else."""
        if server.id in running:
            return
        port = server.client_port
        deadline = time.monotonic() + 2.0      # a container killed a moment ago: its proxy is closing
        while launcher.port_in_use(port):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        else:
            return
        if launcher.read_pid(server):
            raise EnsembleError(
                f"port {port} (needed by {server.name}) is held by the local ensemble's {server.name} "
                f"(a Java process of harness.launcher): stop it with `make down` (or `python -m "
                f"harness.launcher down`) to use Docker, or keep the local ensemble with ZK_BACKEND=local")
        with self._api("look for the port's owner"):
            for c in self.client.containers.list():
                for bindings in (c.attrs.get("HostConfig", {}).get("PortBindings") or {}).values():
                    if any(str(b.get("HostPort")) == str(port) for b in bindings or []):
                        owner = (c.labels or {}).get(PROJECT_LABEL)
                        raise EnsembleError(
                            f"port {port} (needed by {server.name}) is published by the container "
                            f"{c.name}{' of the Compose project ' + owner if owner else ''}: stop it "
                            f"(`docker stop {c.name}`), or run this ensemble on other ports "
                            f"(ZK_WORKSHOP_PORT_OFFSET)")
        raise EnsembleError(
            f"port {port} (needed by {server.name}) is taken by a program that is not this "
            f"workshop's ZooKeeper; stop it (`ss -ltnp 'sport = :{port}'` shows it) and retry")

    def up(self):
        """Create or start the three containers (compose up -d); the caller waits for a quorum."""
        try:
            self.image, self.image_why = dockerimage.ensure(self.client, log=_say)
        except dockerimage.ImageError as e:
            raise EnsembleError(str(e)) from None
        self._check_names()
        running = {i for i in (1, 2, 3) if self._status(i) in ("running", "paused")}
        for s in self.servers:
            self._check_port(s, running)
        for i in running:
            self.resume(i)
        res = self.compose("up", "-d", env={"ZK_IMAGE": self.image})
        if res.returncode != 0:
            raise EnsembleError(_compose_sentence(res.stderr, self))
        self._ids.clear()

    def down(self):
        """Remove the project's containers and network (compose down -v, then a sweep by label)."""
        if compose_command(required=False):
            self.compose("down", "-v", "--remove-orphans", timeout=120)
        with self._api("remove the project's containers"):
            for c in self.client.containers.list(all=True, filters=self._filters()):
                c.remove(force=True, v=True)
            for n in self.client.networks.list(filters=self._filters()):
                n.remove()
        self._ids.clear()


def _say(message: str) -> None:
    print(message, flush=True)


def _api_sentence(e) -> str:
    text = (getattr(e, "explanation", None) or str(e)).strip()
    if "address already in use" in text or "port is already allocated" in text:
        m = re.search(r"(\d+\.\d+\.\d+\.\d+):(\d+)", text)
        port = m.group(2) if m else "its port"
        return (f"port {port} is taken by another program (`ss -ltnp 'sport = :{port}'` shows "
                f"it); stop it and retry")
    return text.splitlines()[0][:300]


def _compose_sentence(stderr: str, backend: DockerBackend) -> str:
    """One sentence from Compose's error output."""
    text = stderr.strip()
    m = re.search(r'container name "/?([^"]+)" is already in use', text)
    if m:
        return (f"a container named {m.group(1)} already exists and is not this project's: remove "
                f"it (`docker rm -f {m.group(1)}`) or choose another project with COMPOSE_PROJECT_NAME")
    m = re.search(r"(\d+\.\d+\.\d+\.\d+):(\d+).*(address already in use|port is already allocated)", text) \
        or re.search(r"(address already in use|port is already allocated)", text)
    if m:
        port = m.group(2) if m.lastindex and m.lastindex >= 2 else "a client port"
        return (f"port {port} is taken by another program, so Compose could not publish it "
                f"(`ss -ltnp 'sport = :{port}'` shows who holds it); stop it and retry")
    if re.search(r"[Pp]ool overlaps", text):
        subnet = topology.docker_subnet(backend.offset) + ".0/24"
        return (f"the Compose network's subnet {subnet} overlaps a network that exists here "
                f"(`docker network ls`, `ip route`): remove that network, or run this ensemble on "
                f"another port offset (ZK_WORKSHOP_PORT_OFFSET, one subnet per offset)")
    if re.search(r"pull access denied|manifest unknown|not found: manifest|No such image", text):
        return (f"the image {backend.image} is not present and cannot be pulled: build the "
                f"workshop's own with `make docker-image` and retry")
    last = [line for line in text.splitlines() if line.strip()][-1:] or ["(no message)"]
    return f"`{' '.join(compose_command())} up -d` failed: {last[0].strip()[:300]}"


def compose_command(required: bool = True) -> list[str]:
    """`docker compose` (the v2 plugin) if it answers, else `docker-compose` (v1)."""
    global _COMPOSE
    if _COMPOSE is None:
        _COMPOSE = []
        if shutil.which("docker"):
            try:
                ok = subprocess.run(["docker", "compose", "version"], capture_output=True,
                                    timeout=20).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if ok:
                _COMPOSE = ["docker", "compose"]
        if not _COMPOSE and shutil.which("docker-compose"):
            _COMPOSE = ["docker-compose"]
    if not _COMPOSE and required:
        raise EnsembleError("neither `docker compose` (the Compose plugin) nor `docker-compose` is "
                            "installed: install one (Debian: `apt-get install docker-compose`), or "
                            "use the local ensemble with ZK_BACKEND=local")
    return _COMPOSE


_COMPOSE: list[str] | None = None


def docker_ensemble_running(project: str | None = None) -> bool:
    """Does THIS project's Docker ensemble exist (found by its Compose project label)?

    True when one of its containers runs (or is paused), or when its containers
    exist, all stopped, and no local server of the launcher runs. Other Compose
    projects' containers never count. False, quickly, when no engine answers.
    """
    if not os.environ.get("DOCKER_HOST") and not os.path.exists("/var/run/docker.sock"):
        return False
    try:
        backend = DockerBackend(project=project)
        backend._client = dockerimage.connect(timeout=3)
        found = backend.containers()
    except Exception:
        return False
    if any(c.status in ("running", "paused", "restarting") for c in found):
        return True
    return bool(found) and not any(launcher.read_pid(s) for s in topology.SERVERS)


def docker_engine_answers() -> bool:
    return dockerimage.engine_answers()


def choose_backend():
    """ZK_BACKEND=local|docker decides; otherwise Docker only if THIS project's containers exist."""
    wanted = os.environ.get("ZK_BACKEND", "").lower()
    if wanted == "docker":
        return DockerBackend()
    if wanted == "local":
        return LocalBackend()
    if wanted:
        raise EnsembleError(f"ZK_BACKEND={wanted} is not a backend: use ZK_BACKEND=docker or local")
    return DockerBackend() if docker_ensemble_running() else LocalBackend()


# --- the control API ---------------------------------------------------------

class Ensemble:
    def __init__(self, backend=None):
        self.backend = backend or choose_backend()
        # a backend may run a private ensemble on other ports (a Docker project on an offset)
        self.servers = getattr(self.backend, "servers", topology.SERVERS)

    # where the servers are
    @property
    def hosts(self) -> str:
        """The connection string for a client of the whole ensemble."""
        return ",".join(s.address for s in self.servers)

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
        return self.backend.mode(self.servers[i - 1])

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
        held = client.client_id          # read once: the client may drop its session meanwhile
        if held is None:
            raise EnsembleError("that client has no session (is it started and connected?)")
        session_id, password = held
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

    def wait_all_serving(self, timeout: float = 30.0, revive: bool = False) -> None:
        """Wait until every server serves; ``revive``: start again a server that died
        at start because it could not load its database (launcher.database_broken)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.all_in_sync():
                return
            if revive and hasattr(self.backend, "revivable"):
                for s in self.servers:
                    if self.backend.revivable(s.id):
                        self.backend.start(s.id)
            time.sleep(0.05)
        raise EnsembleError(self.describe_trouble(f"not all servers serve after {timeout:.0f} s"))

    def heal(self, timeout: float = 30.0) -> None:
        """Resume paused servers, start stopped ones, wait until all three serve."""
        for s in self.servers:
            if self.backend.paused(s.id):
                self.backend.resume(s.id)
            elif not self.backend.running(s.id):
                self.backend.start(s.id)
        self.wait_all_serving(timeout, revive=True)

    def logs(self, i: int, tail: int = 50) -> str:
        """The last ``tail`` lines of server i's own log (server.log, or `docker logs`)."""
        return self.backend.logs(i, tail)

    def status_lines(self) -> list[str]:
        """One line per server: address, role, and where it runs and logs."""
        lines = []
        for s in self.servers:
            m = self.mode(s.id)
            if isinstance(self.backend, DockerBackend):
                c = self.backend.container(s.id, required=False)
                where = (f"container {c.name} ({c.status})  log: docker logs {c.name}" if c
                         else "no container")
            else:
                pid = launcher.read_pid(s)
                where = f"pid {pid or '-'}  log {launcher.log_path(s)}"
            lines.append(f"{s.name}  {s.address}  {m:<12} {where}")
        return lines

    def describe_trouble(self, what: str) -> str:
        modes = ", ".join(f"zoo{i} {m}" for i, m in self.modes().items())
        logs = "; ".join(self.backend.log_hint(s.id) for s in self.servers)
        return f"{what} ({modes}); server logs: {logs}"

    def client(self, chroot: str = "", timeout: float = 2.0, cls=KazooClient,
               server: int | None = None, **kwargs) -> KazooClient:
        """A new, not yet started, kazoo client (of class ``cls``) of the whole ensemble,
        or of that one ``server``."""
        hosts = self.hosts if server is None else self.address(server)
        return cls(hosts=hosts + chroot, timeout=timeout, **kwargs)


def decide_backend(log=print):
    """`make up`'s choice, said aloud: (backend, why).

    ZK_BACKEND=docker|local decides. Otherwise Docker when this project's
    containers exist, or when an engine answers, Compose is installed, no local
    ensemble runs already, and the image is here or can be built (or pulled);
    local JVMs in every other case, with the reason.
    """
    wanted = os.environ.get("ZK_BACKEND", "").lower()
    if wanted == "docker":
        return DockerBackend(), "ZK_BACKEND=docker"
    if wanted == "local":
        return LocalBackend(), "ZK_BACKEND=local"
    if wanted:
        raise EnsembleError(f"ZK_BACKEND={wanted} is not a backend: use ZK_BACKEND=docker or local")
    project = topology.compose_project()
    if docker_ensemble_running():
        return DockerBackend(), f"the Compose project '{project}' has containers here"
    try:
        client = dockerimage.connect(timeout=5)
    except dockerimage.EngineUnavailable as e:
        return LocalBackend(), str(e).split(": start it", 1)[0]
    except dockerimage.ImageError as e:
        return LocalBackend(), str(e)
    if any(launcher.read_pid(s) for s in topology.SERVERS):
        return LocalBackend(), ("a Docker engine answers, but the local ensemble already runs "
                                "(`make down`, then `make up`, to switch to Docker)")
    if not compose_command(required=False):
        return LocalBackend(), ("a Docker engine answers, but neither `docker compose` nor "
                                "`docker-compose` is installed")
    name, why = dockerimage.describe(client)
    if name:
        return DockerBackend(), f"a Docker engine answers and {why}"
    if os.environ.get("ZK_IMAGE"):                # up() says in one sentence what is missing
        return DockerBackend(), f"a Docker engine answers and ZK_IMAGE={os.environ['ZK_IMAGE']} is set"
    blocker = dockerimage.build_blocker()
    if not blocker:
        return DockerBackend(), (f"a Docker engine answers; {why}, so the workshop's own image "
                                 f"will be built from Debian's packages (once, about a minute)")
    try:
        log(f"pulling {dockerimage.OFFICIAL_IMAGE} ...")
        repo, tag = dockerimage.OFFICIAL_IMAGE.split(":")
        client.images.pull(repo, tag=tag)
        return DockerBackend(), f"a Docker engine answers and {dockerimage.OFFICIAL_IMAGE} was pulled"
    except Exception as e:
        return LocalBackend(), (f"a Docker engine answers, but {why}, {dockerimage.OFFICIAL_IMAGE} "
                                f"cannot be pulled ({dockerimage._short(e)}) and the workshop's "
                                f"own image cannot be built here: {blocker}")


def bring_up(log=print) -> Ensemble:
    """`make up`: choose a backend (saying which and why), start it, wait for all three."""
    backend, why = decide_backend(log)
    label = "Docker Compose" if backend.name == "docker" else "local Java processes"
    log(f"backend: {backend.name} ({label}) because {why}")
    if backend.name == "local":
        log(f"ZooKeeper: {launcher.ensure_installed()}")
    t0 = time.monotonic()
    backend.up()
    if backend.name == "docker":
        log(f"image: {backend.image} ({backend.image_why}); project {backend.project}, "
            f"compose: {' '.join(compose_command())}")
    ens = Ensemble(backend)
    ens.wait_all_serving(timeout=90)
    log(f"ensemble up ({backend.name} backend) in {time.monotonic() - t0:.1f} s: {ens.hosts}")
    return ens


def take_down(log=print) -> None:
    """`make down`: this project's containers (if any) and the local servers (if any)."""
    if os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock"):
        backend = DockerBackend()
        try:
            backend._client = dockerimage.connect(timeout=5)
            if backend.containers():           # running or not: all of this project's go
                backend.down()
                log(f"removed the Compose project '{backend.project}' (containers and network)")
        except (EnsembleError, dockerimage.ImageError) as e:
            if os.environ.get("ZK_BACKEND", "").lower() == "docker":
                log(f"note: {e}")
    launcher.down()
    log("ensemble down")


USAGE = "usage: python -m harness.ensemble up|down|status"

if __name__ == "__main__":
    import sys
    args = sys.argv[1:]
    if args not in (["up"], ["down"], ["status"]):
        sys.exit(USAGE)
    try:
        if args == ["up"]:
            ensemble = bring_up()
        elif args == ["down"]:
            take_down()
            sys.exit(0)
        else:
            ensemble = Ensemble()
            print(f"backend: {ensemble.backend.name}")
        print("\n".join(ensemble.status_lines()))
        if args == ["status"] and not ensemble.has_quorum():
            sys.exit(1)
    except (EnsembleError, launcher.LauncherError, dockerimage.ImageError) as e:
        sys.exit(f"error: {e}")
