"""Experiments that run again (issue 28): a learner fixes their class and runs the
experiment cells again, in the same kernel, with no restart.

Each solved notebook runs in one kernel (nbclient, as in test_notebooks.py), every code
cell but the last (``workshop.check()``, graded elsewhere) twice in a row: a cell run
again first ends what its last run left. And in labs 3 and 4 an experiment run with a
class whose ``start()`` raises (once it made its node) and whose ``resign()`` raises too
leaves no client and no candidate node behind, and runs once the class is fixed.

The tests that run notebooks are marked ``runs_checks``: the notebooks' ``faults()`` takes
the fault lock in their kernel, so the test must hold none (flock does not nest).
"""
from __future__ import annotations

import copy
import json

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from harness import manifest
from harness.learner.workshop import playground_path
from harness.manifest import REPO

LABS = manifest.labs()
SOLUTIONS = REPO / "solutions"
EXPERIMENT = "workshop.experiment("


class Kernel:
    """One kernel in solutions/ that runs a notebook's cells, or any code, one at a time."""

    def __init__(self, lab: manifest.Lab):
        self.nb = nbformat.read(str(SOLUTIONS / lab.notebook), as_version=4)
        # nbclient writes each cell it ran back into its notebook at the index given:
        # a scratch notebook of one cell takes them all
        scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")],
                                           metadata=self.nb.metadata)
        self.client = NotebookClient(scratch, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(SOLUTIONS)}})
        self.count = 0

    def code_cells(self) -> list:
        return [c for c in self.nb.cells if c.cell_type == "code"]

    def run(self, cell, may_fail: bool = False) -> str:
        """Run a cell; what it printed (an error as "Name: value"). Raises
        CellExecutionError if it fails, unless ``may_fail``."""
        cell = copy.deepcopy(cell)
        if may_fail:
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "raises-exception"]
        self.count += 1
        self.client.execute_cell(cell, 0, execution_count=self.count)
        return "".join(f"{o.ename}: {o.evalue}\n" if o.output_type == "error"
                       else o.get("text", "") for o in cell.outputs)

    def code(self, source: str, may_fail: bool = False) -> str:
        return self.run(nbformat.v4.new_code_cell(source), may_fail)

    def value(self, expression: str):
        """A JSON-able expression, evaluated in the kernel."""
        out = self.code(f"import json as _json\nprint(_json.dumps({expression}))")
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def kernel():
    """kernel(lab): a started Kernel for the lab, shut down after the test."""
    started = []

    def start(lab: manifest.Lab) -> Kernel:
        k = Kernel(lab)
        k.running = k.client.setup_kernel()
        k.running.__enter__()
        started.append(k)
        return k
    yield start
    for k in started:
        k.running.__exit__(None, None, None)


def test_every_cell_that_makes_clients_candidates_or_views_is_an_experiment():
    makes = ("workshop.client(", "Candidate(", "FencedLeader(", "LiveView(", "FaultProxy(",
             "KazooClient(", "LeaderProcess(")
    for lab in LABS:
        nb = nbformat.read(str(SOLUTIONS / lab.notebook), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or "solution" in cell.metadata.get("tags", []):
                continue
            if any(m in cell.source for m in makes):
                assert EXPERIMENT in cell.source, \
                    f"{lab.notebook}: a cell makes things outside an experiment:\n{cell.source}"


@pytest.mark.slow
@pytest.mark.runs_checks
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("lab", LABS, ids=[lab.key for lab in LABS])
def test_every_cell_runs_twice_in_a_row_in_one_kernel(ensemble, kernel, lab):
    k = kernel(lab)
    for cell in k.code_cells()[:-1]:                 # the last one grades: tested elsewhere
        for attempt in (1, 2):
            try:
                k.run(cell)
            except CellExecutionError as e:
                pytest.fail(f"{lab.notebook}, run {attempt} of the cell\n{cell.source}\n"
                            f"raised:\n{str(e)[-3000:]}")


BREAK = '''
_cls = {cls}
_fixed = _cls.start, _cls.resign
def _broken_start(self):
    _fixed[0](self)                  # it volunteers: a node and a watch exist
    raise RuntimeError("a broken start()")
def _broken_resign(self):
    raise RuntimeError("a broken resign()")
_cls.start, _cls.resign = _broken_start, _broken_resign
'''
FIX = "_cls.start, _cls.resign = _fixed"
OPEN_CLIENTS = "__import__('harness.learner.experiments').learner.experiments.open_clients()"


def election_children(ensemble, lab_key: str) -> list[str]:
    """The children of the lab's /election on the servers ([] when it is gone)."""
    c = ensemble.client()
    c.start(timeout=15)
    try:
        path = playground_path(lab_key) + "/election"
        return c.get_children(path) if c.exists(path) else []
    finally:
        c.stop()
        c.close()


@pytest.mark.slow
@pytest.mark.runs_checks
@pytest.mark.timeout(600)
@pytest.mark.parametrize("key, cls", [("lab3", "HerdCandidate"), ("lab4", "Candidate")])
def test_a_failed_experiment_leaves_nothing_and_runs_again_once_fixed(ensemble, kernel, key, cls):
    k = kernel(manifest.by_key(key))
    cells = k.code_cells()
    targets = [c for c in cells if EXPERIMENT in c.source and f"add({cls}(" in c.source]
    assert targets, f"no experiment of {key} makes a {cls}"
    for cell in cells[:cells.index(targets[0])]:
        if EXPERIMENT not in cell.source:           # the set-up: start, helpers, the class
            k.run(cell)
    for cell in targets:                            # lab 3: the try-it and the herd
        k.code(BREAK.format(cls=cls))
        out = k.run(cell, may_fail=True)
        assert "a broken start()" in out, out[-2000:]
        assert k.value(OPEN_CLIENTS) == {"workshop.start": 1}, \
            f"clients left running (only the notebook's own should be) after\n{cell.source}"
        assert election_children(ensemble, key) == [], f"nodes left behind by\n{cell.source}"
        k.code(FIX)
        out = k.run(cell)                           # fixed: it runs, in the same kernel
        assert "Error" not in out, out[-2000:]
