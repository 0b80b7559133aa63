"""The one start-up policy: which backend runs the ensemble, and why.

``choose()`` is the only chooser. ZK_BACKEND=docker|local decides. Otherwise
the Docker backend when this project's containers exist; for an ensemble that
does not exist yet (``bringing_up``), also when an engine answers, Compose is
installed, no local ensemble runs already, and the image is here or can be
built (or pulled); the local JVMs in every other case. It always says why.
"""
from __future__ import annotations

from harness import settings
from harness.ensemble import image, local, topology
from harness.ensemble.base import EnsembleError
from harness.ensemble.docker import DockerBackend, compose_command, docker_ensemble_running
from harness.ensemble.local import LocalBackend


def choose(bringing_up: bool = False, log=print):
    """(backend, why): the backend that runs (or, ``bringing_up``, should run) the ensemble."""
    wanted = settings.current().backend
    if wanted == "docker":
        return DockerBackend(), "ZK_BACKEND=docker"
    if wanted == "local":
        return LocalBackend(), "ZK_BACKEND=local"
    if wanted:
        raise EnsembleError(f"ZK_BACKEND={wanted} is not a backend: use ZK_BACKEND=docker or local")
    project = topology.compose_project()
    if docker_ensemble_running():
        return DockerBackend(), f"the Compose project '{project}' has containers here"
    if not bringing_up:
        return LocalBackend(), f"the Compose project '{project}' has no containers here"
    return _for_a_new_ensemble(log)


def _for_a_new_ensemble(log):
    try:
        client = image.connect(timeout=5)
    except image.EngineUnavailable as e:
        return LocalBackend(), str(e).split(": start it", 1)[0]
    except image.ImageError as e:
        return LocalBackend(), str(e)
    if any(local.read_pid(s) for s in topology.SERVERS):
        return LocalBackend(), ("a Docker engine answers, but the local ensemble already runs "
                                "(`make down`, then `make up`, to switch to Docker)")
    if not compose_command(required=False):
        return LocalBackend(), ("a Docker engine answers, but neither `docker compose` nor "
                                "`docker-compose` is installed")
    name, why = image.describe(client)
    if name:
        return DockerBackend(), f"a Docker engine answers and {why}"
    forced = settings.current().image
    if forced:                                  # up() says in one sentence what is missing
        return DockerBackend(), f"a Docker engine answers and ZK_IMAGE={forced} is set"
    blocker = image.build_blocker()
    if not blocker:
        return DockerBackend(), (f"a Docker engine answers; {why}, so the workshop's own image "
                                 f"will be built from Debian's packages (once, about a minute)")
    try:
        log(f"pulling {image.OFFICIAL_IMAGE} ...")
        repo, tag = image.OFFICIAL_IMAGE.split(":")
        client.images.pull(repo, tag=tag)
        return DockerBackend(), f"a Docker engine answers and {image.OFFICIAL_IMAGE} was pulled"
    except Exception as e:
        return LocalBackend(), (f"a Docker engine answers, but {why}, {image.OFFICIAL_IMAGE} "
                                f"cannot be pulled ({image.short_reason(e)}) and the workshop's "
                                f"own image cannot be built here: {blocker}")
