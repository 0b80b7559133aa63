"""Finding ZooKeeper and Java for the local servers, or installing them (root + apt)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess

from harness import settings
from harness.ensemble.base import EnsembleError


class LauncherError(EnsembleError):
    """A problem with the local servers that the user must fix; the message says how."""


MISSING_ZOOKEEPER = (
    "ZooKeeper is not installed: install Java 17 and ZooKeeper "
    "(on Debian/Ubuntu as root: `apt-get install zookeeper`), or set ZOOKEEPER_HOME "
    "to an unpacked Apache ZooKeeper release, or run the Docker ensemble with "
    "`docker compose up -d`.")


def classpath() -> str:
    """The Java classpath of a ZooKeeper server, from ZOOKEEPER_HOME or Debian's package."""
    home = settings.current().zookeeper_home
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


def java() -> str:
    exe = shutil.which("java")
    if not exe:
        raise LauncherError("Java is not installed: install Java 17 (Debian: `apt-get install "
                            "openjdk-17-jre-headless`). " + MISSING_ZOOKEEPER)
    return exe


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
