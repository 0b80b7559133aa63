"""The election diagnoses claim a cause only where their evidence holds (issue 28)."""
from types import SimpleNamespace

from harness.world.diagnoses import extra_leaders, unarmed


class Client:
    def __init__(self, child=None, data=None, broken=False):
        self.held, self.broken = {"child": child or {}, "data": data or {}}, broken

    def watches(self):
        if self.broken:
            raise RuntimeError("the sandbox did not answer")
        return self.held


class Cand(SimpleNamespace):
    def attrs(self, *names):         # as RemoteCandidate.attrs: one request, several names
        return {n: getattr(self, n) for n in names}


def cand(label, zk, node, watching="/e", leader=False):
    return Cand(label=label, zk=zk, node=node, watching=watching, is_leader=leader)


def test_a_shared_client_holding_fewer_watches_than_its_watchers_is_told_to_re_arm():
    zk = Client(child={"/e": 1})
    a, b = cand("candidate #2", zk, "/e/g-n_0000000001"), cand("candidate #5", zk, "/e/g-n_0000000004")
    said = unarmed([a, b], a)
    assert "re-arm" in said and "1 watch callback there for the 2 candidates" in said
    assert said.startswith(" Candidate #2 (seq 1) says it watches /e")


def test_no_watch_at_all_is_said_so():
    zk = Client()
    a = cand("candidate #2", zk, "/e/g-n_0000000001")
    assert "holds no watch there" in unarmed([a], a)


def test_enough_watches_a_leader_or_no_evidence_claim_nothing():
    zk = Client(data={"/e": 1}, child={"/e": 1})
    a, b = cand("c1", zk, "/e/g-n_0000000001"), cand("c2", zk, "/e/g-n_0000000002")
    assert unarmed([a, b], a) == ""                       # two callbacks for two watchers
    lead = cand("c1", Client(), "/e/g-n_0000000001", leader=True)
    assert unarmed([lead], lead) == ""
    silent = cand("c1", Client(broken=True), "/e/g-n_0000000001")
    assert unarmed([silent], silent) == ""
    nowhere = cand("c1", Client(), "/e/g-n_0000000001", watching=None)
    assert unarmed([nowhere], nowhere) == ""


def test_another_client_s_watches_do_not_count():
    mine, theirs = Client(), Client(child={"/e": 3})
    a, b = cand("c1", mine, "/e/g-n_0000000001"), cand("c2", theirs, "/e/g-n_0000000002")
    assert "holds no watch there" in unarmed([a, b], a)


def test_the_successor_of_a_gone_node_is_told_to_read_the_children_again():
    zk = Client()
    old = cand("candidate #1", zk, "/e/g-n_0000000000")
    succ = cand("candidate #3", zk, "/e/g-n_0000000002", leader=True)
    said = extra_leaders([old, succ], old, [old, succ], gone_seq=1)
    assert "read the children again" in said
