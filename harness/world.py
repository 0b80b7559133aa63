"""The world a check talks to: the learner's code on one side, the ensemble on the other.

MIT 6.5840's ``config.go`` is the model: one object per check that owns
everything the check starts, with verbs a check reads like a script.

    def test_something(world, faults):
        zk = world.client()                      # a kazoo client in the learner's sandbox
        a, b, c = world.start("Candidate", 3, proxied=1)   # a's link goes through a FaultProxy
        world.expect_one_leader([a, b, c], a)
        a.zk.proxy.cut()                         # a closed socket, for real
        world.expire(b.zk)                       # a real expiry, done by the servers
        world.kill_leaders_server(c)             # SIGKILL of a real server
        world.quiesce([a, b, c])                 # every notification handled by their callbacks
        world.observer.exists(c.node)            # the grader's own client reads the truth

Two sides, never mixed:

- **The learner's side** lives in the sandbox (``harness.sandbox``): the lab's
  functions (``world.lab``), the clients passed to them (``world.client``),
  the candidates built on those clients. What it reports (a return value,
  ``is_leader``, a callback) is a claim.
- **The grader's side** lives here: ``world.observer`` and
  ``world.grader_client()`` are the grader's own kazoo clients, the ensemble
  (``world.ensemble``: ``wchc``, ``cons``, ``mntr``, kills, expiries), and the
  fault proxies. The servers' word is the ground truth.

Each check's namespace (a znode of its own) carries a digest ACL: the grader's
credential, and this run's learner credential (the sandbox's clients create
their nodes with that ACL). Another submission graded on the same ensemble at
the same time holds another credential and can neither read nor change them.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from kazoo.security import ACL, make_digest_acl

from . import loader, manifest
from .checkkit import RECONNECT, CheckFailure, CommittedReads, close_quietly
from .sandbox.host import LearnerError, LearnerTimeout, Sandbox
from .sandbox.jail import Jail

SESSION_TIMEOUT = 2.0           # seconds; 10 ticks of the ensemble
ELECTION = "/election"


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
    from .launcher import state_dir
    # an unreadable state folder: a secret for this run only
    return kept_secret(state_dir() / "grader-secret", 24) or secrets.token_hex(24)


def seed_key_path() -> Path:
    """Where the key of the sandbox's seed lives: the grader's home, not an ensemble's
    state folder, so every ensemble side by side (each with a state folder of its own)
    and every later grading on this machine use the same key. ``ZK_WORKSHOP_SEED_KEY``
    names another file."""
    default = Path.home() / ".local" / "state" / "zk-workshop" / "seed-key"
    return Path(os.environ.get("ZK_WORKSHOP_SEED_KEY", default))


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


class Grading:
    """What one grading run (one pytest session, one submission) shares between its checks."""

    def __init__(self, ensemble, submission: Path, cells_override: dict | None = None):
        self.ensemble = ensemble
        self.submission = Path(submission)
        self.cells_override = cells_override or {}      # module -> cells, from check()
        self.grader = Credential("grader", grader_secret())
        self.learner = Credential("learner", secrets.token_hex(16))
        self.jail = None
        self.sandboxes: dict[str, Sandbox] = {}
        self.imported: dict[str, str | None] = {}        # module -> load error, or None
        self.guarded: set[str] = set()                   # namespace prefixes already guarded

    # the ACL every namespace and every node of the learner's carries
    def namespace_acl(self) -> list[ACL]:
        return [self.grader.acl(), self.learner.acl()]

    def labs_payload(self) -> dict:
        """The solution cells of every lab, as data (the sandbox never reads the files)."""
        out = {}
        for lab in manifest.labs():
            if lab.module in self.cells_override:
                out[lab.module] = {"notebook": lab.notebook, "cells": self.cells_override[lab.module]}
                continue
            try:
                cells = loader.solution_cells(self.submission / lab.notebook)
                if not cells:
                    raise loader.LabLoadError(
                        f"{lab.notebook} has no code cell tagged '{loader.SOLUTION_TAG}' "
                        "(View > Cell Toolbar > Tags in Jupyter)")
                out[lab.module] = {"notebook": lab.notebook, "cells": cells}
            except loader.LabLoadError as e:
                out[lab.module] = {"error": str(e)}
        return out

    def new_sandbox(self, label: str) -> Sandbox:
        if self.jail is None:
            self.jail = Jail()
        return Sandbox(self.jail, self.labs_payload(), label=label)

    def sandbox_for(self, module: str) -> Sandbox:
        """The lab's own sandbox, started anew if the last one ended or hung.

        One lab's sandbox at a time: moving to another lab, or replacing a
        sandbox that hung or died, ends every process of the run's uid first,
        so what one lab's code left behind (a fork bomb, a detached child, a
        thread spinning) cannot cost another lab its points.
        """
        sb = self.sandboxes.get(module)
        if sb is not None and not sb.gone:
            return sb
        self.end_sandboxes()
        sb = self.sandboxes[module] = self.new_sandbox(module)
        return sb

    def end_sandboxes(self) -> None:
        for old in self.sandboxes.values():
            old.close()
        self.sandboxes.clear()
        if self.jail is not None:
            self.jail.kill_all()

    def load(self, module: str) -> str | None:
        """Import the lab in its sandbox; the load error, in the learner's words, or None."""
        if module not in self.imported:
            try:
                self.sandbox_for(module).request("import", module=module, timeout=60,
                                                 what="the notebook's solution cells")
                self.imported[module] = None
            except LearnerError as e:
                self.imported[module] = (e.message if e.type_name == "LabLoadError"
                                         else e.learner_text())
        return self.imported[module]

    def close(self) -> None:
        self.end_sandboxes()
        if self.jail is not None:
            self.jail.close()
            self.jail = None


class World:
    """One check: its namespace, its sandbox(es), clients on both sides, its candidates."""

    def __init__(self, grading: Grading, module: str, namespace: str, seed: str | None = None):
        self.grading, self.module, self.namespace = grading, module, namespace
        self.seed = seed
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
        self.notes: list[str] = []        # for the grader's log: what the learner need not read

    # --- the learner's side --------------------------------------------------------

    def client(self, timeout: float = SESSION_TIMEOUT, proxied: bool = False, sandbox=None,
               label: str = "", quick_reconnect: bool | None = None):
        """A started kazoo client in the learner's sandbox, in this check's namespace.

        ``proxied``: it reaches the ensemble through a FaultProxy of its own
        (``client.proxy``: cut / hold / heal / drop_after_next_create), and
        reconnects at most 0.5 s apart, so a check times the learner's code,
        not kazoo's back-off. ``quick_reconnect`` (default: ``proxied``) asks the
        same of a direct client: after an outage of seconds, kazoo's own back-off
        may wait longer than the session lives.
        """
        quick = proxied if quick_reconnect is None else quick_reconnect
        sb = sandbox or self.sandbox
        proxy = None
        if proxied:
            from .proxy import FaultProxy
            proxy = FaultProxy()
            self._proxies.append(proxy)
            hosts = proxy.hosts()
        else:
            hosts = self.ensemble.hosts
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
        err = None
        try:
            sb.request("import", module=self.module, timeout=60)
        except LearnerError as e:
            err = e
        if err:
            raise err
        return sb

    def candidate(self, cls: str, client, path: str = ELECTION, label: str = "",
                  callbacks=("on_elected",)):
        """One of the lab's candidate classes, built in the client's sandbox (not started)."""
        self._labels += 1
        return client.sandbox.lab(self.module).__getattr__(cls).candidate(
            client, path, callbacks=callbacks, label=label or f"candidate #{self._labels}")

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
        notification has been handled (``harness.elections.expect_single_leader``)."""
        from .elections import expect_single_leader
        expect_single_leader(self, cands, expected, deadline, after)

    def unless_broken_beneath(self, client, what: str, settle: float = SESSION_TIMEOUT + 1) -> None:
        """Raise an infrastructure error if ``what`` (something the grader found missing)
        went with ``client``'s connection, which broke by itself (RemoteClient.broke_by_itself).

        Call it only before the check has broken anything (no fault, expiry or cut yet):
        then such a break is the ensemble's doing (a server restarting beside a busy
        grader), never a verdict on the learner's code. ``settle``: how long kazoo may take
        to reconnect after a break that has only just begun.
        """
        from .checkkit import wait_until
        from .ensemble import EnsembleError
        if all(s == "CONNECTED" for s in client.states()):
            return                          # it never broke: what is missing is missing
        why = wait_until(client.broke_by_itself, settle)
        if why:
            raise EnsembleError(f"{what}: {why} during a check that breaks nothing; rerun")

    def kill_leaders_server(self, leader) -> int:
        """SIGKILL the server that carries ``leader``'s session (the check must hold ``faults``)."""
        from .ensemble import EnsembleError
        sid = leader.zk.session_id
        server = self.ensemble.server_of(sid) if sid is not None else None
        if server is None:
            raise EnsembleError(f"no server reports a connection for {leader.label}'s session")
        self.ensemble.kill(server)
        return server

    def quiesce(self, things, rounds: int = 2, timeout: float = 5.0) -> None:
        """Return once every notification the servers owed these clients (or candidates'
        clients) has been handled by the learner's callbacks, in each sandbox."""
        by_sandbox: dict = {}
        for t in things:
            client = getattr(t, "zk", t)
            client = getattr(client, "real", client)      # a RemoteSaboteur's own client
            by_sandbox.setdefault(id(client.sandbox), (client.sandbox, set()))[1].add(client.handle)
        for sb, handles in by_sandbox.values():
            try:        # the sandbox's quiesce skips clients that are not connected
                sb.request("quiesce", clients=sorted(handles), rounds=rounds, limit=timeout,
                           timeout=timeout * rounds * 2 + 10, what="handling notifications")
            except LearnerError as e:
                if e.type_name == "CheckFailure":
                    raise CheckFailure(e.message) from None
                raise

    # --- the grader's side -----------------------------------------------------------

    def grader_client(self, timeout: float = SESSION_TIMEOUT, chroot: str | None = None,
                      start_timeout: float = 15, **kwargs):
        """A started kazoo client of the grader's own, in this check's namespace
        (``server=N``: of that server only)."""
        c = self.ensemble.client(chroot=self.namespace if chroot is None else chroot,
                                 timeout=timeout, auth_data=[self.grading.grader.auth],
                                 default_acl=self.grading.namespace_acl(), **kwargs)
        self._grader_clients.append(c)
        c.start(timeout=start_timeout)
        return c

    @property
    def observer(self):
        """The grader's client for reading the truth: each read syncs first (CommittedReads)."""
        if self._observer is None:
            self._observer = self.grader_client(cls=CommittedReads)
        return self._observer

    def node_stat(self, path: str):
        """The stat of the node at ``path`` on the servers, or None where no server has it.

        The observer reads first (it syncs before each read). Before "missing" becomes a
        verdict it is asked of every serving server, each through a grader client of its
        own that syncs first: a node that one of them holds exists. A class graded eight
        at a time on this machine saw the observer miss, just once in a while, a node
        whose create had been acknowledged, and list it a moment later; the learner's code
        must not pay for such a read. Each such miss is noted in the grader's log.
        """
        stat = self.observer.exists(path)
        if stat is not None:
            return stat
        return self._ask_every_server(path, lambda zk: zk.exists(path), lambda st: st is not None,
                                      f"the node {path}")

    def children(self, path: str, want) -> list[str]:
        """The children of ``path`` as the observer reads them; if they fail ``want`` (a
        node the check looks for is not among them), as the first serving server whose
        synced list passes it reads them (see ``node_stat``)."""
        found = self.observer.get_children(path)
        if want(found):
            return found
        other = self._ask_every_server(path, lambda zk: zk.get_children(path), want,
                                       f"a child of {path}")
        return found if other is None else other

    def _ask_every_server(self, path, read, good, what):
        seen = {}
        for server in self.ensemble.servers:
            try:
                client = self._server_client(server.id)
                client.sync(path)
                answer = read(client)
            except Exception as e:          # a server restarting, say: it cannot tell
                seen[server.id] = f"no answer ({type(e).__name__})"
                continue
            seen[server.id] = answer
            if good(answer):
                self.notes.append(f"the observer missed {what}, which zoo{server.id} holds "
                                  f"(servers asked: {seen})")
                return answer
        return None

    def _server_client(self, server_id: int):
        """A grader client of that one server only (made at the first need)."""
        if server_id not in self._per_server:
            self._per_server[server_id] = self.grader_client(server=server_id, start_timeout=5)
        return self._per_server[server_id]

    def expire(self, client, timeout: float = 10.0) -> None:
        """Expire a client's session on the servers, for real."""
        self.ensemble.expire_session(client, timeout=timeout)

    # --- the end -----------------------------------------------------------------------

    def close(self) -> None:
        for proxy in self._proxies:
            proxy.heal()
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
        for proxy in self._proxies:
            proxy.close()

