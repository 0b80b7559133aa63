"""The ensemble on Docker Compose: the containers of this project's three services.

``docker compose up -d`` (or Compose v1's ``docker-compose up -d``) brings them up
from the committed docker-compose.yml (or a copy generated for a port offset);
the backend finds them through the Docker SDK by their Compose labels and kills,
stops, starts, pauses, unpauses and reads their logs through the engine's API.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from harness import settings
from harness.ensemble import image, local, topology
from harness.ensemble.base import EnsembleError
from harness.ensemble.processes import port_in_use

REPO = settings.current().root


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
                self._client = image.connect(timeout=30)
            except image.ImageError as e:
                raise EnsembleError(str(e)) from None
        return self._client

    @contextlib.contextmanager
    def _api(self, what: str):
        """Turn the SDK's errors into one sentence a learner can act on."""
        try:
            import requests

            import docker
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
            raise EnsembleError(image.engine_down_message(image.short_reason(e))) from None

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
        m = local.mode(server)
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
        path = local.state_dir() / f"docker-compose.{self.project}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(topology.compose_yaml(self.offset))
        return path

    def compose(self, *args: str, timeout: float = 300, env: dict | None = None):
        """Run `docker compose` (v2) or `docker-compose` (v1) on this project's file."""
        cmd = [*compose_command(), "-p", self.project, "-f", str(self.compose_file()), *args]
        full_env = {**os.environ, "COMPOSE_PROJECT_NAME": self.project, **(env or {})}
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
        while port_in_use(port):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        else:
            return
        if local.read_pid(server):
            raise EnsembleError(
                f"port {port} (needed by {server.name}) is held by the local ensemble's {server.name} "
                f"(a local Java process of the workshop): stop it with `make down` (or `python -m "
                f"harness down`) to use Docker, or keep the local ensemble with ZK_BACKEND=local")
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
            self.image, self.image_why = image.ensure(self.client, log=_say)
        except image.ImageError as e:
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
    if not settings.current().docker_socket_may_exist:
        return False
    try:
        backend = DockerBackend(project=project)
        backend._client = image.connect(timeout=3)
        found = backend.containers()
    except Exception:
        return False
    if any(c.status in ("running", "paused", "restarting") for c in found):
        return True
    return bool(found) and not any(local.read_pid(s) for s in topology.SERVERS)
