"""What a lab notebook imports: the ensemble, a client, and ``check()``.

    from harness.learner import workshop
    ens, zk = workshop.start("lab1")     # first code cell of lab 1
    ...
    workshop.check()                     # last cell: grade what the notebook holds now

``check()`` grades the code the notebook's solution cells last *ran*, without
saving the notebook: their sources go to a grader process of its own, which
runs them in a sandbox exactly as ``pytest checks`` does. A solution cell that
was never run, does not compile, failed, or was edited and saved after it ran
gets a one-line instruction instead of a grade. Earlier labs imported by this
one (``from sequence_numbers import ...``) come from the saved notebooks of
the same folder.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path

from harness import manifest, notebooks
from harness.ensemble import Ensemble, faultlock
from harness.learner import experiments, imports

_state: dict = {}


def ensemble() -> Ensemble:
    """The running ensemble (started here if nothing answers)."""
    if "ensemble" not in _state:
        ens = Ensemble()
        if not ens.has_quorum():
            print("Starting the ZooKeeper ensemble (three local servers)...")
            ens.backend.up()
        ens.wait_for_quorum()
        _state["ensemble"] = ens
    return _state["ensemble"]


def current_lab() -> str:
    """The lab this kernel started (``workshop.start("labN")``)."""
    return _state.get("lab", "lab0")


def folder() -> Path:
    """The folder of this lab's notebooks (earlier labs are imported from there)."""
    return _state.get("folder", Path.cwd())


@contextlib.contextmanager
def store(fenced: bool = True):
    """Lab 6's storage service, for an experiment: a real process on loopback, its log
    yours to read (``store.log()``). ``fenced=False`` accepts every write."""
    from harness.store.process import StoreProcess
    with StoreProcess.started(fenced=fenced) as running:
        yield running


def in_background(fn):
    """Run ``fn()`` in a thread of its own; a Future (``.result(timeout)``) of what it returns."""
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    future = pool.submit(fn)
    pool.shutdown(wait=False)
    return future


def playground_path(lab_key: str) -> str:
    """Each lab's experiments live under their own znode, away from the checks."""
    return f"/playground/{lab_key}"


def client(chroot: str | None = None, timeout: float = 2.0):
    """A new started kazoo client with its own session, inside the lab's playground."""
    ens = ensemble()
    chroot = chroot if chroot is not None else playground_path(_state.get("lab", "lab0"))
    root = ens.client(timeout=timeout)
    root.start(timeout=15)
    root.ensure_path(chroot)
    root.stop()
    root.close()
    c = ens.client(chroot=chroot, timeout=timeout)
    c.start(timeout=15)
    _clients.add(c)             # faults() waits for these to come back (see there)
    return c


def start(lab_key: str, folder: str | os.PathLike | None = None):
    """Set the notebook up for a lab: (ensemble, a started client in its playground).

    ``folder`` is where this lab's notebooks live (default: the kernel's working
    directory, which Jupyter sets to the notebook's folder); earlier labs are
    imported from there.
    """
    lab = manifest.by_key(lab_key)
    if lab is None:
        raise ValueError(f"unknown lab {lab_key!r}; labs.toml lists "
                         f"{[l.key for l in manifest.labs()]}")
    # kazoo logs every reconnect attempt as a warning: noise in a notebook
    # whose experiments break connections on purpose.
    logging.getLogger("kazoo.client").setLevel(logging.ERROR)
    _state["lab"] = lab_key
    _state["folder"] = Path(folder or os.getcwd()).resolve()
    _record_runs()
    imports.install(_state["folder"])
    ens = ensemble()
    # The first cell run again: its last client goes (with its nodes and watches), as an
    # experiment's do, instead of living on beside the new one.
    with experiments.Experiment("workshop.start", client, keep=True) as run:
        return ens, run.client()


def experiment(name: str, keep: bool = False, clean=()) -> experiments.Experiment:
    """``with workshop.experiment("herd") as run:``: a cell that can be run again.

    Entering ends what the last run of ``name`` left (its candidates resign, its clients
    stop, whatever the learner's code does) and deletes the ``clean`` path(s) of the
    playground; ``run.client()`` makes a client and ``run.add(x)`` takes a candidate, a
    live view or a proxy into the run. A block that raises ends the run: a failed cell
    leaves nothing behind. With ``keep`` a block that ends well keeps what it made for
    the cells after it (``run.end()`` ends it); without, it ends it too.
    """
    return experiments.Experiment(name, client, keep=keep, clean=clean)


_clients: "weakref.WeakSet" = weakref.WeakSet()     # made by client() in this kernel
_fault_windows: list[list] = []     # [start, end] (time.monotonic()) of this kernel's faults()
AFTERMATH_WAIT = 15.0               # s: how long faults() waits for its clients to reconnect


@contextlib.contextmanager
def faults():
    """For an experiment that breaks the ensemble: ``with workshop.faults() as ens:``.

    It waits until no graded check is running (they share this ensemble), starts
    from three healthy servers, and restarts whatever the experiment killed or
    paused at the end, whatever happens.

    What the experiment shows must be its own doing. The servers are shared: on a
    busy ensemble other people's faults break this kernel's connections too, at any
    time (a SUSPENDED that nobody in this notebook caused). While the block runs it
    holds the fault lock, so no other experiment or fault check breaks anything;
    and it ends only once the aftermath of its own faults is over: every client
    ``workshop.client()`` made is connected again and has handled what ZooKeeper
    told it (bounded by ``AFTERMATH_WAIT``), still under the lock. So an event
    that happened inside a ``faults()`` block was this experiment's
    (``during_own_faults(t)``), and one outside was not: the notebooks' experiment
    logs show the first kind and only count the second.
    """
    ens = ensemble()
    with faultlock.held(exclusive=True):
        ens.heal()
        window = [time.monotonic(), None]
        _fault_windows.append(window)
        try:
            yield ens
        finally:
            try:
                ens.heal()
                _await_aftermath(AFTERMATH_WAIT)
            finally:
                window[1] = time.monotonic()


def during_own_faults(t: float | None = None) -> bool:
    """True if ``t`` (``time.monotonic()``; default now) fell inside one of this kernel's
    ``faults()`` blocks: an event then was this learner's experiment's doing."""
    t = time.monotonic() if t is None else t
    return any(start <= t and (end is None or t <= end) for start, end in _fault_windows)


def fault_experiments() -> int:
    """How many ``faults()`` blocks this kernel has entered."""
    return len(_fault_windows)


def _await_aftermath(timeout: float) -> None:
    """Return once this kernel's clients are connected again and have handled what
    ZooKeeper told them (a stopped client, or one still away after ``timeout``, is
    not waited for)."""
    from harness.recipe import quiesce
    deadline = time.monotonic() + timeout
    live = [c for c in list(_clients) if not c._stopped.is_set()]
    back = threading.Event()
    waiting = [c for c in live if not c.connected]

    def listener(state):
        if all(c.connected for c in waiting):
            back.set()
    for c in waiting:
        c.add_listener(listener)
    try:
        if waiting and not all(c.connected for c in waiting):
            back.wait(max(0.0, deadline - time.monotonic()))
    finally:
        for c in waiting:
            c.remove_listener(listener)
    try:
        quiesce([c for c in live if c.connected],
                timeout=max(0.5, min(5.0, deadline - time.monotonic())))
    except Exception:              # a client that broke again: nothing more to wait for
        pass


# --- what the kernel ran, cell by cell ------------------------------------------------

_runs: list[dict] = []          # {"cell_id", "source", "ok", "error", "t"} per executed cell


def _record_runs() -> None:
    """Remember, for every cell the kernel runs, its source and whether it ran cleanly.

    JupyterLab tells the kernel which cell it runs (``cell_id``), so ``check()``
    can grade the very code each solution cell last ran, even before the
    notebook is saved. A runner that sends no cell ids (nbclient) is matched by
    the cell's source instead.
    """
    try:
        shell = get_ipython()  # noqa: F821 (defined inside IPython only)
    except NameError:
        return
    if getattr(shell, "_workshop_recording", False):
        return
    shell._workshop_recording = True

    def pre(info):
        _runs.append({"cell_id": getattr(info, "cell_id", None), "source": info.raw_cell,
                      "ok": None, "error": "", "t": time.time()})

    def post(result):
        if not _runs:
            return
        err = result.error_before_exec or result.error_in_exec
        _runs[-1]["ok"] = err is None
        if err is not None:
            _runs[-1]["error"] = f"{type(err).__name__}: {err}"

    shell.events.register("pre_run_cell", pre)
    shell.events.register("post_run_cell", post)


def _last_run(cell: dict, source: str) -> dict | None:
    cell_id = cell.get("id")
    if cell_id and any(r["cell_id"] for r in _runs):
        return next((r for r in reversed(_runs) if r["cell_id"] == cell_id), None)
    return next((r for r in reversed(_runs) if r["source"] == source), None)


def kernel_cells(lab: manifest.Lab, folder: Path) -> tuple[list, list[str]]:
    """([(cell number, the source it last ran)], [one-line problems]) for the lab's solution cells."""
    path = folder / lab.notebook
    nb = notebooks.read_notebook(path)
    saved_at = path.stat().st_mtime
    cells, problems = [], []
    for number, cell in notebooks.numbered_solutions(nb):
        saved = notebooks.cell_source(cell)
        run = _last_run(cell, saved)
        if run is None:
            problems.append(f"cell {number} (a Your turn cell) has not been run since the kernel "
                            "started, or was edited since: run the Your turn cells, then check again.")
            continue
        try:
            compile(run["source"], f"cell {number}", "exec")
        except SyntaxError as e:
            problems.append(f"cell {number} does not compile: line {e.lineno}: {e.msg}")
            continue
        if run["ok"] is False:
            problems.append(f"cell {number} raised {run['error']} when it ran: fix it, run it "
                            "again, then check.")
        elif run["source"] != saved and saved_at > run["t"]:
            problems.append(f"cell {number} was edited and saved after it ran: run it again, "
                            "then check.")
        cells.append((number, run["source"]))
    return cells, problems


def check(lab_key: str | None = None, cells: list | None = None, verbose: bool = False) -> None:
    """Grade this lab's code as the kernel last ran it; print the score table.

    The grader runs in a process of its own (``pytest checks``), and the
    learner's code in a sandbox of its own, exactly as ``pytest checks`` and
    the class grader do: what the notebook prints is what they would give,
    for the code that ran. ``cells`` ([(cell number, source)]) grades those
    sources instead of the kernel's (for tests).
    """
    lab = manifest.by_key(lab_key or _state.get("lab", ""))
    if lab is None:
        raise ValueError("call workshop.start('labN') first, or check('labN')")
    folder = _state.get("folder", Path.cwd())
    if cells is None:
        cells, problems = kernel_cells(lab, folder)
        if problems:
            print(f"Not graded: {lab.title} (lab {lab.number}) cannot be checked as it stands.")
            for p in problems:
                print("  - " + p)
            return None
    if faultlock.held_here():
        # The checks wait for the fault lock this kernel holds: they would wait for ever.
        print("Not graded: this notebook still holds the ensemble for its own faults (a "
              "server killed in the live view and not restarted, or check() inside "
              "`with workshop.faults()`). Restart it (view.restart_server(i)) or close the "
              "view (view.close()), then check again.")
        return None
    data, output = _grade_cells(lab, folder, cells)
    _print_results(lab, data, verbose)
    if verbose:
        print(output)
    return None


def _grade_cells(lab: manifest.Lab, folder: Path, cells: list) -> tuple[dict, str]:
    """The results JSON of the lab's checks on these cells, and what pytest printed."""
    from harness.grading import submissions
    private = Path(tempfile.mkdtemp(prefix="workshop-check-"))      # 0700: the grader's only
    try:
        cells_file = private / "cells.json"
        cells_file.write_text(json.dumps({lab.module: [list(c) for c in cells]}))
        results_path = private / "results.json"
        cmd = submissions.pytest_command(submissions.check_files([lab.key]), folder,
                                         results_path, "--cells", str(cells_file), "--no-header")
        try:
            run = subprocess.run(cmd, cwd=manifest.REPO, capture_output=True, text=True,
                                 timeout=900)
            output = run.stdout + run.stderr
        except subprocess.TimeoutExpired as e:
            output = f"the checks were cut off after 900 s\n{e.stdout or ''}"
        if not results_path.exists():
            print(output[-3000:])
            raise RuntimeError("the checks did not run; see the output above")
        return json.loads(results_path.read_text()), output
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _print_results(lab: manifest.Lab, data: dict, verbose: bool) -> None:
    """Each check's verdict, then the score table: the rows `pytest checks` prints."""
    from harness.grading import scoring
    results = [scoring.CheckResult(**{k: c[k] for k in ("lab", "name", "nodeid", "status", "message")})
               for c in data["checks"]]
    report = scoring.score(results)
    for r in results:
        mark = {"passed": "PASS", "failed": "FAIL"}.get(r.status, "INFRA")
        print(f"{mark}  {r.name}")
        if r.status != "passed" and (verbose or r.message):
            print("      " + r.message.replace("\n", "\n      "))
    print()
    print(scoring.table(report))
    if data.get("seed") is not None:
        # The randomized checks drew from this seed; without it a failure seen here and a
        # different verdict on the command line (another seed) could not be compared.
        print(f"seed {data['seed']}: replay these inputs with "
              f"`pytest checks -k {lab.key} --seed {data['seed']}`")


def last_score(text: str):
    """(passed, total) of the lab row in a printed score table (for tests)."""
    import re
    m = re.search(r"(\d+)/(\d+)\s+[\d.]+/[\d.]+", text)
    return (int(m.group(1)), int(m.group(2))) if m else None
