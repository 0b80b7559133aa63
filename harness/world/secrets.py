"""The grader's secrets: its ZooKeeper credential, the learner's, and the key of the seed.

The grader's files are its user's only (0600); the learner's code runs as
another uid and can read none of them.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from kazoo.security import ACL, make_digest_acl

from harness import settings


def kept_secret(path: Path, nbytes: int) -> str | None:
    """The hex secret kept in the file at ``path``, made on first use (0600, so only this
    user reads it); None where it can be neither read nor made. Two processes making it
    at once both end up with the one that was written first."""
    for made in (False, True):
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            if made:
                return None
        except OSError:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(nbytes))
        except FileExistsError:
            pass                      # another grading process made it first: read theirs
        except OSError:
            return None
    return None


def grader_secret() -> str:
    """The grader's ZooKeeper password, in a file only the grader's user can read."""
    # an unreadable state folder: a secret for this run only
    return kept_secret(settings.current().state_dir / "grader-secret", 24) or secrets.token_hex(24)


def seed_key_path() -> Path:
    """Where the key of the sandbox's seed lives: the grader's home, not an ensemble's
    state folder, so every ensemble side by side (each with a state folder of its own)
    and every later grading on this machine use the same key. ``ZK_WORKSHOP_SEED_KEY``
    names another file."""
    return settings.current().seed_key


@functools.lru_cache(maxsize=None)
def seed_key(path: Path | None = None) -> bytes | None:
    """The key of the sandbox's seed, made on first use (0600); None where it can be
    neither read nor made (the digest is then unkeyed)."""
    text = kept_secret(path or seed_key_path(), 32)
    try:
        return bytes.fromhex(text) if text else None
    except ValueError:
        return None


def sandbox_seed(check_seed: str, label: str = "", key: bytes | None = None) -> str:
    """What the sandbox is told to seed its randomness with: a keyed digest (HMAC-SHA256,
    with ``seed_key()``) of the check's seed (the run's seed and the check's name) and
    the sandbox's label. It names neither, so the learner's code reads neither a hidden
    check's name nor the run seed in it; and without the key, which the sandbox's user
    cannot read, it cannot find the run seed by trying seeds either (the run seed is
    small: an unkeyed digest of a public check's name gives it away in a second). The
    key stays on the machine, so the same seed draws the same guids at every grading
    here; another machine, with another key, draws others."""
    message = f"{check_seed}\0{label}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class Credential:
    def __init__(self, user: str, password: str):
        self.user, self.password = user, password

    @property
    def auth(self) -> tuple[str, str]:
        return ("digest", f"{self.user}:{self.password}")

    def acl(self, **perms) -> ACL:
        return make_digest_acl(self.user, self.password, **(perms or {"all": True}))


def acl_as_data(acls) -> list:
    """ACLs as plain data for the sandbox: [[perms, scheme, id]]."""
    return [[a.perms, a.id.scheme, a.id.id] for a in acls]
