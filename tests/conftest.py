"""The developer suite's namespaces are open to every client.

Graded checks get a namespace under a digest ACL (the grader's and the
learner's credentials: harness/grading/plugin.py). The developer tests run no
learner code, and drive clients of their own that carry no credential (the
live view's candidates, a proxy's client), so their namespaces, and the nodes
the `clients` fixture creates in them, keep ZooKeeper's open ACL.
"""
import pytest
from kazoo.security import OPEN_ACL_UNSAFE


@pytest.fixture
def namespace_acl():
    return OPEN_ACL_UNSAFE
