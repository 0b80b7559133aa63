"""The ZooKeeper image of the Docker ensemble: the official one, or the workshop's own.

    python -m harness image status     which image `make up` would use, and why
    python -m harness image ensure     that image, pulled or built if needed
    python -m harness image build      the workshop's own image (reused when current)
    python -m harness image build --rebuild

docker-compose.yml runs ``${ZK_IMAGE:-zookeeper:3.9.4}``. Where the official
image cannot be pulled (no registry reachable), the workshop builds its own from
Debian's packages, which apt can always reach:

1. ``debootstrap --variant=minbase --include=<PACKAGES> <suite> DIR <apt's mirror>``
   makes a root file system holding Java and Debian's ZooKeeper jars (the mirror
   is the one ``/etc/apt/sources.list*`` already uses); it is imported as the base
   image ``zk-workshop/debian-rootfs:<suite>`` (``tar -C DIR -c . | docker import``).
2. ``docker/Dockerfile`` adds ``docker/entrypoint.sh`` on top: the official image's
   environment variables, folders and command, so the same compose file runs
   either image. The result is tagged ``zk-workshop/zookeeper:debian``.

Both are built once and reused; each image's label holds a hash of what made it, so a
changed package list rebuilds the base and a changed entrypoint only the top layer.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness import settings

REPO = settings.current().root
RECIPE_DIR = REPO / "docker"

OFFICIAL_IMAGE = "zookeeper:3.9.4"          # what docker-compose.yml names by default
LOCAL_IMAGE = "zk-workshop/zookeeper:debian"
BASE_REPOSITORY = "zk-workshop/debian-rootfs"
SUITE = settings.current().image_suite
# Debian's ZooKeeper jars (not the `zookeeper` package, whose `default-jre`
# brings a desktop Java), a headless Java, `nc` for the compose healthcheck,
# slf4j-simple so the server's log reaches `docker logs`.
PACKAGES = ("libzookeeper-java", "libslf4j-java", "default-jre-headless", "netcat-openbsd")
LABEL = "org.zk-workshop.recipe"


class ImageError(RuntimeError):
    """The image cannot be had; the message says why and what to do, in one sentence."""


class EngineUnavailable(ImageError):
    """No Docker engine answers."""


# --- the engine ----------------------------------------------------------------

def engine_address() -> str:
    return settings.current().docker_host or "unix:///var/run/docker.sock"


def engine_down_message(detail: str = "") -> str:
    why = f" ({detail})" if detail else ""
    return (f"no Docker engine answers at {engine_address()}{why}: start it (as root "
            "`systemctl start docker`, or `dockerd &` where there is no systemd), or run the "
            "ensemble as local Java processes with ZK_BACKEND=local")


def short_reason(exc: BaseException) -> str:
    """A few words for an engine or network error (the SDK's own are a screenful)."""
    text = str(getattr(exc, "explanation", None) or exc)
    if re.search(r"dial tcp|no such host|i/o timeout|TLS handshake|connection reset", text):
        return "the registry cannot be reached"
    if "No such file" in text or "FileNotFoundError" in text:
        return "its socket is missing"
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "it did not answer in time"
    if "Connection aborted" in text or "RemoteDisconnected" in text:
        return "the connection was cut"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:160]


def connect(timeout: float = 60.0):
    """A client of the Docker engine (the SDK), or EngineUnavailable in one sentence."""
    try:
        import docker
    except ImportError:
        raise ImageError("the Python package `docker` is not installed in this environment: "
                         "run `pip install -r requirements.txt` (or `make install`)") from None
    if not settings.current().docker_socket_may_exist:
        raise EngineUnavailable(engine_down_message("its socket is missing"))
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as e:           # DockerException, requests' errors, PermissionError...
        if "Permission denied" in str(e):
            raise EngineUnavailable(
                f"the Docker engine at {engine_address()} refuses this user: add it to the "
                "`docker` group (then log in again), or run as root, or use ZK_BACKEND=local"
            ) from None
        raise EngineUnavailable(engine_down_message(short_reason(e))) from None
    return client


def engine_answers(timeout: float = 3.0) -> bool:
    try:
        connect(timeout).close()
        return True
    except ImageError:
        return False


# --- which image -----------------------------------------------------------------

def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def base_recipe() -> str:
    return digest("debootstrap", "minbase", SUITE, *PACKAGES)


def image_recipe() -> str:
    files = [RECIPE_DIR / "Dockerfile", RECIPE_DIR / "entrypoint.sh"]
    return digest(base_recipe(), *(f.read_text() for f in files))


def base_image() -> str:
    return f"{BASE_REPOSITORY}:{SUITE}"


def find_image(client, name: str):
    import docker
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None


def local_image_current(client) -> bool:
    img = find_image(client, LOCAL_IMAGE)
    return img is not None and (img.labels or {}).get(LABEL) == image_recipe()


def describe(client) -> tuple[str | None, str]:
    """(image to run, why) without pulling or building; image None if none is here."""
    forced = settings.current().image
    if forced:
        if find_image(client, forced):
            return forced, f"ZK_IMAGE={forced}"
        return None, f"ZK_IMAGE={forced} is not present in the engine"
    if find_image(client, OFFICIAL_IMAGE):
        return OFFICIAL_IMAGE, f"the official image {OFFICIAL_IMAGE} is present"
    if find_image(client, LOCAL_IMAGE):
        version = (find_image(client, LOCAL_IMAGE).labels or {}).get("org.zk-workshop.zookeeper", "?")
        stale = "" if local_image_current(client) else " (out of date: `ensure` rebuilds its top layer)"
        return LOCAL_IMAGE, (f"{OFFICIAL_IMAGE} is not here; the workshop's own image {LOCAL_IMAGE} "
                             f"(Debian's ZooKeeper {version}) is{stale}")
    return None, f"neither {OFFICIAL_IMAGE} nor the workshop's own {LOCAL_IMAGE} is present"


def ensure(client=None, pull: bool = True, build_ok: bool = True, log=print) -> tuple[str, str]:
    """The image the Compose ensemble runs: (name, why). Pulls or builds only when needed.

    ZK_IMAGE names one explicitly (it must be present, or be the workshop's own,
    which is then built). Otherwise: the official image if present; the
    workshop's own if present (its top layer rebuilt if out of date); the
    official image pulled; the workshop's own built from Debian's packages.
    """
    client = client or connect()
    forced = settings.current().image
    if forced and forced != LOCAL_IMAGE:
        if find_image(client, forced):
            return forced, f"ZK_IMAGE={forced}"
        raise ImageError(f"the image {forced} (ZK_IMAGE) is not present in the Docker engine: "
                         f"pull or build it, or unset ZK_IMAGE to use {OFFICIAL_IMAGE} or the "
                         f"workshop's own image (`python -m harness image build`)")
    if not forced and find_image(client, OFFICIAL_IMAGE):
        return OFFICIAL_IMAGE, f"the official image {OFFICIAL_IMAGE} is present"
    if find_image(client, LOCAL_IMAGE):
        if not local_image_current(client) and build_ok:
            build(client, log=log)
        return LOCAL_IMAGE, _local_why(client)
    if pull and not forced:
        try:
            log(f"pulling {OFFICIAL_IMAGE} ...")
            repo, tag = OFFICIAL_IMAGE.split(":")
            client.images.pull(repo, tag=tag)
            return OFFICIAL_IMAGE, f"pulled the official image {OFFICIAL_IMAGE}"
        except Exception as e:
            log(f"cannot pull {OFFICIAL_IMAGE} ({short_reason(e)}); building the workshop's own image")
    if not build_ok:
        raise ImageError(f"neither {OFFICIAL_IMAGE} nor the workshop's own image {LOCAL_IMAGE} is "
                         f"present: build it with `python -m harness image build` "
                         f"(`make docker-image`)")
    build(client, log=log)
    return LOCAL_IMAGE, _local_why(client, built=True)


def _local_why(client, built: bool = False) -> str:
    img = find_image(client, LOCAL_IMAGE)
    version = (img.labels or {}).get("org.zk-workshop.zookeeper", "?") if img else "?"
    how = "built here" if built else "present"
    return (f"{OFFICIAL_IMAGE} is not here; the workshop's own image {LOCAL_IMAGE} "
            f"(Debian's ZooKeeper {version}) is {how}")


# --- building the workshop's own image ----------------------------------------------

def debian_mirror(suite: str = SUITE) -> str | None:
    """The Debian mirror apt already uses for ``suite`` (from sources.list and .sources files)."""
    override = settings.current().image_mirror
    if override:
        return override
    entries: list[tuple[list[str], list[str], list[str]]] = []   # (uris, suites, components)
    paths = ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]
    for path in paths:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
                if len(words) >= 4 and words[0] == "deb":       # deb [options] uri suite comp...
                    entries.append(([words[1]], [words[2]], words[3:]))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with contextlib.suppress(OSError):
            for stanza in re.split(r"\n\s*\n", Path(path).read_text()):
                fields: dict[str, str] = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line or line[:1].isspace():
                        continue
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
                if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                    entries.append((fields.get("uris", "").split(), fields.get("suites", "").split(),
                                    fields.get("components", "").split()))
    for uris, suites, components in entries:
        if suite in suites and "main" in components:
            for uri in uris:
                if uri.startswith(("http://", "https://", "file:/")):
                    return uri
    return None


def build_blocker() -> str | None:
    """Why the workshop's image cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "building it needs root (debootstrap makes a root file system)"
    if not shutil.which("debootstrap") and not shutil.which("apt-get"):
        return "debootstrap is not installed and there is no apt-get to install it"
    if not debian_mirror():
        return (f"no Debian mirror for '{SUITE}' is configured in /etc/apt/sources.list* "
                "(set ZK_IMAGE_MIRROR)")
    return None


def _ensure_debootstrap(log) -> str:
    exe = shutil.which("debootstrap") or (os.path.exists("/usr/sbin/debootstrap") and "/usr/sbin/debootstrap")
    if exe:
        return exe
    log("installing debootstrap with apt ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "debootstrap"]):
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            raise ImageError(f"`{' '.join(cmd)}` failed: {res.stderr.strip()[-300:]}")
    return shutil.which("debootstrap") or "/usr/sbin/debootstrap"


def _mounts_under(folder: Path) -> list[str]:
    prefix = str(folder).rstrip("/") + "/"
    with open("/proc/mounts") as f:
        points = [line.split()[1].replace("\\040", " ") for line in f]
    return sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True)


def _remove_rootfs(folder: Path) -> None:
    """Delete a debootstrap folder, never through a mount (a bound /dev is the host's)."""
    for point in _mounts_under(folder):
        subprocess.run(["umount", point], capture_output=True)
    left = _mounts_under(folder)
    if left:
        raise ImageError(f"{left[0]} is still mounted; unmount it, then delete {folder} by hand")
    shutil.rmtree(folder, ignore_errors=True)


_PHASES = ("I: Retrieving Release", "I: Validating Packages", "I: Resolving dependencies",
           "I: Checking component", "I: Installing core packages",
           "I: Unpacking the base system", "I: Configuring the base system",
           "I: Base system installed successfully")


def build_rootfs_image(client, repository: str, tag: str, packages, labels: dict,
                       prepare=None, log=print) -> str:
    """debootstrap ``packages`` into a root file system and import it as ``repository:tag``.

    ``prepare(rootfs)``, if given, runs before the import (the root file system is
    complete) and returns more labels. Also the base of the classroom platforms'
    stand-in images (harness/grading/platform_images.py).
    """
    name = f"{repository}:{tag}"
    blocker = build_blocker()
    if blocker:
        raise ImageError(f"the image {name} cannot be built here: {blocker}")
    debootstrap = _ensure_debootstrap(log)
    mirror = debian_mirror()
    workdir = Path(tempfile.mkdtemp(prefix="zkw-image-", dir="/var/tmp"))
    rootfs = workdir / "rootfs"
    logfile = workdir.with_suffix(".log")
    cmd = [debootstrap, "--variant=minbase", f"--include={','.join(packages)}",
           "--components=main", SUITE, str(rootfs), mirror]
    log(f"debootstrap {SUITE} with {', '.join(packages)} from {mirror} (a few minutes; log {logfile})")
    t0 = time.monotonic()
    try:
        with open(logfile, "w") as out:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    stdin=subprocess.DEVNULL)
            for line in proc.stdout:
                out.write(line)
                if line.startswith(_PHASES):
                    log(f"  {time.monotonic() - t0:5.0f} s  {line.strip()[3:]}")
            rc = proc.wait()
        if rc != 0:
            tail = " | ".join(logfile.read_text().strip().splitlines()[-3:])
            raise ImageError(f"debootstrap failed ({tail}); full log: {logfile}")
        labels = {**labels, **(prepare(rootfs) if prepare else {})}
        # what apt downloaded has been installed: the .deb files are dead weight
        for junk in glob.glob(f"{rootfs}/var/cache/apt/archives/*.deb") + \
                glob.glob(f"{rootfs}/var/lib/apt/lists/*_*"):
            os.unlink(junk)
        shutil.rmtree(rootfs / "usr/share/man", ignore_errors=True)
        log(f"  {time.monotonic() - t0:5.0f} s  importing the root file system as {name}")
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
                               stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            client.api.import_image(src=tar.stdout, repository=repository, tag=tag,
                                    stream_src=True,
                                    changes=[*(f"LABEL {k}={v}" for k, v in labels.items()),
                                             'CMD ["/bin/bash"]'])
        finally:
            tar.stdout.close()
            tar.wait()
        if not find_image(client, name):
            raise ImageError(f"docker import did not produce {name}")
        log(f"  {time.monotonic() - t0:5.0f} s  base image ready")
        logfile.unlink(missing_ok=True)          # kept only when the build failed
    finally:
        _remove_rootfs(rootfs)
        shutil.rmtree(workdir, ignore_errors=True)
    return name


def build_base(client, log=print) -> str:
    """debootstrap a root file system and import it as the base image; return its name."""
    def zookeeper_version(rootfs: Path) -> dict:
        version = subprocess.run(
            ["dpkg-query", f"--admindir={rootfs}/var/lib/dpkg", "-W", "-f=${Version}",
             "libzookeeper-java"], capture_output=True, text=True).stdout.strip() or "?"
        return {"org.zk-workshop.zookeeper": version}
    return build_rootfs_image(client, BASE_REPOSITORY, SUITE, PACKAGES, {LABEL: base_recipe()},
                              prepare=zookeeper_version, log=log)


def build(client=None, rebuild: bool = False, log=print) -> str:
    """Build (or reuse) the workshop's own image; return its tag."""
    client = client or connect(timeout=600)
    if not rebuild and local_image_current(client):
        log(f"{LOCAL_IMAGE} is current (reused)")
        return LOCAL_IMAGE
    t0 = time.monotonic()
    base = find_image(client, base_image())
    if rebuild or base is None or (base.labels or {}).get(LABEL) != base_recipe():
        old = base.id if base is not None else None
        build_base(client, log=log)
        if old:
            with contextlib.suppress(Exception):
                client.images.remove(old)          # the previous base, now untagged
    version = (find_image(client, base_image()).labels or {}).get("org.zk-workshop.zookeeper", "?")
    old = find_image(client, LOCAL_IMAGE)
    log(f"building {LOCAL_IMAGE} from docker/Dockerfile on {base_image()}")
    try:
        client.images.build(path=str(RECIPE_DIR), tag=LOCAL_IMAGE, buildargs={"BASE": base_image()},
                            labels={LABEL: image_recipe(), "org.zk-workshop.zookeeper": version},
                            rm=True, forcerm=True, pull=False)
    except Exception as e:
        raise ImageError(f"building {LOCAL_IMAGE} failed: {short_reason(e)}") from None
    if old is not None and old.id != find_image(client, LOCAL_IMAGE).id:
        with contextlib.suppress(Exception):
            client.images.remove(old.id)
    log(f"{LOCAL_IMAGE} ready (Debian's ZooKeeper {version}) in {time.monotonic() - t0:.0f} s")
    return LOCAL_IMAGE
