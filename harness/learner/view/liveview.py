"""``LiveView``: its API and the shape of ``state()``.

Labs 3-5 watch an election with it; lab 6 (fencing) also gives it the store
(``store=``), and reads each node's fencing token in the boxes and the store's
last writes, accepted or refused, in a table under them.

One cell of a lab notebook::

    from harness.learner.view import LiveView
    view = LiveView(ens, election_path="/election",
                    make_candidate=lambda client, path: Candidate(client, path))
    view.add_candidates(5)       # five candidates, each on its own new client (own session)
    view                         # last expression of a cell: shows the widget (or view.show())

One numbering: the candidates the view makes are labelled ``#1``, ``#2``, ... in the order
they joined (the order ``add_candidate`` made them), and keep their label for life (a
candidate that rejoins with a new node is still ``#k``). The same ``#k`` is the label in
the picture, in the rows of notifications, in the dropdown, in ``state()``, and the
argument of ``view.expire(k)``. A node's sequence number is shown as ``seq 42`` (never
``#42``); a node the view did not make is labelled by the start of its guid.

What it shows, read from ZooKeeper itself (``model``): the children of ``election_path``
in sequence order, one box each, the first drawn in gold as the recipe's leader (a
candidate that says ``is_leader`` while its node is not first is drawn red, "claims
lead!"); an arrow from each candidate to what it watches, from the candidate's own
``watching`` and from the servers' watch lists (so candidates made elsewhere get arrows
too, a leaked watch on a gone node shows up, and a herd candidate points at the
``/election`` box); the watch notifications the view's own candidates received for each
change (``notifications``); the three servers and their state (``leader``,
``follower``, ``down``, ``paused``, ``not serving``); each node's fencing token (its
``czxid``); with a ``store``, its last writes (``storelog``); and a legend.

Buttons (in Jupyter) and methods (anywhere; each returns once the view has seen its effect):

    view.add_candidates(n=1)     # -> list of the new candidate objects (needs make_candidate)
    view.add_candidate()         # -> the new candidate object (labelled #<next>)
    view.resign_leader()         # the first node's candidate resigns (-> its node name); a
                                 # node the view did not create is deleted by the view instead
    view.expire(k)               # REAL session expiry (Ensemble.expire_session) of candidate
                                 # #k (k = 1, 2, ...: join order; "#k" or its node name too)
    view.kill_server(i)          # SIGKILL ZooKeeper server i (1..3); waits for running graded
                                 # checks, then holds the fault lock until it is restarted
    view.restart_server(i)       # start it again; returns once it serves (or after 30 s)
    view.show()                  # display the widget (IPython.display)
    view.widget                  # the ipywidgets.VBox itself
    view.refresh()               # re-read servers and watch lists now; -> state()
    view.render_svg()            # the SVG picture (str), no browser needed
    view.render_html()           # the SVG in a <div>, what the widget shows (str)
    view.candidates              # the candidate objects the view made: view.candidates[k-1] is #k
    view.close()                 # stop the candidates (resign), let their callbacks finish,
                                 # close every client the view made, restart what it killed
                                 # (a second call does nothing; no thread or session is left)

``view.state()`` is a plain dict of what is shown (what tests assert on)::

    {"election_path": "/election",
     "candidates": [ {"node": "5b0c..-n_0000000003", "seq": 3, "position": 0,
                      "label": "#1",           # #k for the view's own (join order), else the guid start
                      "ours": True,            # created by this view
                      "session": 0x1000..,     # ephemeralOwner
                      "server": 2,             # server carrying that session (None: unknown)
                      "is_leader": True,       # what the candidate says (None: not ours)
                      "watching": None,        # node name / election path / None (ours only)
                      "client_state": "CONNECTED",
                      "token": 4294967301},   # the node's czxid: its fencing token
                                              # (None: not read yet)
                    ...],                     # in sequence order
     "leader": "5b0c..-n_0000000003",          # first node, or None
     "claims": ["5b0c..-n_0000000003"],        # nodes whose candidate says is_leader
     "labels": {"5b0c..-n_0000000003": "#1", ...},   # every node the view has seen
     "arrows": [ {"from": node, "to": node name or election path,
                  "kind": "node" | "children",
                  "source": "candidate" | "server",
                  "confirmed": True | False | None,   # seen in the server's watch lists
                                                      # (None: children watches are not listed)
                  "exists": True}, ...],              # False: the watched node is gone
     "servers": {1: "leader", 2: "follower", 3: "down"},
     "notifications": {"available": True,     # the candidates' clients can be counted
                       "total": 12,           # the sum of every change's count since the view
                                              # opened: the rows add up to it (while all of
                                              # them are kept, see "changes_seen")
                       "changes_seen": 5,     # changes since the view opened (rows: last 20)
                       "received": 13,        # every notification the candidates' clients
                                              # received, also those no change counts (a
                                              # leaving candidate's own, between changes)
                       "last_change": 1, "last_failover": 1,   # None until there is one
                       "changes": [ {"kind": "failover"|"join"|"leave"|"change",
                                     "removed": [...], "added": [...],
                                     "leader_before": ..., "leader_after": ...,
                                     "cause": "resign #1" | None,
                                     "settled": True,   # its number is final
                                     "notifications": 1}, ...]},   # oldest first, last 20
     "retired": [ {"label": "#1", "node": ..., "is_leader": False,
                   "client_state": "CONNECTED"}, ...],   # ours, holding no node now
     "view": {"client_state": "CONNECTED", "session": 0x..., "server": 1},
     "store": {"writes": [ {"writer": "c1", "value": "c1 #1", "token": 4294967301,
                            "accepted": True}, ...],   # its log's last 8, oldest first
               "accepted": 5, "refused": 1},          # in all; None: the view has no store
     "error": None}                           # the last error of a refresh or a button

Constructor: ``LiveView(ens=None, election_path="/election", make_candidate=None,
chroot=None, session_timeout=2.0, view_timeout=4.0, replace=True, store=None)``. ``ens``
defaults to
the workshop's ensemble. ``chroot`` is the namespace of every client the view makes (the
view's own and the candidates'); the default ``None`` means the lab's playground
(``/playground/labN``) once ``workshop.start("labN")`` ran, else the root. Pass
``chroot=zk.chroot`` to look at what a client ``zk`` sees. ``make_candidate(client,
election_path)`` returns a candidate with the lab 3/4/5 shape (``start()``, ``node``,
``is_leader``, ``watching``, ``resign()``); without it the view only observes.
``session_timeout`` is the session timeout (s) of the candidates' clients,
``view_timeout`` the view's own. With ``replace=True`` a new view first closes the open
views of the same election path in this process (with their candidates), so re-running
a notebook cell starts afresh, also after the cell failed (a constructor that fails
closes what it opened). ``store`` is lab 6's store (``workshop.store()``, or anything with
a ``.log()``): its log is read on every refresh (it has no watch).
"""
from __future__ import annotations

from harness.learner.view.actions import _OPEN, ActionsPart
from harness.learner.view.model import ModelPart
from harness.learner.view.notifications import CountingPart
from harness.learner.view.storelog import StorePart
from harness.learner.view.widget import WidgetPart

__all__ = ["LiveView"]


def _defaults(ens, chroot):
    """The workshop's ensemble, and the lab's playground once ``workshop.start`` ran."""
    if ens is None:
        from harness.learner import workshop
        ens = workshop.ensemble()
    if chroot is None:
        from harness.learner import workshop
        lab = workshop._state.get("lab")
        chroot = workshop.playground_path(lab) if lab else ""
    return ens, chroot


class LiveView(ActionsPart, WidgetPart, CountingPart, StorePart, ModelPart):
    """See the module docstring: the API, the state dict. Each part is a module of this
    package: ``model`` (the truth and ``state()``), ``notifications`` (the count per
    change), ``storelog`` (lab 6's store), ``actions`` (the buttons' and methods'
    effects), ``widget`` (the page)."""

    def __init__(self, ens=None, election_path: str = "/election", make_candidate=None,
                 chroot: str | None = None, session_timeout: float = 2.0,
                 view_timeout: float = 4.0, replace: bool = True, store=None):
        ens, chroot = _defaults(ens, chroot)
        self.ens = ens
        self.chroot = chroot.rstrip("/")
        self.election_path = "/" + election_path.strip("/")
        self.server_path = self.chroot + self.election_path   # as the servers name it
        self.make_candidate = make_candidate
        self.session_timeout = session_timeout
        if replace:                       # a re-run notebook cell replaces its old view
            for old in [v for v in _OPEN if v.server_path == self.server_path]:
                old.close()
        self._init_model()
        self._init_counting()
        self._init_actions()
        self._init_store(store)
        self._init_widget()
        try:
            self._connect(view_timeout)
        except BaseException:             # no half-made view left behind (its client)
            self.close()
            raise
        _OPEN.append(self)

    @property
    def candidates(self) -> list:
        """The candidate objects this view made, in creation order."""
        return [e.candidate for e in self._entries]

    def refresh(self) -> dict:
        """Re-read server states and watch lists now; return ``state()``."""
        self._refresh_now()
        self._rerender()
        return self.state()

    def __repr__(self):
        st = self.state()
        lead = next((c["label"] for c in st["candidates"] if c["node"] == st["leader"]), None)
        return (f"<LiveView of {self.server_path}: {len(st['candidates'])} candidate(s), "
                f"leader {lead}, servers {st['servers']}{' (closed)' if self._closed else ''}>")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
