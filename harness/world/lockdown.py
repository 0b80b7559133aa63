"""A grading ensemble: everything outside the checks' namespaces is read-only.

On a learner's own ensemble the tree is a playground: anyone may create at the
root, as every notebook's experiments do. On an ensemble that grades a class
that openness is the door a hostile submission floods through: nodes created
at the root, under ``/zookeeper`` or beside the namespaces are outside every
quota, and stay after the grading. ``lock()`` closes it: every node that lets
the world do more than read is given ``world:READ`` and the grader's
credential instead, ``/zookeeper`` and the root included. The namespaces are
untouched (their digest ACLs already shut out everyone but the grader and their
run's learner), and below a locked node the grader alone creates the folders
the namespaces live in (``namespaces.ensure_guarded``).

What was changed is written to the ensemble's state folder, so ``unlock()``
(``python -m harness lockdown --undo``) gives the playground back exactly: the
class grader locks the usual ensemble for the time of a grading and unlocks it
afterwards; the side ensembles it starts are deleted with their trees.
"""
from __future__ import annotations

import json
from pathlib import Path

from kazoo.exceptions import NoNodeError
from kazoo.security import ACL, Id, Permissions

from harness import settings

RECORD = "lockdown.json"


def _open_to_world(acls) -> bool:
    return any(a.id.scheme == "world" and a.perms & ~Permissions.READ for a in acls)


def is_locked(admin) -> bool:
    """Whether the root lets the world only read (a grading ensemble)."""
    acls, _ = admin.get_acls("/")
    return not _open_to_world(acls)


def record_path() -> Path:
    return settings.current().state_dir / RECORD


OWNER = "lockdown.owner"        # "hand", or "grading <pid>": who wants it locked


def kept_locked(state_dir: Path) -> bool:
    """Whether the ensemble of ``state_dir`` is locked on purpose by someone else: by
    hand, or by a class grading still running. A lock left by a grading that was killed
    is nobody's: the next grading takes it over and opens the ensemble at its end, so a
    killed grader cannot leave a learner's playground read-only for good."""
    try:
        owner = (state_dir / OWNER).read_text().split()
    except OSError:
        return (state_dir / RECORD).exists()        # an older lock: by hand
    if owner[:1] == ["grading"] and len(owner) == 2 and owner[1].isdigit():
        return Path(f"/proc/{owner[1]}").exists()
    return True


def lock(admin, grader_acl: ACL) -> int:
    """Make every node open to the world read-only but for the grader; the number changed.

    ``admin`` must carry the grader's credential. Nodes the world may only read, or
    not even that (a namespace), are left as they are, and so is everything under
    a namespace."""
    locked = [ACL(Permissions.READ, Id("world", "anyone")), grader_acl]
    record = _read_record()
    todo = ["/"]
    changed = 0
    while todo:
        path = todo.pop()
        try:
            acls, stat = admin.get_acls(path)
        except NoNodeError:
            continue
        if not _open_to_world(acls):
            if path not in ("/", "/zookeeper"):
                continue    # a namespace, or a folder the grader made: not the world's
        else:
            record.setdefault(path, [[a.perms, a.id.scheme, a.id.id] for a in acls])
            try:
                admin.set_acls(path, locked, version=stat.aversion)
                changed += 1
            except NoNodeError:
                continue
        try:
            todo += [f"{path.rstrip('/')}/{child}" for child in admin.get_children(path)]
        except NoNodeError:
            pass
    _write_record(record)
    return changed


def unlock(admin) -> int:
    """Give back every ACL ``lock()`` changed on this ensemble; the number restored."""
    record = _read_record()
    restored = 0
    for path, acls in record.items():
        try:
            admin.set_acls(path, [ACL(perms, Id(scheme, ident)) for perms, scheme, ident in acls])
            restored += 1
        except NoNodeError:
            pass
    record_path().unlink(missing_ok=True)
    return restored


def _read_record() -> dict:
    try:
        return json.loads(record_path().read_text())
    except (OSError, ValueError):
        return {}


def _write_record(record: dict) -> None:
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1))


def run(undo: bool = False, log=print, grading_pid: int | None = None) -> int:
    """``python -m harness lockdown [--undo]`` on the ensemble the settings name;
    ``grading_pid``: the class grading that locks it for its own time."""
    from harness.ensemble import Ensemble
    from harness.world.secrets import Credential, grader_secret
    grader = Credential("grader", grader_secret())
    admin = Ensemble().client(timeout=4.0, auth_data=[grader.auth])
    admin.start(timeout=15)
    try:
        owner = settings.current().state_dir / OWNER
        if undo:
            log(f"lockdown undone: {unlock(admin)} ACLs given back")
            owner.unlink(missing_ok=True)
        else:
            owner.parent.mkdir(parents=True, exist_ok=True)
            owner.write_text("hand" if grading_pid is None else f"grading {grading_pid}")
            log(f"locked down: {lock(admin, grader.acl())} nodes made read-only "
                f"(undo: python -m harness lockdown --undo)")
    finally:
        admin.stop()
        admin.close()
    return 0
