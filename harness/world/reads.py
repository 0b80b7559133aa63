"""The grader's side of a check: its own clients, and reading the truth on the servers.

What the learner's code reports is a claim; what the servers hold is the truth.
The grader reads it through clients of its own (never given to the learner's
code), each read made after a ``sync``.
"""
from __future__ import annotations

from kazoo.client import KazooClient

from harness.recipe import SESSION_TIMEOUT


class CommittedReads(KazooClient):
    """A grader's client whose reads see every write committed before them.

    ZooKeeper promises a client its own writes in order, not another session's
    at once: a follower may answer a read before it has applied a write the
    leader already committed for someone else. Seen here: after a resign() had
    returned (its delete acknowledged), the grader's client, on a follower that
    had just restarted, still read the candidate's node. ``sync`` first makes
    that client's server catch up with the leader (one round trip).
    """

    def exists(self, path, watch=None):
        self.sync("/")
        return super().exists(path, watch=watch)

    def get(self, path, watch=None):
        self.sync("/")
        return super().get(path, watch=watch)

    def get_children(self, path, watch=None, include_data=False):
        self.sync("/")
        return super().get_children(path, watch=watch, include_data=include_data)


class GraderReads:
    """The grader's reading verbs of a World (``self.ensemble``, ``self.grading``,
    ``self.namespace``, ``self.notes`` and the lists of its clients come from World)."""

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
