"""The live view (harness/learner/view) against the real ensemble, without a browser.

The candidates here are small stand-ins with the lab 3/4 shape (the labs' own
classes are the learners'); the view must draw whatever has that shape.
"""
import importlib.util
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
from kazoo.exceptions import KazooException, NoNodeError

from harness.ensemble import faultlock
from harness.learner.view import LiveView
from harness.recipe import creation_order
from harness.waits import holds_for, wait_until

ELECTION = "/election"


class PredecessorCandidate:
    """Lab 4 shape: watches the node just before its own (a data watch, via get)."""

    def __init__(self, zk, election_path, on_elected=None):
        self.zk, self.path, self.on_elected = zk, election_path, on_elected
        self.node = None
        self.is_leader = False
        self.watching = None
        self._guid = uuid.uuid4().hex
        self._stopped = False
        self._lock = threading.RLock()

    def start(self):
        self.zk.ensure_path(self.path)
        self.node = self.zk.create(f"{self.path}/{self._guid}-n_", ephemeral=True, sequence=True)
        self._check()

    def _check(self, event=None):
        try:
            with self._lock:
                while not self._stopped:
                    children = creation_order(self.zk.get_children(self.path))
                    me = self.node.rsplit("/", 1)[1]
                    if me not in children:          # our session expired: we are out
                        self.is_leader, self.watching = False, None
                        return
                    i = children.index(me)
                    if i == 0:
                        self.watching, self.is_leader = None, True
                        if self.on_elected:
                            self.on_elected()
                        return
                    self.watching = f"{self.path}/{children[i - 1]}"
                    try:
                        self.zk.get(self.watching, watch=self._check)
                        return
                    except NoNodeError:
                        continue
        except KazooException:
            self.is_leader, self.watching = False, None

    def resign(self):
        with self._lock:
            self._stopped = True
            self.is_leader, self.watching = False, None
            try:
                self.zk.delete(self.node)
            except NoNodeError:
                pass


class HerdCandidate(PredecessorCandidate):
    """Lab 3 shape: every non-leader watches the children of the election path.

    The leader holds no watch (it reads without one first), so a resignation of the
    leader wakes exactly the N-1 others.
    """

    def _check(self, event=None):
        try:
            with self._lock:
                if self._stopped:
                    return
                me = self.node.rsplit("/", 1)[1]
                children = creation_order(self.zk.get_children(self.path))
                if children and children[0] == me:
                    self.watching, self.is_leader = None, True
                    return
                self.watching = self.path
                children = creation_order(self.zk.get_children(self.path, watch=self._check))
                if me not in children:
                    self.watching = None
                elif children[0] == me:
                    self.watching, self.is_leader = None, True
        except KazooException:
            self.is_leader, self.watching = False, None


@pytest.fixture
def views(ensemble, namespace):
    """Factory of live views chrooted to the test's namespace; all closed after."""
    made = []

    def make(make_candidate=None, **kwargs):
        view = LiveView(ensemble, ELECTION, make_candidate=make_candidate, chroot=namespace,
                        **kwargs)
        made.append(view)
        return view

    yield make
    for view in made:
        view.close()


def settled(view, n, herd=False):
    """True once n candidates show, the first claims the lead, and every other's
    arrow points at its predecessor (confirmed by the server unless herd)."""
    st = view.refresh()
    nodes = [c["node"] for c in st["candidates"]]
    if len(nodes) != n or (n and st["claims"] != [nodes[0]]):
        return False
    arrows = {a["from"]: a for a in st["arrows"]}
    for i, node in enumerate(nodes[1:], 1):
        a = arrows.get(node)
        if a is None:
            return False
        if herd and (a["to"], a["kind"]) != (ELECTION, "children"):
            return False
        if not herd and (a["to"], a["kind"], a["confirmed"]) != (nodes[i - 1], "node", True):
            return False
    return st


def seqs(st):
    return [c["seq"] for c in st["candidates"]]


# --- no ensemble needed --------------------------------------------------------------

# --- against the ensemble ------------------------------------------------------------

def test_observer_shows_children_in_creation_order_and_the_servers(views, zk):
    zk.ensure_path(ELECTION)
    made = [zk.create(f"{ELECTION}/{uuid.uuid4().hex}-n_", ephemeral=True, sequence=True)
            for _ in range(3)]
    wrapped = zk.create(f"{ELECTION}/ffff-n_-2147483648", ephemeral=True)
    view = views()
    st = view.refresh()
    names = [c["node"] for c in st["candidates"]]
    # the hand-made node past the wrap is the newest (lab 2, RFC 1982): last in line
    assert names == [p.rsplit("/", 1)[1] for p in [*made, wrapped]]
    assert st["leader"] == names[0]
    assert all(c["session"] == zk.client_id[0] for c in st["candidates"])
    assert sorted(st["servers"].values()) == ["follower", "follower", "leader"]
    assert st["view"]["client_state"] == "CONNECTED"
    # it follows the children by its watch, without being asked
    zk.delete(made[0])
    assert wait_until(lambda: view.state()["leader"] == names[1], 5)
    svg = view.render_svg()
    assert svg.startswith("<svg") and svg.count('class="candidate') == 3
    for name in names[1:]:
        assert f'data-node="{name}"' in svg
    assert svg.count('class="server"') == 3 and 'data-mode="leader"' in svg


def test_added_candidates_show_order_leader_and_predecessor_arrows(views):
    view = views(PredecessorCandidate)
    made = view.add_candidates(5)
    assert view.candidates == made
    st = wait_until(lambda: settled(view, 5), 10)
    assert st, f"the view never settled: {view.state()}"
    assert [c["label"] for c in st["candidates"]] == ["#1", "#2", "#3", "#4", "#5"]
    assert seqs(st) == sorted(seqs(st))
    assert st["leader"] == made[0].node.rsplit("/", 1)[1]
    assert all(a["source"] == "candidate" and a["exists"] for a in st["arrows"])
    svg = view.render_svg(st)
    html = view.render_html(st)
    assert svg in html
    for c in st["candidates"]:
        assert f'data-node="{c["node"]}"' in svg and f'seq {c["seq"]}<' in svg
        assert f'>{c["label"]}<' in svg
    for a in st["arrows"]:
        assert f'data-from="{a["from"]}" data-to="{a["to"]}"' in svg
    assert svg.count('class="arrow"') == 4
    assert 'class="candidate leader" data-node="%s"' % st["leader"] in svg


def test_resign_leader_moves_the_lead_and_the_arrows(views):
    view = views(PredecessorCandidate)
    view.add_candidates(4)
    before = wait_until(lambda: settled(view, 4), 10)
    assert before
    resigned = view.resign_leader()
    assert resigned == before["leader"]
    st = wait_until(lambda: settled(view, 3), 10)
    assert st, f"after the resignation: {view.state()}"
    assert [c["node"] for c in st["candidates"]] == [c["node"] for c in before["candidates"][1:]]
    assert st["retired"] == [{"label": "#1", "node": resigned, "is_leader": False,
                              "client_state": "CONNECTED"}]
    changes = st["notifications"]["changes"]
    assert changes[-1]["kind"] == "failover" and changes[-1]["removed"] == [resigned]
    assert changes[-1]["leader_after"] == st["leader"] and changes[-1]["cause"] == "resign #1"


def test_expiring_a_middle_candidates_session_reroutes_the_arrow(views):
    view = views(PredecessorCandidate)
    view.add_candidates(4)
    before = wait_until(lambda: settled(view, 4), 10)
    assert before
    nodes = [c["node"] for c in before["candidates"]]
    old_session = view.candidates[2].zk.client_id[0]
    assert view.expire(3) == nodes[2]          # #3, the third to join: third in line
    st = wait_until(lambda: settled(view, 3), 10)
    assert st, f"after the expiry: {view.state()}"
    assert [c["node"] for c in st["candidates"]] == [nodes[0], nodes[1], nodes[3]]
    assert {a["from"]: a["to"] for a in st["arrows"]} == {nodes[1]: nodes[0], nodes[3]: nodes[1]}
    assert [r["label"] for r in st["retired"]] == ["#3"]
    # a real expiry: the server ended that session; the client got a new one
    assert wait_until(lambda: view.candidates[2].zk.client_id
                      and view.candidates[2].zk.client_id[0] != old_session, 10)
    with pytest.raises(ValueError, match="no candidate of this view"):
        view.expire("c9")
    with pytest.raises(ValueError, match="there is no candidate #9"):
        view.expire(9)


def test_observer_draws_arrows_from_the_servers_watch_lists(views, clients):
    """Candidates the view did not create: arrows from wchc + ephemeralOwner."""
    made = [PredecessorCandidate(c, ELECTION) for c in clients(4)]
    for cand in made:
        cand.start()
    view = views()
    nodes = [c.node.rsplit("/", 1)[1] for c in made]

    def arrows():
        st = view.refresh()
        got = {(a["from"], a["to"]) for a in st["arrows"]}
        return st if got == set(zip(nodes[1:], nodes)) else None
    st = wait_until(arrows, 10)
    assert st, f"arrows never matched the predecessor chain: {view.state()['arrows']}"
    assert all(a["source"] == "server" and a["confirmed"] for a in st["arrows"])
    assert [c["ours"] for c in st["candidates"]] == [False] * 4
    assert st["claims"] == []              # the view cannot know what others believe
    # resigning a node the view did not create deletes it
    assert view.resign_leader() == nodes[0]
    assert wait_until(lambda: made[1].is_leader, 5)
    assert wait_until(lambda: {(a["from"], a["to"]) for a in view.refresh()["arrows"]}
                      == set(zip(nodes[2:], nodes[1:])), 10)


def test_a_leaked_watch_on_a_gone_node_is_shown(views, clients):
    zk, = clients(1)
    view = views(PredecessorCandidate)
    view.add_candidates(2)
    assert wait_until(lambda: settled(view, 2), 10)
    ghost = f"{ELECTION}/ghost-n_0000009999"
    # exists() with a watch on a node that is not there leaves a watch behind
    assert view.candidates[1].zk.exists(ghost, watch=lambda e: None) is None
    node = view.candidates[1].node.rsplit("/", 1)[1]

    def shown():
        st = view.refresh()
        return [a for a in st["arrows"] if a["from"] == node and a["to"] == "ghost-n_0000009999"]
    leaked = wait_until(shown, 10)
    assert leaked and leaked[0]["exists"] is False and leaked[0]["source"] == "server"
    assert "watches gone seq 9999" in view.render_svg()


def test_herd_candidates_point_at_the_election_node(views):
    view = views(HerdCandidate)
    view.add_candidates(4)
    st = wait_until(lambda: settled(view, 4, herd=True), 10)
    assert st, f"herd arrows: {view.state()['arrows']}"
    assert all(a["confirmed"] is None for a in st["arrows"])   # child watches are not listed
    svg = view.render_svg(st)
    assert svg.count('data-kind="children"') == 3


def test_the_widget_builds_and_its_buttons_act(views):
    pytest.importorskip("ipywidgets")
    view = views(PredecessorCandidate)
    box = view.widget
    assert view.widget is box
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "<svg" in bundle["text/html"]
    buttons = view._buttons
    assert {"add", "resign", "expire", "kill_zoo1", "restart_zoo3"} <= set(buttons)
    buttons["add"].click()
    buttons["add"].click()
    assert wait_until(lambda: settled(view, 2), 10)
    assert wait_until(lambda: 'data-node=' in view._w_html.value, 5)
    first = view.state()["leader"]
    buttons["resign"].click()
    assert wait_until(lambda: view.state()["leader"] not in (first, None), 10)
    assert wait_until(lambda: first not in view._w_html.value, 5), "the widget did not re-render"
    st = view.state()
    assert [c["label"] for c in st["candidates"]] == ["#2"]     # #1 resigned; #2 leads
    assert view._w_pick.options and view._w_pick.options[0][1] == "#2"


def test_a_new_view_of_the_same_election_replaces_the_old_one(views):
    """Re-running a notebook cell must not leave the old view's candidates behind."""
    old = views(PredecessorCandidate)
    old.add_candidates(2)
    new = views(PredecessorCandidate)
    assert old._closed and "(closed)" in repr(old)
    assert wait_until(lambda: new.state()["candidates"] == [], 5), new.state()["candidates"]
    new.add_candidates(1)
    assert wait_until(lambda: settled(new, 1), 5)
    assert "1 candidate(s), leader #1" in repr(new)


def test_an_observing_view_refuses_to_add_candidates(views):
    view = views()
    with pytest.raises(ValueError, match="only observes"):
        view.add_candidate()
    with pytest.raises(ValueError, match="made no candidates"):
        view.expire(1)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("kind", [PredecessorCandidate, HerdCandidate], ids=["predecessor", "herd"])
def test_notifications_per_failover(views, kind):
    """The leader resigns: 1 notification (predecessor watch), one per remaining candidate (herd).

    Counted per session on the candidates' own clients: exact every time, whatever else
    runs on the ensemble (no exclusive lock needed), and final once the call returns.
    """
    herd = kind is HerdCandidate
    view = views(kind)
    view.add_candidates(6)
    assert wait_until(lambda: settled(view, 6, herd=herd), 10)
    seen = []
    for remaining in (5, 4, 3):
        expected = remaining if herd else 1     # herd: every remaining one was watching
        view.resign_leader()
        seen.append((expected, view.state()["notifications"]["last_failover"]))
        assert wait_until(lambda: settled(view, remaining, herd=herd), 10), view.state()
    assert [got for _, got in seen] == [e for e, _ in seen], seen
    n = view.state()["notifications"]
    assert n["available"] and all(c["settled"] for c in n["changes"])
    assert 'data-last-failover="%d"' % expected in view.render_svg()


# --- faults: exclusive use of the ensemble (killed servers) ------------------------------

@pytest.mark.faults
@pytest.mark.timeout(90)
def test_killing_and_restarting_servers_keeps_the_view_working(faults, views):
    view = views(PredecessorCandidate, view_timeout=4.0)
    view.add_candidates(3)
    assert wait_until(lambda: settled(view, 3), 10)
    # kill the server carrying the view's own session: its client must move on
    victim = wait_until(lambda: view.refresh()["view"]["server"], 5)
    assert victim
    depth = faultlock._mine_on(faultlock.lock_path())["depth"]     # the check's own hold
    view.kill_server(victim)
    assert faultlock._mine_on(faultlock.lock_path())["depth"] == depth + 1, \
        "a server killed in the view must hold the fault lock until it is restarted"
    st = view.state()
    assert st["servers"][victim] == "down"
    assert f'data-server="{victim}" data-mode="down"' in view.render_svg()
    faults.wait_for_quorum(timeout=20)
    assert wait_until(lambda: view.refresh()["view"]["client_state"] == "CONNECTED"
                      and view.state()["view"]["server"] not in (None, victim), 20)
    assert wait_until(lambda: sum(m in ("leader", "follower")
                                  for m in view.refresh()["servers"].values()) == 2, 20)
    # still follows the election: a new candidate and a resignation
    view.add_candidate()
    assert wait_until(lambda: settled(view, 4), 15), view.state()
    view.resign_leader()
    assert wait_until(lambda: settled(view, 3), 15), view.state()
    view.restart_server(victim)
    assert faultlock._mine_on(faultlock.lock_path())["depth"] == depth
    assert wait_until(lambda: sorted(view.refresh()["servers"].values())
                      == ["follower", "follower", "leader"], 30), view.state()["servers"]
    # and the ZAB leader too
    zab = faults.leader()
    view.kill_server(zab)
    assert view.state()["servers"][zab] == "down"
    faults.wait_for_quorum(timeout=20)
    assert wait_until(lambda: (lambda s: s[zab] == "down" and list(s.values()).count("leader") == 1)
                      (view.refresh()["servers"]), 20)
    assert wait_until(lambda: settled(view, 3), 15), view.state()
    view.restart_server(zab)
    assert sorted(view.refresh()["servers"].values()) == ["follower", "follower", "leader"]


@pytest.mark.faults
@pytest.mark.timeout(90)
def test_closing_a_view_restarts_what_it_killed_and_lets_go_of_the_fault_lock(faults, views):
    view = views(PredecessorCandidate, view_timeout=4.0)
    depth = faultlock._mine_on(faultlock.lock_path())["depth"]
    view.kill_server(1)
    assert faults.mode(1) not in ("leader", "follower")
    view.close()
    assert faultlock._mine_on(faultlock.lock_path())["depth"] == depth
    assert faults.mode(1) in ("leader", "follower"), "close() left zoo1 down"


# --- issue 13: per-session counts on a busy ensemble, one numbering, a quiet close ----

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture
def lab_classes():
    """The labs' own solution classes (lab 3's HerdCandidate, lab 4's Candidate)."""
    from harness.learner import imports
    imports.install(REPO / "solutions")
    try:
        yield {"lab3": imports.load_lab("herd_election").HerdCandidate,
               "lab4": imports.load_lab("predecessor_watch").Candidate}
    finally:
        imports.uninstall()


@pytest.fixture
def flood(clients):
    """Another user of the ensemble: watchers on a path of their own, fired again and again.

    Three sessions each set a data watch on 20 nodes, a fourth changes them all: 60
    notifications per round, as many rounds as the machine allows, until the test ends.
    """
    setter, *watchers = clients(4)
    paths = [f"/flood/n{i}" for i in range(20)]
    for p in paths:
        setter.ensure_path(p)
    stop = threading.Event()
    rounds = [0]

    def run():
        while not stop.is_set():
            try:
                for w in watchers:
                    for r in [w.exists_async(p, watch=lambda e: None) for p in paths]:
                        r.get(timeout=5)
                for r in [setter.set_async(p, b"x") for p in paths]:
                    r.get(timeout=5)
                rounds[0] += 1
            except Exception:
                if stop.is_set():
                    return
    thread = threading.Thread(target=run, name="flood", daemon=True)
    thread.start()
    assert wait_until(lambda: rounds[0] >= 3, 10), "the flood never got going"
    yield rounds
    stop.set()
    thread.join(timeout=10)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lab", ["lab3", "lab4"])
def test_the_labs_live_view_counts_its_own_candidates_while_others_flood(views, lab_classes,
                                                                        flood, lab):
    """Lab 3's and lab 4's own classes in the view, while another client floods the
    ensemble with watch notifications: a failover still reads N-1 (herd) and 1
    (predecessor), and each row's number stays as it was once that failover settled."""
    herd = lab == "lab3"
    cls = lab_classes[lab]
    view = views(lambda client, path: cls(client, path))
    view.add_candidates(5)
    assert wait_until(lambda: settled(view, 5, herd=herd), 10), view.state()
    start = flood[0]
    view.resign_leader()
    n = view.state()["notifications"]
    expected = 4 if herd else 1
    assert n["last_failover"] == expected, (lab, n)
    view.expire(2)                       # the candidate labelled #2: the new leader
    n = view.state()["notifications"]
    assert n["last_failover"] == (3 if herd else 1), (lab, n["changes"][-3:])
    frozen = [c["notifications"] for c in n["changes"]]
    assert holds_for(lambda: [c["notifications"] for c in view.refresh()["notifications"]
                              ["changes"]][:len(frozen)] == frozen, 1.0), view.state()
    assert flood[0] > start + 3, "the flood stopped: the test proved nothing"
    svg = view.render_svg()
    assert 'data-last-failover="%d"' % (3 if herd else 1) in svg


class CarelessCandidate(PredecessorCandidate):
    """A learner's candidate whose watch callback lets ZooKeeper errors escape (as many do),
    and takes its time (it prints, it reads more than it needs)."""

    def _check(self, event=None):
        if event is not None:
            time.sleep(0.05)
        with self._lock:
            if self._stopped:
                return
            children = creation_order(self.zk.get_children(self.path))
            me = self.node.rsplit("/", 1)[1]
            if me not in children:
                self.is_leader, self.watching = False, None
                return
            i = children.index(me)
            if i == 0:
                self.watching, self.is_leader = None, True
                return
            self.watching = f"{self.path}/{children[i - 1]}"
            if self.zk.exists(self.watching, watch=self._check) is None:
                self._check()

    def resign(self):
        # No _stopped: a careless resign, whose old watch still acts when it fires.
        with self._lock:
            self.is_leader, self.watching = False, None
            try:
                self.zk.delete(self.node)
            except NoNodeError:
                pass


class ResignRaises(CarelessCandidate):
    """Its resign() deletes the node, then raises."""

    def resign(self):
        super().resign()
        raise RuntimeError("the learner's resign() blew up")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("cls", [CarelessCandidate, HerdCandidate], ids=["careless", "herd"])
def test_close_prints_no_traceback(views, cls, capfd, caplog):
    """Seen failing before the fix: kazoo's "Exception in worker queue thread" with a
    ConnectionClosedError traceback, from the careless candidate's own watch callback."""
    raised = []
    old_hook = threading.excepthook
    threading.excepthook = lambda args: raised.append(args)
    try:
        for _ in range(3):
            view = views(cls)
            view.add_candidates(6)
            assert wait_until(lambda: settled(view, 6, herd=cls is HerdCandidate), 10)
            view.close()
    finally:
        threading.excepthook = old_hook
    out, err = capfd.readouterr()
    logged = [r for r in caplog.records if r.levelno >= 30 and r.name.startswith("kazoo")]
    assert not raised, raised
    assert "Traceback" not in err + out, err + out
    assert not [r for r in logged if r.exc_info], [r.getMessage() for r in logged]
    assert len((out + err).strip().splitlines()) <= 3


def test_one_numbering_labels_join_order_everywhere(views):
    """Candidates are #1..#N in the order they joined: in state(), the picture, the
    rows, the dropdown, and every method's argument."""
    view = views(PredecessorCandidate)
    made = view.add_candidates(4)
    st = wait_until(lambda: settled(view, 4), 10)
    assert st
    assert [c["label"] for c in st["candidates"]] == ["#1", "#2", "#3", "#4"]
    node2 = made[1].node.rsplit("/", 1)[1]
    assert view.expire(2) == node2                 # the candidate labelled #2, not position 2
    st = wait_until(lambda: settled(view, 3), 10)
    assert st and node2 not in [c["node"] for c in st["candidates"]]
    assert [r["label"] for r in st["retired"]] == ["#2"]
    assert view.expire("#3") == made[2].node.rsplit("/", 1)[1]
    st = wait_until(lambda: settled(view, 2), 10)
    assert [c["label"] for c in st["candidates"]] == ["#1", "#4"]
    svg = view.render_svg(st)
    assert ">#1<" in svg and ">#4<" in svg and ">#2<" not in svg.split("holding no node")[0]
    rows = [c for c in st["notifications"]["changes"] if c["kind"] != "join"]
    assert [r["cause"] for r in rows] == ["expire #2", "expire #3"]
    assert "left #2" in svg and "left #3" in svg and "[expire #3]" in svg
    assert view._find("#4")[0].candidate is made[3]
    with pytest.raises(ValueError, match=r"#1 to #4"):
        view.expire(0)
    with pytest.raises(ValueError, match=r"#1 to #4"):
        view.expire(9)


@pytest.mark.timeout(60)
def test_close_says_in_one_line_what_the_candidates_raised(views, capfd, caplog):
    view = views(ResignRaises)
    view.add_candidates(3)
    assert wait_until(lambda: settled(view, 3), 10)
    view.close()
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert out.strip().splitlines() == [
        "LiveView closed. Ignored while your candidates stopped: "
        "#3.resign() raised RuntimeError; #2.resign() raised RuntimeError; "
        "#1.resign() raised RuntimeError."], out


@pytest.mark.timeout(120)
def test_several_learners_views_at_once_each_count_their_own(ensemble, namespace, lab_classes,
                                                            flood):
    """Four learners' views on one ensemble (two herds, two predecessor chains), failing
    over at the same moment while a fifth user floods it: each reads its own N-1 or 1."""
    kinds = ["lab3", "lab4", "lab3", "lab4"]
    made = []
    try:
        for i, lab in enumerate(kinds):
            cls = lab_classes[lab]
            view = LiveView(ensemble, f"/learner{i}/election", chroot=namespace,
                            make_candidate=lambda client, path, cls=cls: cls(client, path))
            made.append(view)
            view.add_candidates(4 + i)
        go = threading.Barrier(len(made))
        errors = []

        def failover(view):
            try:
                go.wait(10)
                view.resign_leader()
            except Exception as e:                  # reported below, not lost in a thread
                errors.append(e)
        threads = [threading.Thread(target=failover, args=(v,)) for v in made]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        got = [v.state()["notifications"]["last_failover"] for v in made]
        expected = [(4 + i - 1) if lab == "lab3" else 1 for i, lab in enumerate(kinds)]
        assert got == expected
    finally:
        for view in made:
            view.close()


# --- lab 6 (fencing tokens, the store), the picture as a learner reads it, closing ------

def _state(candidates, arrows=(), store=None):
    """A hand-made ``state()`` dict for the pure picture (no ensemble): the one the view's
    unit tests draw from (tests/unit/test_view_picture.py)."""
    return _unit_view_tests().state(candidates, arrows=arrows, path=ELECTION, store=store)


def _unit_view_tests():
    path = Path(__file__).parent / "unit" / "test_view_picture.py"
    spec = importlib.util.spec_from_file_location("view_picture_unit_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_arrows_have_heads_and_the_picture_a_legend():
    """Each arrow ends in a marker defined once, one per colour; the legend says what the
    boxes, the arrows, the dashed arrow, the loop and the token mean."""
    from harness.learner.view.svg import render_svg
    st = _state(3, arrows=[(0, 0), (1, 0), (2, 1)])       # #1 watches its own node (lab 5)
    st["arrows"][2].update(source="candidate", confirmed=False)
    svg = render_svg(st)
    defined = re.findall(r'<marker id="([^"]+)"', svg)
    assert len(defined) == len(set(defined)) >= 2
    arrows = re.findall(r'<path class="arrow"[^>]*>', svg)
    assert len(arrows) == 3
    for path in arrows:
        used = re.search(r'marker-end="url\(#([^)]+)\)"', path).group(1)
        colour = re.search(r'stroke="(#[0-9a-f]+)"', path).group(1)
        assert used in defined and used.startswith("zkv-head-" + colour[1:] + "-")
    assert 'stroke-dasharray' in arrows[2]                  # the unlisted watch: dashed
    legend = svg.split('class="legend"')[1]
    for words in ("the leader: the first node in line", "says it leads, but its node is not",
                  "watches: the head is at the node it watches",
                  "a watch the servers do not list", "watches its own node",
                  "its node&#x27;s czxid"):
        assert words in legend, words
    assert "store" not in legend                            # no store, no store line
    # no loop drawn, no loop explained
    assert "watches its own node" not in render_svg(_state(2, arrows=[(1, 0)]))


def test_each_candidates_token_is_the_czxid_of_its_node(views, zk):
    view = views(PredecessorCandidate)
    view.add_candidates(3)
    st = wait_until(lambda: settled(view, 3), 10)
    assert st
    svg = view.render_svg(st)
    for c in st["candidates"]:
        stat = zk.exists(f"{ELECTION}/{c['node']}")
        assert c["token"] == stat.czxid, c
        assert f'data-token="{stat.czxid}"' in svg and f">{stat.czxid}<" in svg
    tokens = [c["token"] for c in st["candidates"]]
    assert tokens == sorted(tokens) and len(set(tokens)) == 3


def test_the_stores_writes_refused_ones_too_show_in_state_and_picture(views, tmp_path):
    """A leader's write with its term's token, the next leader's, then the old leader's
    late write (its old token): refused, in state() and in red in the picture."""
    from harness.store.client import StoreClient
    from harness.store.process import StoreProcess

    with StoreProcess.started(tmp_path, fenced=True) as store:
        view = views(PredecessorCandidate, store=store)
        assert view.state()["store"] == {"writes": [], "accepted": 0, "refused": 0}
        view.add_candidates(2)
        st = wait_until(lambda: settled(view, 2), 10)
        old, new = (c["token"] for c in st["candidates"])
        writers = {name: StoreClient(store.address, name, store.add_writer(name))
                   for name in ("c1", "c2")}
        try:
            for n in range(6):
                assert writers["c1"].write("config", f"c1 #{n}", token=old)
            view.resign_leader()                           # an action: it reads the store
            assert view.state()["store"]["accepted"] == 6
            assert writers["c2"].write("config", "c2 #1", token=new)
            assert not writers["c1"].write("config", "c1 late", token=old)
            assert not writers["c1"].write("config", "c1 no token")
            st = view.refresh()
        finally:
            for w in writers.values():
                w.close()
    assert st["store"]["accepted"] == 7 and st["store"]["refused"] == 2
    writes = st["store"]["writes"]
    assert len(writes) == 8 and writes[0]["value"] == "c1 #1"      # the last 8, oldest first
    assert writes[-2:] == [
        {"writer": "c1", "value": "c1 late", "token": old, "accepted": False},
        {"writer": "c1", "value": "c1 no token", "token": None, "accepted": False}]
    svg = view.render_svg(st)
    assert svg.count('class="write"') == 8
    refused = re.findall(r'<g class="write" data-accepted="false">.*?</g>', svg)
    assert len(refused) == 2 and all("REFUSED" in r and "#b91c1c" in r for r in refused)
    assert "&#x27;c1 late&#x27;" in refused[0] and f">{old}<" in refused[0]
    assert "the store took" in svg.split('class="legend"')[1]
    # the store stopped and its folder went: the view keeps the last writes it read
    assert view.refresh()["store"] == st["store"]


@pytest.mark.timeout(90)
def test_the_notification_total_is_the_sum_of_the_rows(views, lab_classes):
    """Lab 3's herd leader still holds the watch it was elected with: its resignation fires
    it, a notification no row counts. The total is the rows' sum, and the picture says
    which rows it adds up."""
    view = views(lambda client, path: lab_classes["lab3"](client, path))
    view.add_candidates(4)
    assert wait_until(lambda: settled(view, 4, herd=True), 10)
    view.resign_leader()
    view.resign_leader()
    n = view.state()["notifications"]
    assert n["total"] == sum(c["notifications"] for c in n["changes"]) > 0
    assert n["changes_seen"] == len(n["changes"]) == 6
    assert n["received"] > n["total"]     # the old total ("since the view opened") was this
    svg = view.render_svg()
    assert f'data-total="{n["total"]}"' in svg
    assert f"in all 6 changes since the view opened: {n['total']} notifications" in svg
    rows = [int(k) for k in re.findall(r'class="change[^"]*" data-notifications="(\d+)"', svg)]
    assert len(rows) == 5 and sum(rows) == n["total"]      # 2 earlier changes in one row, 4


def test_the_rows_listed_add_up_to_the_total(views):
    view = views(PredecessorCandidate)
    view.add_candidates(2)
    assert wait_until(lambda: settled(view, 2), 10)
    view.resign_leader()
    n = view.state()["notifications"]
    assert n["total"] == sum(c["notifications"] for c in n["changes"])
    svg = view.render_svg()
    rows = [int(k) for k in re.findall(r'<tspan font-weight="600">(\d+)</tspan> notification', svg)]
    assert len(rows) == 3 and sum(rows) == n["total"]
    assert f"in the 3 changes listed below: {n['total']} notification" in svg


def _gone(view, clients):
    return (not view._thread.is_alive()
            and all(c._stopped.is_set() and not c.connected for c in clients))


@pytest.mark.timeout(60)
def test_close_twice_leaves_nothing_and_refuses_what_comes_after(views, zk):
    from harness.learner.view.actions import _OPEN
    view = views(PredecessorCandidate)
    view.add_candidates(3)
    assert wait_until(lambda: settled(view, 3), 10)
    clients = [view._client, *(e.client for e in view._entries)]
    view.close()
    view.close()
    assert wait_until(lambda: _gone(view, clients), 5)
    assert view not in _OPEN and zk.get_children(ELECTION) == []
    for act in (view.add_candidate, view.resign_leader, lambda: view.expire(1),
                lambda: view.kill_server(1)):
        with pytest.raises(RuntimeError, match="closed"):
            act()
    assert "(closed)" in repr(view)


class StartRaises(PredecessorCandidate):
    """A learner's candidate whose start() raises once its node is made."""

    def start(self):
        super().start()
        raise RuntimeError("the learner's start() blew up")


@pytest.mark.timeout(90)
def test_a_cell_that_failed_can_be_run_again(views, zk, ensemble, namespace):
    """The notebook cell ``view = LiveView(...); view.add_candidates(3)`` fails (the
    learner's class, or the view itself), and is run again: it works, and the first run
    left nothing behind (no node, client or thread)."""
    from kazoo.exceptions import NoAuthError
    from kazoo.security import make_acl
    before = set(threading.enumerate())
    first = views(StartRaises)
    with pytest.raises(RuntimeError, match="blew up"):
        first.add_candidates(3)
    assert first.candidates == []
    wrong = views(lambda client: PredecessorCandidate(client, ELECTION))   # a typo
    assert first._closed
    with pytest.raises(TypeError):
        wrong.add_candidate()
    # the view itself fails: it may not create its election path there
    zk.create("/locked", acl=[make_acl("world", "anyone", read=True)])
    with pytest.raises(NoAuthError):
        LiveView(ensemble, ELECTION, chroot=f"{namespace}/locked")
    again = views(PredecessorCandidate)
    assert wrong._closed and not again._closed
    again.add_candidates(3)
    st = wait_until(lambda: settled(again, 3), 10)
    assert st and [c["label"] for c in st["candidates"]] == ["#1", "#2", "#3"]
    assert {c["node"] for c in st["candidates"]} == set(zk.get_children(ELECTION))
    again.close()
    assert wait_until(lambda: set(threading.enumerate()) <= before, 10), \
        [t.name for t in set(threading.enumerate()) - before]
