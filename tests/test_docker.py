"""The Docker Compose ensemble, for real, through the Docker SDK.

A private Compose project (``zkw-test-docker``) on a port offset (client ports
17181-17183), so it never meets the workshop's own ensemble on 2181-2183,
whichever backend runs that one. Skipped, with the reason, when no Docker
engine answers; the error-message tests that need no engine always run.
"""
import os
import socket
import subprocess
import sys
import threading

import pytest
from kazoo.client import KazooClient, KazooState
from kazoo.retry import KazooRetry

from harness import settings
from harness.ensemble import RECONNECT, Ensemble, EnsembleError, image, topology
from harness.ensemble.docker import DockerBackend, docker_ensemble_running
from harness.ensemble.local import LocalBackend
from harness.ensemble.startup import choose
from harness.manifest import REPO
from harness.waits import wait_until

OFFSET = 15000                       # client ports 17181-17183; all below the ephemeral range
PROJECT = "zkw-test-docker"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def engine_or_skip():
    if not image.engine_answers():
        pytest.skip(f"no Docker engine answers at {image.engine_address()} "
                    "(start one: as root `dockerd &`; CI starts its own)")


@pytest.fixture(scope="module")
def docker_ensemble():
    engine_or_skip()
    client = image.connect(timeout=600)
    try:                              # the image, never pulled here: present, or built from Debian
        image.ensure(client, pull=False)
    except image.ImageError as e:
        pytest.skip(f"no ZooKeeper image for the Docker ensemble: {e}")
    backend = DockerBackend(project=PROJECT, offset=OFFSET)
    ens = Ensemble(backend)
    try:
        backend.up()
        ens.wait_all_serving(timeout=90)
        yield ens
    finally:
        backend.down()
    assert backend.containers() == [], "down must leave no container"
    assert client.networks.list(filters=backend._filters()) == [], "down must leave no network"


@pytest.fixture
def clients(docker_ensemble):
    made = []

    def make(n=None, timeout=2.0, **kwargs):
        batch = []
        for _ in range(n or 1):
            zk = KazooClient(hosts=docker_ensemble.hosts, timeout=timeout, **kwargs)
            zk.start(timeout=15)
            made.append(zk)
            batch.append(zk)
        return batch if n else batch[0]

    yield make
    for zk in made:
        zk.stop()
        zk.close()


@pytest.fixture(autouse=True)
def healed(request):
    yield
    if "docker_ensemble" in request.fixturenames:
        request.getfixturevalue("docker_ensemble").heal(timeout=60)


def test_three_containers_found_by_their_compose_labels_one_leader(docker_ensemble):
    backend = docker_ensemble.backend
    services = sorted(c.labels["com.docker.compose.service"] for c in backend.containers())
    assert services == ["zoo1", "zoo2", "zoo3"]
    assert sorted(docker_ensemble.modes().values()) == ["follower", "follower", "leader"]
    assert docker_ensemble.hosts == "127.0.0.1:17181,127.0.0.1:17182,127.0.0.1:17183"
    tags = backend.container(1).image.tags
    assert backend.image in tags, (backend.image, tags)
    # `make up`'s rule: only THIS project's containers make the harness pick Docker
    assert docker_ensemble_running(project=PROJECT)
    assert not docker_ensemble_running(project="zkw-test-no-such-project")


def test_kill_one_the_quorum_serves_then_it_rejoins(docker_ensemble, clients):
    zk = clients()
    victim = docker_ensemble.leader()
    docker_ensemble.kill(victim)
    assert docker_ensemble.mode(victim) == "down"
    assert docker_ensemble.backend.container(victim).status == "exited"
    docker_ensemble.wait_for_quorum(timeout=20)
    KazooRetry(max_tries=-1, deadline=15)(zk.create, "/after-kill", b"ok")
    assert zk.get("/after-kill")[0] == b"ok"
    docker_ensemble.start(victim)
    docker_ensemble.wait_all_serving()


def address(ens, i):
    networks = ens.backend.container(i).attrs["NetworkSettings"]["Networks"]
    return next(iter(networks.values()))["IPAddress"]


def test_kill_two_writes_stop_then_start_them_restores(docker_ensemble, clients):
    zk = clients(timeout=4.0)
    seen = []
    zk.add_listener(seen.append)
    survivor = docker_ensemble.server_of(zk.client_id[0])
    others = [i for i in (1, 2, 3) if i != survivor]
    for i in others:
        docker_ensemble.kill(i)
    assert wait_until(lambda: KazooState.SUSPENDED in seen, 10), "the client never saw SUSPENDED"
    pending = zk.create_async("/no-quorum", b"")
    with pytest.raises(Exception):            # no quorum: the write cannot complete
        pending.get(timeout=3)
    assert not docker_ensemble.has_quorum()
    for i in reversed(others):        # in the other order: each must get its own address back
        docker_ensemble.start(i)
    subnet = topology.docker_subnet(OFFSET)
    assert [address(docker_ensemble, i) for i in (1, 2, 3)] == [f"{subnet}.{10 + i}" for i in (1, 2, 3)]
    docker_ensemble.wait_all_serving(timeout=15)
    KazooRetry(max_tries=-1, deadline=15)(zk.create, "/quorum-back", b"")
    assert zk.exists("/quorum-back")


def test_pause_and_resume_move_the_session(docker_ensemble, clients):
    zk = clients(timeout=6.0, connection_retry=RECONNECT)
    seen = []
    zk.add_listener(seen.append)
    sid = zk.client_id[0]
    home = docker_ensemble.server_of(sid)
    docker_ensemble.pause(home)
    try:
        assert docker_ensemble.mode(home) == "paused"
        assert docker_ensemble.backend.container(home).status == "paused"
        assert wait_until(lambda: KazooState.SUSPENDED in seen and zk.connected, 20), \
            f"the client did not reconnect after zoo{home} froze (states seen: {seen})"
        assert KazooState.LOST not in seen and zk.client_id[0] == sid, "the session should survive"
        assert wait_until(lambda: docker_ensemble.server_of(sid) not in (None, home), 10)
    finally:
        docker_ensemble.resume(home)
    docker_ensemble.wait_all_serving()
    assert docker_ensemble.mode(home) in ("leader", "follower")


def test_a_real_session_expiry(docker_ensemble, clients):
    doomed, bystander = clients(2)
    doomed.create("/doomed", ephemeral=True)
    bystander.create("/bystander", ephemeral=True)
    lost = threading.Event()
    doomed.add_listener(lambda s: lost.set() if s == KazooState.LOST else None)
    docker_ensemble.expire_session(doomed)
    assert lost.is_set(), "the expired client never saw LOST"
    assert bystander.exists("/doomed") is None, "the server deletes the expired session's node"
    assert bystander.exists("/bystander") is not None


def test_server_logs_come_through_the_sdk(docker_ensemble):
    text = docker_ensemble.logs(1, tail=200)
    assert "zookeeper" in text.lower(), text[-500:]
    assert docker_ensemble.backend.log_hint(1).startswith("docker logs ")


# --- which backend, and why ----------------------------------------------------------

def test_the_backend_choice_is_said_aloud(tmp_path, monkeypatch):
    monkeypatch.delenv("ZK_BACKEND", raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    settings.reload()
    try:
        backend, why = choose(bringing_up=True, log=lambda _: None)
        assert isinstance(backend, LocalBackend)
        assert why.startswith("no Docker engine answers at unix://") and "socket is missing" in why, why
        assert isinstance(choose()[0], LocalBackend), "no engine: the checks use the local JVMs"
        monkeypatch.setenv("ZK_BACKEND", "docker")
        settings.reload()
        backend, why = choose(bringing_up=True, log=lambda _: None)
        assert isinstance(backend, DockerBackend) and why == "ZK_BACKEND=docker"
        assert isinstance(choose()[0], DockerBackend), "forced, whatever runs"
        monkeypatch.setenv("ZK_BACKEND", "kubernetes")
        settings.reload()
        with pytest.raises(EnsembleError, match="ZK_BACKEND=kubernetes is not a backend"):
            choose()
    finally:
        monkeypatch.undo()
        settings.reload()


# --- one clear sentence for each way it goes wrong ---------------------------------

def up_in_a_child(extra_env, offset=OFFSET + 2000, project="zkw-test-docker-errors"):
    env = dict(os.environ, ZK_BACKEND="docker", ZK_WORKSHOP_PORT_OFFSET=str(offset),
               COMPOSE_PROJECT_NAME=project, **extra_env)
    return subprocess.run([sys.executable, "-m", "harness", "up"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def one_sentence(res):
    assert res.returncode == 1, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def test_engine_down_is_one_sentence(tmp_path, monkeypatch):
    res = up_in_a_child({"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    line = one_sentence(res)
    assert "no Docker engine answers" in line and "ZK_BACKEND=local" in line, line
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    settings.reload()
    try:
        backend = DockerBackend(project="zkw-test-docker-errors", offset=OFFSET + 2000)
        with pytest.raises(EnsembleError, match="no Docker engine answers"):
            backend.kill(1)
    finally:
        monkeypatch.undo()
        settings.reload()


def test_missing_image_is_one_sentence():
    engine_or_skip()
    line = one_sentence(up_in_a_child({"ZK_IMAGE": "zk-workshop/no-such-image:missing"}))
    assert "zk-workshop/no-such-image:missing" in line and "not present" in line, line


def test_container_name_clash_is_one_sentence():
    engine_or_skip()
    client = image.connect()
    name_of_image, _ = image.ensure(client, pull=False)
    name = "zkw-test-docker-errors_zoo2_1"           # Compose v1's name for that service
    squatter = client.containers.create(name_of_image, entrypoint=["sleep", "60"], name=name)
    try:
        line = one_sentence(up_in_a_child({"ZK_IMAGE": name_of_image}))
    finally:
        squatter.remove(force=True)
    assert name in line and "already exists" in line and "docker rm -f" in line, line
    leftover = client.containers.list(all=True, filters={
        "label": "com.docker.compose.project=zkw-test-docker-errors"})
    assert leftover == [], "nothing is started when a name clashes"


def test_port_taken_by_another_program_is_one_sentence():
    engine_or_skip()
    offset = OFFSET + 2000
    port = topology.servers(offset)[1].client_port
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    name_of_image, _ = image.ensure(image.connect(), pull=False)
    try:
        line = one_sentence(up_in_a_child({"ZK_IMAGE": name_of_image}, offset=offset))
    finally:
        squatter.close()
    assert f"port {port}" in line and "not this workshop's ZooKeeper" in line, line
