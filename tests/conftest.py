"""The developer suite's namespaces are open to every client.

Graded checks get a namespace under a digest ACL (the grader's and the
learner's credentials: harness/world/namespaces.py). The developer tests run no
learner code, and drive clients of their own that carry no credential (the
live view's candidates, a proxy's client), so their namespaces, and the nodes
the `clients` fixture creates in them, keep ZooKeeper's open ACL.
"""
import uuid

import pytest
from kazoo.security import OPEN_ACL_UNSAFE

from harness import settings
from harness.manifest import REPO
from harness.recipe import SESSION_TIMEOUT
from harness.tools import testloop
from harness.world import World
from harness.world.grading_run import Grading
from harness.world.namespaces import ensure_guarded


@pytest.fixture
def namespace_acl():
    return OPEN_ACL_UNSAFE


@pytest.fixture
def solved_world(ensemble):
    """A World grading solutions/ lab 5 in a namespace of its own (made and deleted here):
    the learner's side of a check, run on the solved code."""
    grading = Grading(ensemble, REPO / "solutions")
    prefix = settings.current().namespace.rstrip("/")
    namespace = f"{prefix}/solved-world-{uuid.uuid4().hex[:8]}"
    admin = ensemble.client(timeout=SESSION_TIMEOUT, auth_data=[grading.grader.auth])
    admin.start(timeout=15)
    world = None
    try:
        ensure_guarded(admin, prefix, grading)
        admin.create(namespace, b"", acl=grading.namespace_acl())
        error = grading.load("failover")
        assert error is None, f"solutions/ lab 5 did not load: {error}"
        world = World(grading, "failover", namespace)
        yield world
    finally:
        if world is not None:
            world.close()
        grading.close()
        try:
            admin.delete(namespace, recursive=True)
        except Exception:
            pass
        admin.stop()
        admin.close()


@pytest.fixture
def setting(monkeypatch):
    """Change an environment variable the harness reads, for this test only:
    ``setting("ZK_WORKSHOP_STATE", path)`` (settings are read again each time)."""
    def change(name: str, value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
        settings.reload()
    yield change
    monkeypatch.undo()
    settings.reload()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # tryfirst: pytest-xdist's own hook turns the xdist_group marks into the node ids
    # its loadgroup scheduler reads; marks added after it are silently ignored (a
    # file's tests then run on several workers at once, on the same ports)
    testloop.order_files(items)        # the longest test files first (harness test)
