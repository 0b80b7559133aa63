"""The grader's observer reads what is committed, not what its server has applied.

ZooKeeper orders one session's reads after its own writes, not after another
session's: a follower may answer before it has applied a delete the leader
committed for a candidate. A CI run saw it: a resign() had returned, yet the
grader's client (on a follower that had just restarted) still read the node,
and a correct solution lost a check. So every read of ``CommittedReads``, the
class of ``world.observer``, is preceded by a ``sync`` on the same connection.
"""
import pytest

from harness.world.reads import CommittedReads

pytestmark = pytest.mark.timeout(60)


class Spy(CommittedReads):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ops = []

    def sync(self, path):
        self.ops.append("sync")
        return super().sync(path)

    def exists_async(self, path, watch=None):
        self.ops.append("exists")
        return super().exists_async(path, watch=watch)

    def get_async(self, path, watch=None):
        self.ops.append("get")
        return super().get_async(path, watch=watch)

    def get_children_async(self, path, watch=None, include_data=False):
        self.ops.append("get_children")
        return super().get_children_async(path, watch=watch, include_data=include_data)


def test_each_read_of_the_observer_syncs_first(clients):
    writer = clients()
    reader = clients(1, cls=Spy)[0]
    writer.create("/n", b"v")
    reader.ops.clear()                 # kazoo itself may read at start
    assert reader.exists("/n") is not None
    assert reader.get("/n")[0] == b"v"
    assert reader.get_children("/") == ["n"]
    writer.delete("/n")
    assert reader.exists("/n") is None
    assert reader.ops == ["sync", "exists", "sync", "get", "sync", "get_children",
                          "sync", "exists"]


def test_the_world_observer_is_a_committed_reader():
    from harness.world import World
    source = World.observer.fget.__code__.co_names
    assert "CommittedReads" in source
