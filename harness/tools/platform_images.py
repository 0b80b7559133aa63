"""Gradescope's and PrairieLearn's graders rehearsed in containers, as those platforms run them.

    python -m harness platforms status
    python -m harness platforms build [--rebuild]
    python -m harness platforms gradescope SUBMISSION OUT_DIR [--labs lab1,lab2]
    python -m harness platforms prairielearn SUBMISSION OUT_DIR [--labs lab3]

Both platforms build on Ubuntu 22.04, which cannot be pulled where no registry is
reachable. The rehearsal builds on a stand-in made from Debian's packages instead
(``debootstrap`` + ``docker import``, harness/ensemble/image.py's code and mirror), then:

- **Gradescope** (``zk-workshop/gradescope-autograder:rehearsal``): the zip of
  ``make bundle`` unpacked in ``/autograder/source``, ``setup.sh`` run
  once (apt installs Java and ZooKeeper, pip the Python environment), as
  docs/classroom/gradescope/Dockerfile says. Grading a submission: a container with
  it in ``/autograder/submission`` runs ``/autograder/run_autograder``, which starts
  three ZooKeeper JVMs inside the container; ``OUT_DIR`` receives ``results.json``.
- **PrairieLearn** (``zk-workshop/prairielearn-grader:rehearsal``): the image of
  docs/classroom/prairielearn/Dockerfile. Grading: ``/grade/student`` holds the
  submission, the entrypoint writes ``/grade/results/results.json``, and the
  container has no network (``--network none``), as PrairieLearn runs it.

Builds reach apt's mirror and PyPI through the host's network (``network_mode=host``
for the RUN steps; nothing listens then). The stand-in trusts what the host trusts:
the host's own CA certificates (/usr/local/share/ca-certificates) and /etc/pip.conf are
copied in, so a TLS-inspecting proxy that the host's pip goes through works inside too.
Each image carries a label with a hash of what made it and is rebuilt only when that
changes (the stand-in's packages, a Dockerfile, a file of the grader). A rebuild uses
Docker's layer cache: both Dockerfiles install Java, ZooKeeper and the Python
environment from setup.sh, requirements.txt and pyproject.toml alone, before the
grader's code is copied, so a change to that code redoes only the last, cheap layers
(the label, given at build time, is a last step of its own and spoils no cached
layer). ``build --rebuild`` builds everything again, the stand-in too, without the cache.
"""
from __future__ import annotations

import collections
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from harness.ensemble import image
from harness.ensemble.image import LABEL, ImageError
from harness.grading import autograde, platforms

REPO = platforms.REPO
STANDIN_REPOSITORY = "zk-workshop/platform-base"
# What Gradescope's base image has that the zip's setup.sh or the Dockerfiles rely on:
# python3 with pip, CA certificates, and the tools of Gradescope's own build (curl,
# unzip, dos2unix). apt, bash and coreutils come with minbase.
STANDIN_PACKAGES = ("python3", "python3-pip", "ca-certificates", "curl", "unzip", "dos2unix")
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
HOST_PIP_CONF = Path("/etc/pip.conf")

GRADESCOPE_IMAGE = "zk-workshop/gradescope-autograder:rehearsal"
GRADESCOPE_DOCKERFILE = autograde.GRADESCOPE_DIR / "Dockerfile"
PRAIRIELEARN_IMAGE = "zk-workshop/prairielearn-grader:rehearsal"
PRAIRIELEARN_DIR = REPO / "docs" / "classroom" / "prairielearn"
PRAIRIELEARN_ENTRYPOINT = "/usr/local/bin/zk-workshop-grade"


# --- what makes each image (its label) ----------------------------------------------

def _host_trust() -> list[Path]:
    return sorted(HOST_CA_DIR.rglob("*.crt")) + ([HOST_PIP_CONF] if HOST_PIP_CONF.is_file() else [])


def standin_base() -> str:
    return f"{STANDIN_REPOSITORY}:{image.SUITE}"


def standin_recipe() -> str:
    return image.digest("standin", "minbase", image.SUITE, *STANDIN_PACKAGES,
                               *(f"{p}\0{p.read_text()}" for p in _host_trust()))


def _files_digest(root: Path, files) -> str:
    return image.digest(*(f"{p.relative_to(root)}\0{p.read_bytes().hex()}" for p in sorted(files)))


def gradescope_recipe(source: Path) -> str:
    """``source``: the bundle unpacked."""
    return image.digest(standin_recipe(), GRADESCOPE_DOCKERFILE.read_text(),
                               _files_digest(source, [p for p in source.rglob("*") if p.is_file()]))


def prairielearn_recipe() -> str:
    extra = [PRAIRIELEARN_DIR / "Dockerfile", PRAIRIELEARN_DIR / "run.sh", REPO / ".dockerignore"]
    return image.digest(standin_recipe(), _files_digest(REPO, autograde.grader_files() + extra))


def _current(client, name: str, recipe: str) -> bool:
    img = image.find_image(client, name)
    return img is not None and (img.labels or {}).get(LABEL) == recipe


# --- building -------------------------------------------------------------------------

def _add_host_trust(rootfs: Path) -> dict:
    """The host's own CA certificates and pip settings, into the stand-in's root file system."""
    files = _host_trust()
    for p in files:
        dest = rootfs / p.relative_to("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    if any(p.suffix == ".crt" for p in files):
        res = subprocess.run(["chroot", str(rootfs), "update-ca-certificates"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise ImageError(f"update-ca-certificates in the stand-in failed: {res.stderr.strip()[-300:]}")
    return {}


def build_standin(client, rebuild: bool = False, log=print) -> str:
    recipe = standin_recipe()
    if not rebuild and _current(client, standin_base(), recipe):
        return standin_base()
    old = image.find_image(client, standin_base())
    image.build_rootfs_image(client, STANDIN_REPOSITORY, image.SUITE, STANDIN_PACKAGES,
                                   {LABEL: recipe}, prepare=_add_host_trust, log=log)
    _drop_replaced(client, old, standin_base())
    return standin_base()


def _drop_replaced(client, old, name: str) -> None:
    if old is not None and old.id != image.find_image(client, name).id:
        with contextlib.suppress(Exception):
            client.images.remove(old.id)


def _docker_build(client, context: Path, dockerfile: Path, tag: str, recipe: str, log,
                  nocache: bool = False) -> None:
    """A build with its steps logged as they go (they take minutes) and its tail on failure.
    Layers whose inputs did not change are reused (``Using cache``) unless ``nocache``."""
    t0 = time.monotonic()
    old = image.find_image(client, tag)
    tail: collections.deque[str] = collections.deque(maxlen=25)
    stream = client.api.build(path=str(context), dockerfile=str(dockerfile), tag=tag,
                              buildargs={"BASE": standin_base()}, labels={LABEL: recipe},
                              rm=True, forcerm=True, pull=False, nocache=nocache,
                              network_mode="host", decode=True)
    cached = 0
    for chunk in stream:
        if "error" in chunk:
            raise ImageError(f"building {tag} failed: {chunk['error'].strip()}\n" + "".join(tail))
        text = chunk.get("stream", "")
        tail.append(text)
        if text.startswith("Step "):
            log(f"  {time.monotonic() - t0:5.0f} s  {text.strip()[:110]}")
        cached += text.strip() == "---> Using cache"
    if not _current(client, tag, recipe):
        raise ImageError(f"the build did not produce {tag}:\n" + "".join(tail))
    _drop_replaced(client, old, tag)
    log(f"{tag} built in {time.monotonic() - t0:.0f} s ({cached} steps from the layer cache)")


def _unpacked_bundle(dest: Path) -> Path:
    """The zip of `make bundle`, unpacked in ``dest`` as Gradescope unpacks it."""
    zip_path = autograde.bundle(dest.parent / "autograder.zip")
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)
    zip_path.unlink()
    for name in ("setup.sh", "run_autograder"):
        (dest / name).chmod(0o755)       # extractall drops the modes the zip carries
    return dest


def build_gradescope(client, rebuild: bool = False, log=print) -> str:
    with tempfile.TemporaryDirectory(prefix="zkw-gradescope-") as tmp:
        context = Path(tmp)
        recipe = gradescope_recipe(_unpacked_bundle(context / "source"))
        if not rebuild and _current(client, GRADESCOPE_IMAGE, recipe):
            log(f"{GRADESCOPE_IMAGE} is current (reused)")
            return GRADESCOPE_IMAGE
        build_standin(client, log=log)
        shutil.copy(GRADESCOPE_DOCKERFILE, context / "Dockerfile")
        log(f"building {GRADESCOPE_IMAGE}: the bundle's setup.sh on {standin_base()}")
        _docker_build(client, context, context / "Dockerfile", GRADESCOPE_IMAGE, recipe, log,
                      nocache=rebuild)
    return GRADESCOPE_IMAGE


def build_prairielearn(client, rebuild: bool = False, log=print) -> str:
    recipe = prairielearn_recipe()
    if not rebuild and _current(client, PRAIRIELEARN_IMAGE, recipe):
        log(f"{PRAIRIELEARN_IMAGE} is current (reused)")
        return PRAIRIELEARN_IMAGE
    build_standin(client, log=log)
    log(f"building {PRAIRIELEARN_IMAGE} from docs/classroom/prairielearn/Dockerfile on {standin_base()}")
    _docker_build(client, REPO, PRAIRIELEARN_DIR / "Dockerfile", PRAIRIELEARN_IMAGE, recipe, log,
                  nocache=rebuild)
    return PRAIRIELEARN_IMAGE


def images_current(client) -> bool:
    """Both images present and built from what is here now (nothing to build)."""
    with tempfile.TemporaryDirectory(prefix="zkw-gradescope-") as tmp:
        gs = gradescope_recipe(_unpacked_bundle(Path(tmp) / "source"))
    return _current(client, GRADESCOPE_IMAGE, gs) and _current(client, PRAIRIELEARN_IMAGE,
                                                                prairielearn_recipe())


# --- grading in a container -------------------------------------------------------------

def _run(client, image_name: str, command: list[str], volumes: dict, environment: dict,
         network_mode: str, out: Path, timeout: float) -> dict:
    """Run one grading container to its end (removed whatever happens); its output is kept
    in ``out/container.log``; the results.json it wrote in ``out`` is returned."""
    out.mkdir(parents=True, exist_ok=True)
    container = client.containers.run(image_name, command, volumes=volumes, environment=environment,
                                      network_mode=network_mode, detach=True, init=True)
    try:
        try:
            status = container.wait(timeout=timeout)["StatusCode"]
        except Exception:                       # requests' ReadTimeout: it ran too long
            container.kill()
            status = "killed after the timeout"
        (out / "container.log").write_bytes(container.logs())
    finally:
        container.remove(force=True)
    path = out / "results.json"
    if not path.is_file():
        raise ImageError(f"the container (exit {status}) wrote no results.json; "
                         f"its output: {out / 'container.log'}")
    return json.loads(path.read_text())


def grade_gradescope(client, submission: Path, out: Path, labs: str = "", timeout: float = 1800) -> dict:
    """Gradescope's run: the submission in /autograder/submission, /autograder/run_autograder,
    /autograder/results/results.json (in ``out``)."""
    return _run(client, GRADESCOPE_IMAGE, ["/autograder/run_autograder"],
                {str(Path(submission).resolve()): {"bind": "/autograder/submission", "mode": "ro"},
                 str(Path(out).resolve()): {"bind": "/autograder/results", "mode": "rw"}},
                {"AUTOGRADER_LABS": labs}, "bridge", Path(out), timeout)


def grade_prairielearn(client, submission: Path, out: Path, labs: str = "", timeout: float = 1800) -> dict:
    """PrairieLearn's run: /grade/student, the entrypoint, /grade/results/results.json (in
    ``out``), and no network."""
    return _run(client, PRAIRIELEARN_IMAGE, [PRAIRIELEARN_ENTRYPOINT],
                {str(Path(submission).resolve()): {"bind": "/grade/student", "mode": "ro"},
                 str(Path(out).resolve()): {"bind": "/grade/results", "mode": "rw"}},
                {"ZK_WORKSHOP_LABS": labs}, "none", Path(out), timeout)


def run(cmd: str, rebuild: bool = False, submission: Path | None = None, out: Path | None = None,
        labs: str = "", log=print) -> int:
    """``status``, ``build``, or grade one submission in the ``gradescope`` or
    ``prairielearn`` container."""
    try:
        client = image.connect(timeout=3600)
        if cmd == "status":
            log("both images current" if images_current(client) else "an image is absent or out of date")
            blocker = image.build_blocker()
            log("they can be built here" if not blocker else f"they cannot be built here: {blocker}")
        elif cmd == "build":
            t0 = time.monotonic()
            if rebuild:                    # once, before the images built on it
                build_standin(client, rebuild=True)
            build_gradescope(client, rebuild=rebuild)
            build_prairielearn(client, rebuild=rebuild)
            log(f"images ready in {time.monotonic() - t0:.0f} s")
        else:
            grade = grade_gradescope if cmd == "gradescope" else grade_prairielearn
            result = grade(client, submission, out, labs=labs)
            log(json.dumps({k: v for k, v in result.items() if k != "tests"}, indent=2))
    except ImageError as e:
        log(f"error: {e}")
        return 1
    return 0
