"""One grading run (one pytest session, one submission): what its checks share.

The run's sandboxes (one lab's at a time), its credentials, the labs' solution
cells as data (the sandbox never reads the files), and which labs loaded.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from kazoo.security import ACL

from harness import manifest, notebooks
from harness.ensemble import topology
from harness.ensemble.proxy import FaultProxy
from harness.ensemble.watch_limits import WatchLimits
from harness.sandbox.host import LearnerError, Sandbox
from harness.sandbox.jail import Jail
from harness.world.secrets import Credential, grader_secret

# What the solutions' sandboxes use, all six labs (load.sandbox_cpu_seconds of their
# grading, seed 5: docs/sandbox.md); past CPU_NOTED the class log names a submission's
# CPU. A busy-waiting learner is named too: slow, not hostile, but it does load its
# neighbours, and what follows from being named is the regrade's order and no excuse
# for its own lost connections (Grading.pressed).
SOLUTIONS_CPU = 3.2
CPU_NOTED = 10.0


def pressed(load: dict) -> str:
    """What a submission pressed on (its results' ``load``), in a few words; '' if nothing:
    when a grading goes wrong for others, the class log names who did what."""
    said = []
    if load.get("refusals"):
        said.append(f"{load['refusals']} request(s) refused by the grader's proxies, e.g. {load['first_refusal']}")
    if load.get("quota_reached"):
        said.append(f"namespace quota reached in {len(load['quota_reached'])} check(s), e.g. "
                    f"{load['quota_reached'][0]}")
    if (load.get("sandbox_cpu_seconds") or 0) > CPU_NOTED:
        said.append(f"{load['sandbox_cpu_seconds']:.0f} s of CPU in its sandboxes (the "
                    f"solutions' six labs take about {SOLUTIONS_CPU:.0f} s)")
    return "; ".join(said)


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
        self.peaks: dict = {}                            # namespace -> quotas.Peak, while it lives
        self.quota_reached: list[str] = []               # checks whose namespace came to its quota
        # Every connection of the learner's goes through the grader's proxies, which
        # bound the watches the submission keeps on the servers (ensemble/watch_limits.py).
        self.watch_limits = WatchLimits()
        self._gateway: list[FaultProxy] = []
        self._cpu_used: float | None = None              # the closed jail's count
        self._lab: str | None = None                     # the lab whose checks run now
        self._lab_from = (0, 0.0)                        # quota_reached, sandbox CPU before it

    # the ACL every namespace and every node of the learner's carries
    def namespace_acl(self) -> list[ACL]:
        return [self.grader.acl(), self.learner.acl()]

    def gateway_hosts(self) -> str:
        """The connection string of the learner's direct clients: one proxy per server
        (each forwards to its server only), so a client picks among them and fails
        over exactly as it would among the servers themselves."""
        if not self._gateway:
            self._gateway = [FaultProxy(servers=[s.id], limits=self.watch_limits,
                                      notes_stalls=True)
                             for s in topology.SERVERS]
        return ",".join(p.address for p in self._gateway)

    def load_report(self) -> dict:
        """What the submission took of the limits (for the results file and the class log):
        where a grading went wrong for others, this names who pressed on what."""
        lim = self.watch_limits
        return {"watch_peak": lim.peak, "connections_peak": lim.connections_peak,
                "request_rate_peak": lim.pace.peak, "paced_requests": lim.pace.paced,
                "paced_seconds": round(lim.pace.paced_seconds, 2),
                "refusals": len(lim.violations),
                "first_refusal": lim.violations[0].text() if lim.violations else "",
                "quota_reached": self.quota_reached[:10],
                "sandbox_cpu_seconds": self._sandbox_cpu()}

    def pressed(self) -> bool:
        """True once the lab now graded has met one of its limits (``pressed``, the words
        the class log prints). Such a lab loads the ensemble it is graded on; what its own
        clients suffer from that load is no ground for an excuse (World.quiesce). Each lab
        on its own: a flood in lab 1 is no reason to fail lab 4's correct code."""
        load = self.load_report()
        quota, cpu = self._lab_from
        load.update(refusals=self.watch_limits.refused_in_lab(),
                    quota_reached=self.quota_reached[quota:])
        if load["sandbox_cpu_seconds"] is not None:
            load["sandbox_cpu_seconds"] -= cpu
        return bool(pressed(load))

    def begin_lab(self, module: str) -> None:
        """``module``'s checks begin: what the labs before it took of the limits is theirs."""
        if module != self._lab:
            self._lab = module
            self.watch_limits.new_lab()
            self._lab_from = (len(self.quota_reached), self._sandbox_cpu() or 0.0)

    def _sandbox_cpu(self) -> float | None:
        used = self.jail.cpu_used() if self.jail is not None else self._cpu_used
        return None if used is None else round(used, 1)

    def labs_payload(self) -> dict:
        """The solution cells of every lab, as data (the sandbox never reads the files)."""
        out = {}
        for lab in manifest.labs():
            if lab.module in self.cells_override:
                out[lab.module] = {"notebook": lab.notebook, "cells": self.cells_override[lab.module]}
                continue
            try:
                cells = notebooks.solution_cells(self.submission / lab.notebook)
            except notebooks.NotebookError as e:
                out[lab.module] = {"error": str(e)}
                continue
            if not cells:
                out[lab.module] = {"error": f"{lab.notebook} has no code cell tagged "
                                            f"'{notebooks.SOLUTION_TAG}' (View > Cell Toolbar > "
                                            "Tags in Jupyter)"}
                continue
            out[lab.module] = {"notebook": lab.notebook, "cells": cells}
        return out

    def new_sandbox(self, label: str) -> Sandbox:
        if self.jail is None:
            self.jail = Jail()
            if self.jail.groups is not None:
                # the proxies carrying this submission's traffic spend its CPU share
                self.watch_limits.charge_to = self.jail.groups.charge_thread
        return Sandbox(self.jail, self.labs_payload(), label=label)

    def sandbox_for(self, module: str) -> Sandbox:
        """The lab's own sandbox, started anew if the last one ended or hung.

        One lab's sandbox at a time: moving to another lab, or replacing a
        sandbox that hung or died, ends every process of the run's uid first,
        so what one lab's code left behind (a fork bomb, a detached child, a
        thread spinning) cannot cost another lab its points.
        """
        self.begin_lab(module)
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
        for proxy in self._gateway:
            proxy.close()
        self._gateway = []
        if self.jail is not None:
            # counted before close() gives the slot to the next grading, after
            # end_sandboxes() above ended every process of it
            self._cpu_used = self.jail.cpu_used()
            self.jail.close()
            self.jail = None
