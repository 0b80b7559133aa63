"""Every setting the environment can change, read in one place and named.

The harness reads no environment variable anywhere else. Each process reads
them once (``current()``); a test that changes one calls ``reload()``. A grader
that starts another process on another ensemble passes ``environment(...)``,
so the child reads the same names. ``test_loop_worker()`` reads the test loop's
own variables (``make test``: which pytest-xdist worker this is).

    ZK_WORKSHOP_ROOT         the workshop's files (labs.toml, checks/, labs/): the
                             checkout this package lives in, or the copy an
                             installed package carries
    ZK_WORKSHOP_STATE        the servers' folders, the fault lock, logs, secrets
                             (default ~/.local/state/zk-workshop)
    ZK_WORKSHOP_PORT_OFFSET  shift every port: a second ensemble beside the usual one
    ZK_WORKSHOP_NAMESPACE    the znode under which each check gets its namespace
    ZK_WORKSHOP_CACHE        the class-data-sharing archive (default ~/.cache/zk-workshop)
    ZK_WORKSHOP_CDS          0: no class-data-sharing archive
    ZK_WORKSHOP_SEED_KEY     the key of the sandbox's seed (default in ~/.local/state)
    ZK_WORKSHOP_QUOTA_LOG    a file each check appends its namespace's peak to (nodes,
                             bytes): how the quotas were sized (docs/sandbox.md)
    ZK_BACKEND               docker | local: which backend, instead of choosing
    ZK_IMAGE                 the Docker image of the servers (default: official, or our own)
    ZK_IMAGE_SUITE           the Debian suite our own image is built from (bookworm)
    ZK_IMAGE_MIRROR          the Debian mirror for it (default: the one apt uses)
    ZOOKEEPER_HOME           an unpacked Apache ZooKeeper release (else Debian's package)
    COMPOSE_PROJECT_NAME     the Compose project (default: one per port offset)
    DOCKER_HOST              the Docker engine (default unix:///var/run/docker.sock)
    XDG_CACHE_HOME           where ZK_WORKSHOP_CACHE defaults to (~/.cache)
    ZK_TEST_LOOP, ZK_TEST_RUN, ZK_TEST_WORKERS, PYTEST_XDIST_WORKER
                             set by `python -m harness test` and pytest-xdist: which
                             worker of which run this is (its ensemble, its side offsets)
    ZK_TEST_WORKER_ENSEMBLE  set once a worker points at its ensemble: the processes
                             it starts keep the ensemble they were given
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# Port offsets, one use each. Every port an offset derives must stay below Linux's
# ephemeral range (topology.servers refuses others), and no port of one ensemble may
# be a port of another: steps of 2000 never make a client port of one the peer or
# election port of another (those lie 707 and 1707 apart).
WORKSHOP_OFFSET = 0            # the workshop's own ensemble
DEV_OFFSET = 10000             # the launcher's tests, a developer's private ensemble
DOCKER_TEST_OFFSET = 15000     # tests/test_docker.py
BENCH_OFFSET = 20000           # the learner-loop figures' private ensemble
UNREACHABLE_OFFSET = 25000     # an ensemble nobody started (a check meets no servers)
RESERVED_OFFSETS = (WORKSHOP_OFFSET, DEV_OFFSET, DOCKER_TEST_OFFSET, BENCH_OFFSET,
                    UNREACHABLE_OFFSET)
SIDE_OFFSETS = (11100, 13100, 17100, 19100, 21100, 23100, 27100)   # class grading
TEST_OFFSETS = (2000, 4000, 8000, 6600, 9600, 12600, 14600)         # the test loop's workers


def _home() -> Path:
    return Path.home()


def _default_root() -> Path:
    """The checkout around this package, else the workshop files an install carries."""
    checkout = PACKAGE.parent
    if (checkout / "labs.toml").exists() and (checkout / "checks").is_dir():
        return checkout
    return PACKAGE / "_workshop"


@dataclass(frozen=True)
class Settings:
    root: Path
    state_dir: Path
    port_offset: int
    namespace: str
    cache_dir: Path
    class_sharing: bool
    seed_key: Path
    backend: str                 # "", "docker" or "local"
    image: str | None
    image_suite: str
    image_mirror: str | None
    zookeeper_home: str | None
    compose_project: str | None
    docker_host: str | None
    side_offsets: tuple         # the offsets this process may start side ensembles on
    quota_log: Path | None = None

    @property
    def docker_socket_may_exist(self) -> bool:
        """Is there any engine address to try (DOCKER_HOST, or the default socket)?"""
        return bool(self.docker_host) or os.path.exists("/var/run/docker.sock")


def read(env: dict | None = None) -> Settings:
    """The settings an environment gives (default: this process's)."""
    env = os.environ if env is None else env
    xdg = Path(env.get("XDG_CACHE_HOME") or _home() / ".cache")
    state = _home() / ".local" / "state" / "zk-workshop"
    return Settings(
        root=Path(env.get("ZK_WORKSHOP_ROOT") or _default_root()),
        state_dir=Path(env.get("ZK_WORKSHOP_STATE") or state),
        port_offset=int(env.get("ZK_WORKSHOP_PORT_OFFSET") or 0),
        namespace=env.get("ZK_WORKSHOP_NAMESPACE") or "/checks",
        cache_dir=Path(env.get("ZK_WORKSHOP_CACHE") or xdg / "zk-workshop"),
        class_sharing=env.get("ZK_WORKSHOP_CDS", "1") != "0",
        seed_key=Path(env.get("ZK_WORKSHOP_SEED_KEY") or state / "seed-key"),
        backend=(env.get("ZK_BACKEND") or "").lower(),
        image=env.get("ZK_IMAGE") or None,
        image_suite=env.get("ZK_IMAGE_SUITE") or "bookworm",
        image_mirror=env.get("ZK_IMAGE_MIRROR") or None,
        zookeeper_home=env.get("ZOOKEEPER_HOME") or None,
        compose_project=env.get("COMPOSE_PROJECT_NAME") or None,
        docker_host=env.get("DOCKER_HOST") or None,
        side_offsets=_side_offsets(env),
        quota_log=Path(env["ZK_WORKSHOP_QUOTA_LOG"]) if env.get("ZK_WORKSHOP_QUOTA_LOG") else None,
    )


def test_loop_worker(env: dict | None = None) -> tuple[int, str] | None:
    """(N, run) in worker gwN of a `python -m harness test` run; None elsewhere."""
    env = os.environ if env is None else env
    worker = env.get("PYTEST_XDIST_WORKER", "")
    if env.get("ZK_TEST_LOOP") != "1" or not worker.startswith("gw") or not worker[2:].isdigit():
        return None
    return int(worker[2:]), env.get("ZK_TEST_RUN", "run")


def _side_offsets(env) -> tuple:
    """SIDE_OFFSETS, or in worker gwN of a test loop of W workers (ZK_TEST_LOOP, the
    test loop's PYTEST_XDIST_WORKER and ZK_TEST_WORKERS) its share: every W-th from N,
    so that two test files grading classes at once never start the same side ensemble."""
    worker = test_loop_worker(env)
    if worker is None:
        return SIDE_OFFSETS
    workers = max(1, int(env.get("ZK_TEST_WORKERS") or 1))
    return SIDE_OFFSETS[worker[0] % workers::workers]


@functools.lru_cache(maxsize=1)
def current() -> Settings:
    """This process's settings, read once."""
    return read()


def reload() -> Settings:
    """Read the environment again (a test that changed it)."""
    current.cache_clear()
    return current()


def environment(offset: int | None = None, state: str | os.PathLike | None = None,
                backend: str | None = None, namespace: str | None = None,
                base: dict | None = None) -> dict:
    """An environment for a child process: this one's, with these settings changed."""
    env = dict(os.environ if base is None else base)
    changes = {"ZK_WORKSHOP_PORT_OFFSET": offset, "ZK_WORKSHOP_STATE": state,
               "ZK_BACKEND": backend, "ZK_WORKSHOP_NAMESPACE": namespace}
    env.update({k: str(v) for k, v in changes.items() if v is not None})
    return env


def side_ensemble(offset: int, state: str | os.PathLike) -> dict:
    """The variables that point a process at the local ensemble on ``offset``."""
    return {"ZK_WORKSHOP_PORT_OFFSET": str(offset), "ZK_WORKSHOP_STATE": str(state),
            "ZK_BACKEND": "local"}
