"""Bringing the ensemble up (with the backend ``choice.choose`` picks, said aloud),
taking it down, and saying how it stands: ``make up``, ``make down``, ``make status``.
"""
from __future__ import annotations

import time

from harness import settings
from harness.ensemble import image, local
from harness.ensemble.base import EnsembleError
from harness.ensemble.choice import choose
from harness.ensemble.control import Ensemble
from harness.ensemble.docker import DockerBackend, compose_command
from harness.ensemble.install import ensure_installed


def bring_up(log=print) -> Ensemble:
    """`make up`: choose a backend (saying which and why), start it, wait for all three."""
    backend, why = choose(bringing_up=True, log=log)
    label = "Docker Compose" if backend.name == "docker" else "local Java processes"
    log(f"backend: {backend.name} ({label}) because {why}")
    if backend.name == "local":
        log(f"ZooKeeper: {ensure_installed()}")
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
    if settings.current().docker_socket_may_exist:
        backend = DockerBackend()
        try:
            backend._client = image.connect(timeout=5)
            if backend.containers():           # running or not: all of this project's go
                backend.down()
                log(f"removed the Compose project '{backend.project}' (containers and network)")
        except (EnsembleError, image.ImageError) as e:
            if settings.current().backend == "docker":
                log(f"note: {e}")
    local.down()
    log("ensemble down")


def status(log=print) -> bool:
    """`make status`: the backend and each server's role; True if there is a quorum."""
    ens = Ensemble()
    log(f"backend: {ens.backend.name}")
    log("\n".join(ens.status_lines()))
    return ens.has_quorum()
