"""The world a check talks to: the learner's code on one side, the ensemble on the other.

MIT 6.5840's ``config.go`` is the model: one object per check owns everything
the check starts, and is the one door through which it reaches the learner's
code, the truth on the servers, and every fault. A check reads like a script:

    def test_something(world):
        a, b, c = world.start("Candidate", 3, proxied=1)   # a's link goes through a FaultProxy
        world.expect_one_leader([a, b, c], a)
        world.cut(a.zk)                          # a closed socket, for real
        world.expire(b.zk)                       # a real expiry, done by the servers
        world.kill_leaders_server(c)             # SIGKILL of a real server (@pytest.mark.faults)
        world.pause(c)                           # SIGSTOP of c's own sandbox process
        world.quiesce([a, b, c])                 # every notification handled by their callbacks
        world.observer.exists(c.node)            # the grader's own client reads the truth

Two sides, never mixed:

- **The learner's side** lives in the sandbox (``harness.sandbox``): the lab's
  functions (``world.lab``), the clients passed to them (``world.client``),
  the candidates built on those clients. What it reports (a return value,
  ``is_leader``, a callback) is a claim.
- **The grader's side** (``reads.GraderReads``): ``world.observer`` and
  ``world.grader_client()`` are the grader's own kazoo clients; the servers'
  word is the ground truth.

Each check's namespace (a znode of its own) carries a digest ACL: the grader's
credential, and this run's learner credential (the sandbox's clients create
their nodes with that ACL). Another submission graded on the same ensemble at
the same time holds another credential and can neither read nor change them.
"""
from __future__ import annotations

import shutil

from harness.ensemble import RECONNECT, EnsembleError
from harness.ensemble.proxy import FaultProxy
from harness.recipe import ELECTION, SESSION_TIMEOUT, close_quietly
from harness.sandbox.host import LearnerError, LearnerTimeout, Sandbox
from harness.waits import wait_until
from harness.world.grading_run import Grading
from harness.world.reads import GraderReads
from harness.world.secrets import acl_as_data, sandbox_seed, seed_key
from harness.world.verdicts import CheckFailure


class World(GraderReads):
    """One check: its namespace, its sandbox(es), clients on both sides, its faults."""

    def __init__(self, grading: Grading, module: str, namespace: str, seed: str | None = None,
                 may_break: bool = False):
        self.grading, self.module, self.namespace = grading, module, namespace
        self.seed = seed
        self.may_break = may_break        # the check holds the ensemble alone (faults marker)
        self.broke = False                # it broke a server: heal it at the end
        self.faulted = False              # it did any fault (server, session, link, process)
        self.ensemble = grading.ensemble
        self.sandbox = grading.sandbox_for(module)
        self._seed(self.sandbox, "")
        self.lab = self.sandbox.lab(module)
        self._extra: list[Sandbox] = []
        self._grader_clients = []
        self._proxies = []
        self._observer = None
        self._per_server: dict[int, object] = {}
        self._labels = 0
        self._stores = []
        self.notes: list[str] = []        # for the grader's log: what the learner need not read

    # --- the learner's side --------------------------------------------------------

    def client(self, timeout: float = SESSION_TIMEOUT, proxied: bool = False, sandbox=None,
               label: str = "", quick_reconnect: bool | None = None):
        """A started kazoo client in the learner's sandbox, in this check's namespace.

        ``proxied``: it reaches the ensemble through a FaultProxy of its own (so
        ``world.cut/hold/heal`` reach it), and reconnects at most 0.5 s apart, so a
        check times the learner's code, not kazoo's back-off. ``quick_reconnect``
        asks the same of a direct client: after an outage of seconds, kazoo's own
        back-off (doubling from 0.1 s) may wait longer than the session lives. By
        default a check that breaks nothing asks it too: there only a loaded machine
        drops a connection, and a learner's ``create`` waited out a check's 30 s
        behind that back-off in a class graded beside floods (a likely cause, not a
        proven one: the grading left no log). Fault checks keep kazoo's own.
        """
        quick = (proxied or not self.may_break) if quick_reconnect is None else quick_reconnect
        sb = sandbox or self.sandbox
        proxy = None
        if proxied:
            proxy = FaultProxy(limits=self.grading.watch_limits)
            self._proxies.append(proxy)
            hosts = proxy.hosts()
        else:
            hosts = self.grading.gateway_hosts()
        return sb.client(hosts, chroot=self.namespace, timeout=timeout,
                         auth=[list(self.grading.learner.auth)],
                         acl=acl_as_data(self.grading.namespace_acl()),
                         reconnect=RECONNECT if quick else None, label=label, proxy=proxy)

    def _seed(self, sandbox: Sandbox, label: str) -> None:
        """The check's seed for the learner's randomness there (guids, ``random``): with the
        same seed, a graded run draws the same values again."""
        if self.seed is not None:
            sandbox.request("seed", seed=sandbox_seed(self.seed, label, seed_key()),
                            timeout=10)

    def clients(self, n: int, **kwargs) -> list:
        return [self.client(**kwargs) for _ in range(n)]

    def new_sandbox(self, label: str = "") -> Sandbox:
        """Another process running the same submission (to freeze one candidate alone)."""
        sb = self.grading.new_sandbox(label or f"sandbox {len(self._extra) + 2}")
        self._extra.append(sb)
        self._seed(sb, sb.label)
        sb.request("import", module=self.module, timeout=60)
        return sb

    def candidate(self, cls: str, client, path: str = ELECTION, label: str = "",
                  callbacks=("on_elected",), extra=()):
        """One of the lab's candidate classes, built in the client's sandbox (not started);
        ``extra``: its arguments after the path (lab 6: a store client of the same sandbox)."""
        self._labels += 1
        return client.sandbox.lab(self.module).__getattr__(cls).candidate(
            client, path, callbacks=callbacks, label=label or f"candidate #{self._labels}",
            extra=extra)

    # --- lab 6: the storage service -------------------------------------------------

    def store(self, fenced: bool = True):
        """A storage service of this check's own (a real process on loopback): its
        ``log()`` is the grader's ground truth, which the learner's code cannot read."""
        import tempfile

        from harness.store.process import StoreProcess
        store = StoreProcess(tempfile.mkdtemp(prefix="zk-store-"), fenced=fenced)
        self._stores.append(store)
        return store

    def store_client(self, store, writer: str, sandbox=None):
        """A client of ``store`` in the learner's sandbox, writing as ``writer`` (a secret
        of its own proves it: another sandbox cannot write in its name)."""
        from harness.sandbox.remote import RemoteStore
        return RemoteStore(sandbox or self.sandbox, store.address, writer, store.add_writer(writer))

    def guard_saboteur(self, client, node: str):
        """Lab 6's race: wrap a sandbox client so that ``node`` is deleted right after the
        first read that finds it (a check and a write in two calls then write too late)."""
        from harness.sandbox.remote import RemoteGuardSaboteur
        killer = self.client(sandbox=client.sandbox)
        return RemoteGuardSaboteur(client.sandbox, client, killer, node)

    def start(self, cls: str, n: int = 1, proxied: int = 0, timeout: float = SESSION_TIMEOUT,
              path: str = ELECTION, callbacks=("on_elected",), sandbox=None) -> list:
        """``n`` candidates, each on a client of its own (the first ``proxied`` of them behind
        a FaultProxy), started one after the other; each start() has returned."""
        cands = []
        for i in range(n):
            zk = self.client(timeout=timeout, proxied=i < proxied, sandbox=sandbox)
            cand = self.candidate(cls, zk, path, callbacks=callbacks)
            cand.start()
            cands.append(cand)
        return cands

    @staticmethod
    def leaders(cands) -> list:
        return [c for c in cands if c.is_leader]

    def expect_one_leader(self, cands, expected, deadline: float = 5.0, after: str = "") -> None:
        """``expected`` is the only leader within ``deadline``, and stays so once every
        notification has been handled (``elections.expect_single_leader``)."""
        from harness.world.elections import expect_single_leader
        expect_single_leader(self, cands, expected, deadline, after)

    def stuck_in_listener(self) -> str:
        """A sentence when kazoo's connection thread is inside the learner's code (a state
        listener that blocks it), as the lab's sandbox says; else ''. Message only."""
        try:
            where = self.sandbox.request("listener_where", timeout=3)
        except Exception:       # a sandbox that cannot say: no claim
            return ""
        if not isinstance(where, str) or not where:
            return ""
        return (f" kazoo's connection thread is inside your code, at {where[:300]}: a state "
                "listener runs on that thread, and while it calls ZooKeeper or waits there, "
                "no reply and no state change reaches your client. Let the listener only "
                "note the state and wake your own thread.")

    def quiesce(self, things, rounds: int = 2, timeout: float = 5.0) -> None:
        """Return once every notification the servers owed these clients (or candidates'
        clients) has been handled by the learner's callbacks, in each sandbox."""
        by_sandbox: dict = {}
        clients = []
        for t in things:
            client = getattr(t, "zk", t)
            client = getattr(client, "real", client)      # a RemoteSaboteur's own client
            clients.append(client)
            by_sandbox.setdefault(id(client.sandbox), (client.sandbox, set()))[1].add(client.handle)
        for sb, handles in by_sandbox.values():
            try:        # the sandbox's quiesce skips clients that are not connected
                sb.request("quiesce", clients=sorted(handles), rounds=rounds, limit=timeout,
                           timeout=timeout * rounds * 2 + 10, what="handling notifications")
            except LearnerError as e:
                # A sync lost with a connection that broke by itself is the ensemble's doing
                # (CI once lost an honest lab 4 mark so, graded beside floods on one
                # ensemble), unless the check broke something or the submission pressed on
                # its limits: a flood's own load may be what dropped its connection.
                if (e.type_name == "SyncLost" and not (self.faulted or self.may_break)
                        and not self.grading.pressed()):
                    self.unless_broken_beneath(clients, e.message.split(":")[0], under_way=True)
                if e.type_name in ("NotQuiet", "SyncLost"):
                    raise CheckFailure(e.message) from None
                raise

    def unless_broken_beneath(self, client, what: str, settle: float = SESSION_TIMEOUT + 1,
                              under_way: bool = False) -> None:
        """Raise an infrastructure error if ``what`` (something the grader found missing)
        went with ``client``'s connection, which broke by itself (RemoteClient.broke_by_itself);
        ``client`` may be a list: any one of them.

        Call it only before the check has broken anything (no fault, expiry or cut yet):
        then such a break is the ensemble's doing (a server restarting beside a busy
        grader), never a verdict on the learner's code. (What the sandbox reports is the
        learner's to forge; forging it earns "regrade", never a point.) ``settle``: how
        long kazoo may take to reconnect after a break that has only just begun.
        ``under_way``: what failed came with the break itself (kazoo fails a pending
        request before it tells the listeners), so the break may not have reached the
        grader yet: look for it until ``settle`` even if no client shows one now.
        """
        clients = client if isinstance(client, list) else [client]
        if not under_way and all(s == "CONNECTED" for c in clients for s in c.states()):
            return                          # none broke: what is missing is missing
        why = wait_until(lambda: next(filter(None, (c.broke_by_itself() for c in clients)), None),
                         settle)
        if why:
            raise EnsembleError(f"{what}: {why} during a check that breaks nothing; rerun")

    # --- faults: each one real thing done to a real server, process, session or socket ---

    def _breaking(self, what: str) -> None:
        if not self.may_break:
            raise RuntimeError(f"{what} breaks the ensemble every grading shares: mark the "
                               "check @pytest.mark.faults (it then runs alone)")
        self.broke = self.faulted = True

    def kill(self, server: int) -> None:
        """SIGKILL ZooKeeper server ``server`` (1..3): no goodbye to its clients or peers."""
        self._breaking(f"killing zoo{server}")
        self.ensemble.kill(server)

    def restart(self, server: int) -> None:
        """Start a killed server again; it rejoins the quorum on its own."""
        self._breaking(f"restarting zoo{server}")
        self.ensemble.start(server)

    def kill_leaders_server(self, leader) -> int:
        """SIGKILL the server that carries ``leader``'s session; its number."""
        sid = leader.zk.session_id
        server = self.ensemble.server_of(sid) if sid is not None else None
        if server is None:
            raise EnsembleError(f"no server reports a connection for {leader.label}'s session")
        self.kill(server)
        return server

    def pause(self, target) -> None:
        """Freeze ``target`` (SIGSTOP): a server by its number, or the sandbox process of a
        candidate or client (every thread of it, kazoo's connection thread too: a GC pause)."""
        if isinstance(target, int):
            self._breaking(f"pausing zoo{target}")
            self.ensemble.pause(target)
        else:
            self.faulted = True
            _sandbox_of(target).pause()

    def resume(self, target) -> None:
        """Thaw what ``pause`` froze (SIGCONT)."""
        if isinstance(target, int):
            self.ensemble.resume(target)
        else:
            _sandbox_of(target).resume()

    def cut(self, client) -> None:
        """Close a proxied client's link: kazoo sees its connection drop (SUSPENDED)."""
        self.faulted = True
        _proxy_of(client).cut()

    def hold(self, client) -> None:
        """Stall a proxied client's link: nothing crosses it, and nothing is closed."""
        self.faulted = True
        _proxy_of(client).hold()

    def heal(self, client=None) -> None:
        """Let a proxied client's link carry traffic again; with no client, every link of
        this check and every server (started, resumed, in sync)."""
        if client is not None:
            _proxy_of(client).heal()
            return
        for proxy in self._proxies:
            proxy.heal()
        if self.broke:
            self.ensemble.heal()

    def drop_after_next_create(self, client):
        """Let a proxied client's next create reach the server, and close its link before
        the reply comes back: the node exists, the client sees ConnectionLoss. The proxy's
        ``dropped`` event is set when it happened; ``drops`` says what was dropped."""
        self.faulted = True
        proxy = _proxy_of(client)
        proxy.drop_after_next_create()
        return proxy

    def expire(self, client, timeout: float = 10.0) -> None:
        """Expire a client's session on the servers, for real (they delete its ephemerals)."""
        self.faulted = True
        self.ensemble.expire_session(client, timeout=timeout)

    def judge(self, rec, what: str = "", stop: bool = True) -> None:
        """End a recorded election (``stop``) and hold it to its invariants: no two leaders at
        once, nobody leading while disconnected. Fails with the timeline around the first
        broken invariant. ``stop=False`` judges what was recorded so far and goes on."""
        from harness.world.timeline import check_election, explain
        if stop:
            rec.stop()
        problems = check_election(rec)
        if problems:
            raise CheckFailure((what or "Two candidates led at once, or one led while "
                                "disconnected:") + "\n" + explain(rec, problems))

    # --- the end -----------------------------------------------------------------------

    def close(self) -> None:
        for proxy in self._proxies:
            proxy.heal()
        if self.broke:
            self.ensemble.heal()
        for sb in [self.sandbox, *self._extra]:
            if sb.gone:
                continue
            try:
                sb.resume()
                stuck = sb.request("reset", timeout=15, what="closing your clients")
                if stuck and sb is self.sandbox:
                    sb.kill("a client could not be closed (learner code blocked kazoo's threads)")
            except (LearnerError, LearnerTimeout):
                pass
        for sb in self._extra:
            sb.close()
        for c in self._grader_clients:
            close_quietly(c)
        for store in self._stores:
            store.stop()
            shutil.rmtree(store.folder, ignore_errors=True)
        for proxy in self._proxies:
            proxy.close()


def _sandbox_of(target) -> Sandbox:
    """The sandbox process a candidate, a client or a sandbox lives in."""
    if isinstance(target, Sandbox):
        return target
    for holder in (target, getattr(target, "zk", None)):
        sandbox = getattr(holder, "sandbox", None)
        if isinstance(sandbox, Sandbox):
            return sandbox
    raise TypeError(f"{target!r} is neither a server number nor a candidate, client or sandbox")


def _proxy_of(client):
    proxy = getattr(getattr(client, "zk", client), "proxy", None)
    if proxy is None:
        raise TypeError(f"{client!r} has no fault proxy: make it with world.client(proxied=True)")
    return proxy
