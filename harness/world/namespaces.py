"""Each check's own namespace: a fresh znode under a digest ACL, deleted afterwards.

The prefix above it (``/checks``, or ``/grading/<run>`` for a class) is made
so that only the grader may delete under it; everyone may read and create
there, so a namespace of one run never blocks another run.
"""
from __future__ import annotations

import contextlib
import re
import uuid

from kazoo.exceptions import NodeExistsError
from kazoo.security import ACL, Id, Permissions

from harness.recipe import SESSION_TIMEOUT
from harness.waits import wait_until


def ensure_guarded(admin, path: str, grading) -> None:
    """Create ``path``'s missing ancestors so that only the grader may delete under them.

    Everyone may read and create there (so a namespace of one run never blocks
    another run); only the grader's credential may delete, write or change ACLs.
    """
    guarded = [ACL(Permissions.READ | Permissions.CREATE, Id("world", "anyone")),
               grading.grader.acl()]
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
def namespace(ensemble, grading, prefix: str, name: str, acl):
    """A fresh znode ``<prefix>/<name>-<random>`` with ``acl``; it and everything under it
    is deleted afterwards."""
    prefix = prefix.rstrip("/")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
    path = f"{prefix}/{name}-{uuid.uuid4().hex[:8]}"
    admin = ensemble.client(timeout=SESSION_TIMEOUT, auth_data=[grading.grader.auth])
    admin.start(timeout=15)
    if prefix not in grading.guarded:        # once per run, not once per check
        ensure_guarded(admin, prefix, grading)
        grading.guarded.add(prefix)
    admin.create(path, b"", acl=acl)
    try:
        yield path
    finally:
        try:
            if admin.connected or wait_until(lambda: admin.connected, 10, interval=0.05):
                admin.delete(path, recursive=True)
        except Exception:
            pass        # a leftover namespace is harmless: names are unique
        admin.stop()
        admin.close()
