"""The quota of each check's namespace: ZooKeeper's own, enforced by the servers.

A submission's code may create nodes only inside its check's namespace (its
digest ACL; on a grading ensemble everything else is read-only, ``lockdown``).
Inside it, the servers bound how much it may hold: every server runs with
``-Dzookeeper.enforceQuota=true`` (ZooKeeper 3.7+, ``topology.SERVER_JVM_FLAGS``),
and the grader writes a hard limit for the namespace before the check starts.
A write past it fails in the learner's code with ZooKeeper's own
``QuotaExceededError``; nothing reaches the servers' memory.

How ZooKeeper keeps a quota (3.8, measured here): a node
``/zookeeper/quota<path>/zookeeper_limits`` holding
``count=-1,bytes=-1,countHardLimit=N,byteHardLimit=B`` names the limits, and
creating ``.../zookeeper_stats`` beside it makes the servers count what
``<path>`` holds already (the namespace's own node counts as one) and keep
the count there. Only the deepest quota above a path applies, so one per
namespace, none on the folders above.

Why these sizes: docs/sandbox.md ("Limits"), with the run that measured what the
solutions and the wrong solutions hold at their peak.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kazoo.exceptions import NoNodeError, NodeExistsError
from kazoo.security import ACL, Id, Permissions

from harness.ensemble.watch_limits import MAX_REQUEST_BYTES

QUOTA_ROOT = "/zookeeper/quota"
LIMITS = "zookeeper_limits"
STATS = "zookeeper_stats"


@dataclass(frozen=True)
class Quota:
    nodes: int          # the namespace's own node included
    bytes: int          # of data; a name is bounded by the proxies' request size (16 KiB)

    def text(self) -> str:
        return f"at most {self.nodes:,} nodes and {_size(self.bytes)} of data"


# What one check's namespace may hold. Measured peak (solutions and every wrong
# solution, all labs): see docs/sandbox.md; these leave a wide margin over it.
DEFAULT = Quota(nodes=250, bytes=64 * 1024)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def quota_path(path: str) -> str:
    return QUOTA_ROOT + path


def parse_stats(text: str) -> tuple[int, int]:
    """(nodes, bytes) from ZooKeeper's ``count=3,bytes=120``."""
    fields = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    return int(fields.get("count", 0)), int(fields.get("bytes", 0))


def set_quota(admin, path: str, quota: Quota, acl: list[ACL]) -> None:
    """Limit what ``path`` may hold; the servers count what it holds from now on.

    ``acl``: the quota nodes' ACL (readable by all, changed by the grader only), so the
    learner's code can neither lift its limit nor read more than its figures."""
    base = quota_path(path)
    admin.ensure_path(base, acl=acl)
    limits = (f"count=-1,bytes=-1,countHardLimit={quota.nodes},"
              f"byteHardLimit={quota.bytes}").encode()
    for name, data in ((LIMITS, limits), (STATS, b"count=0,bytes=0")):
        try:
            admin.create(f"{base}/{name}", data, acl=acl)
        except NodeExistsError:     # a namespace name is unique: only a retried create
            pass


def usage(admin, path: str, timeout: float = 2.0) -> tuple[int, int] | None:
    """(nodes, bytes) the servers count under ``path`` now; None without a quota, or when
    the servers do not answer within ``timeout`` (a fault check may have left the
    ensemble without a quorum: kazoo would wait for it for ever)."""
    if not admin.connected:
        return None
    try:
        data = admin.get_async(f"{quota_path(path)}/{STATS}").get(timeout=timeout)[0]
        return parse_stats(data.decode())
    except (NoNodeError, ValueError):
        return None


def remove_quota(admin, path: str) -> None:
    try:
        admin.delete(quota_path(path), recursive=True)
    except NoNodeError:
        pass


def read_only_acl(grader_acl: ACL) -> list[ACL]:
    return [ACL(Permissions.READ, Id("world", "anyone")), grader_acl]


class Peak:
    """The most a namespace held during a check, read from the servers' count.

    It reads every ``interval`` seconds, so a burst between two reads can be missed:
    the figure tells a learner how close they came and sizes the quota with a margin,
    it never decides a verdict."""

    def __init__(self, admin, path: str, quota: Quota, interval: float = 0.25):
        self.admin, self.path, self.quota, self.interval = admin, path, quota, interval
        self.started = time.monotonic()
        self.nodes = self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="quota-peak")
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        try:
            now = usage(self.admin, self.path)
        except Exception:           # lost, or no answer in time, during a fault check: later
            return
        if now is not None:
            self.nodes, self.bytes = max(self.nodes, now[0]), max(self.bytes, now[1])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    @property
    def reached(self) -> bool:
        """Whether the namespace came to its limit: at its node count, or within one
        request's size (the proxies' bound) of its bytes, where a write may have been refused.
        A correct recipe stays far below both."""
        return (self.nodes >= self.quota.nodes
                or self.bytes > self.quota.bytes - MAX_REQUEST_BYTES)

    def note(self) -> str:
        """For a failing check's message: the quota reached, in plain words; else ''."""
        if not self.reached:
            return ""
        which = ("nodes" if self.nodes >= self.quota.nodes else "bytes of data")
        return (f"\n  quota: your lab's namespace may hold {self.quota.text()}; it reached "
                f"{self.nodes:,} nodes and {_size(self.bytes)}, so the servers refused your "
                f"writes past the limit of {which} with QuotaExceededError. A correct "
                f"recipe holds one node per candidate: look for a loop that creates "
                f"nodes, or data that grows.")
