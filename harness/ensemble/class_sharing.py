"""A class-data-sharing archive for the local ZooKeeper servers (AppCDS, Java 17).

Fault checks start servers again all the time: a grading of five labs starts
about six, and a class of a hundred about six hundred. Most of a start's CPU
is the JVM loading and verifying ZooKeeper's ~2,400 classes. An archive of
those classes, mapped at start, cuts a follower's restart from 0.83 s of CPU
to 0.60 s, and its time until it serves again from 0.61 s to 0.45 s (medians
of five, a fresh database, 2 cores; `python -m harness bench --restarts` gives
the figures again). Grading the solutions' five labs costs the JVMs about
2.3 s less CPU (16.3 s -> 14.0 s).

How it comes about, with no step of its own:

1. A server started while there is no archive also writes the classes it loads
   to ``classes.lst`` in its folder (``-XX:DumpLoadedClassList``).
2. Once one such list is complete (its server has served: ``local.up``
   builds at once; a later start takes a list that has not changed for a few
   seconds), ``java -Xshare:dump`` makes the archive from it, about 2 s once.
3. Every later start maps it (``-XX:SharedArchiveFile``). Java checks that the
   archive was made by this JVM from these jars, and quietly starts without it
   if not; the archive's name also carries a digest of both, so an upgrade
   makes a new one.

The archive lives in a cache shared by every ensemble of this user
(``ZK_WORKSHOP_CACHE``, default ``~/.cache/zk-workshop``): side ensembles of a
batch grading use the same one. ``ZK_WORKSHOP_CDS=0`` turns all of this off.
The Docker backend does not use it.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

from harness import settings

LIST_NAME = "classes.lst"
MIN_CLASSES = 500          # fewer: a server that died early; its list is not worth archiving
SETTLED_SECONDS = 5.0      # a list untouched this long belongs to a server past its start


def enabled() -> bool:
    return settings.current().class_sharing


def cache_dir() -> Path:
    return settings.current().cache_dir


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
        return f"{path}:{st.st_size}:{int(st.st_mtime)}"
    except OSError:
        return f"{path}:-"


def archive_path(java: str, classpath: str, flags: tuple[str, ...]) -> Path:
    """Where the archive for this JVM, these jars and these flags lives."""
    home = Path(os.path.realpath(java)).parent.parent
    parts = [_stamp(str(home / "lib" / "modules")), *(_stamp(p) for p in classpath.split(":")),
             *flags]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return cache_dir() / f"zookeeper-{digest}.jsa"


def _usable_list(path: Path, settled: float) -> list[str] | None:
    """The complete lines of a class list, if it is big and old enough to archive."""
    try:
        if time.time() - path.stat().st_mtime < settled:
            return None
        text = path.read_text(errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    if not text.endswith("\n") and lines:      # its server still writes: drop the half line
        lines.pop()
    return lines if len(lines) >= MIN_CLASSES else None


def build(archive: Path, lists: list[Path], java: str, classpath: str,
          flags: tuple[str, ...], settled: float = SETTLED_SECONDS) -> bool:
    """Make ``archive`` from the longest usable class list; True if it exists afterwards."""
    if archive.exists():
        return True
    usable = [lines for lines in (_usable_list(p, settled) for p in lists) if lines]
    if not usable:
        return False
    archive.parent.mkdir(parents=True, exist_ok=True)
    # Several ensembles may build at once: each writes a file of its own, and the
    # rename makes one of them the archive whole.
    fd, tmp_list = tempfile.mkstemp(prefix="classes-", suffix=".lst", dir=archive.parent)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(max(usable, key=len)) + "\n")
    tmp_archive = f"{tmp_list[:-4]}.jsa"
    try:
        res = subprocess.run([java, "-Xshare:dump", *flags, f"-XX:SharedClassListFile={tmp_list}",
                              f"-XX:SharedArchiveFile={tmp_archive}", "-cp", classpath],
                             capture_output=True, text=True, timeout=120)
        if res.returncode == 0 and os.path.getsize(tmp_archive) > 0:
            os.replace(tmp_archive, archive)
    except (OSError, subprocess.SubprocessError):
        pass                      # no archive: servers start as they did before, only slower
    finally:
        for p in (tmp_list, tmp_archive):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
    return archive.exists()


def start_flags(server_folder: Path, all_folders: list[Path], java: str, classpath: str,
                flags: tuple[str, ...]) -> list[str]:
    """The JVM flags for one server's start: map the archive, or help make it."""
    if not enabled():
        return []
    archive = archive_path(java, classpath, flags)
    if build(archive, [f / LIST_NAME for f in all_folders], java, classpath, flags):
        return [f"-XX:SharedArchiveFile={archive}"]
    return [f"-XX:DumpLoadedClassList={server_folder / LIST_NAME}"]
