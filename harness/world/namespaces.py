"""Each check's own namespace: a fresh znode under a digest ACL and a quota, deleted afterwards.

The prefix above it (``/checks``, or ``/grading/<run>`` for a class) is made
so that only the grader may delete under it. On a learner's own ensemble
everyone may read and create there, so a namespace of one run never blocks
another run; on a grading ensemble (``lockdown``) only the grader creates.
The servers bound what the namespace may hold (``quotas``).
"""
from __future__ import annotations

import contextlib
import json
import re
import uuid

from kazoo.exceptions import NodeExistsError
from kazoo.security import ACL, Id, Permissions

from harness import settings
from harness.recipe import SESSION_TIMEOUT
from harness.waits import wait_until
from harness.world import lockdown, quotas


def ensure_guarded(admin, path: str, grading, locked: bool = False) -> None:
    """Create ``path``'s missing ancestors so that only the grader may delete under them.

    Everyone may read there; on a learner's ensemble everyone may also create (so
    a namespace of one run never blocks another run), on a locked one only the
    grader. Only the grader's credential may delete, write or change ACLs.
    """
    world = Permissions.READ if locked else Permissions.READ | Permissions.CREATE
    guarded = [ACL(world, Id("world", "anyone")), grading.grader.acl()]
    node = ""
    for part in path.strip("/").split("/"):
        node += "/" + part
        try:
            admin.create(node, b"", acl=guarded)
        except NodeExistsError:
            acls, stat = admin.get_acls(node)
            if any(a.id.scheme == "world" and a.perms & Permissions.DELETE for a in acls):
                try:
                    admin.set_acls(node, guarded, version=stat.aversion)
                except Exception:
                    pass        # someone else tightened it first


@contextlib.contextmanager
def namespace(ensemble, grading, prefix: str, name: str, acl, quota=quotas.DEFAULT):
    """A fresh znode ``<prefix>/<name>-<random>`` with ``acl`` and ``quota``; it, everything
    under it and its quota are deleted afterwards. ``grading.peaks[path]`` is the most it
    held (``quotas.Peak``), for a failing check's message."""
    prefix = prefix.rstrip("/")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
    path = f"{prefix}/{name}-{uuid.uuid4().hex[:8]}"
    admin = ensemble.client(timeout=SESSION_TIMEOUT, auth_data=[grading.grader.auth])
    admin.start(timeout=15)
    if prefix not in grading.guarded:        # once per run, not once per check
        ensure_guarded(admin, prefix, grading, locked=lockdown.is_locked(admin))
        grading.guarded.add(prefix)
    admin.create(path, b"", acl=acl)
    quotas.set_quota(admin, path, quota, quotas.read_only_acl(grading.grader.acl()))
    peak = grading.peaks[path] = quotas.Peak(admin, path, quota)
    try:
        yield path
    finally:
        peak.stop()
        _log_peak(name, peak)
        if peak.reached:
            grading.quota_reached.append(f"{name}: {peak.nodes} nodes, {peak.bytes} bytes")
        try:
            if admin.connected or wait_until(lambda: admin.connected, 10, interval=0.05):
                admin.delete(path, recursive=True)
                quotas.remove_quota(admin, path)
        except Exception:
            pass        # a leftover namespace is harmless: names are unique
        grading.peaks.pop(path, None)
        admin.stop()
        admin.close()


def _log_peak(name: str, peak) -> None:
    """One line per check to ZK_WORKSHOP_QUOTA_LOG: how the quotas were sized."""
    log = settings.current().quota_log
    if log is not None:
        with open(log, "a") as f:
            f.write(json.dumps({"check": name, "nodes": peak.nodes, "bytes": peak.bytes}) + "\n")
