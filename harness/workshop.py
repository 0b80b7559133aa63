"""What a lab notebook imports: the ensemble, a client, and ``check()``.

    from harness import workshop
    ens, zk = workshop.start("lab1")     # first code cell of lab 1
    ...
    workshop.check()                     # last cell: grade what the notebook holds now

``check()`` grades the code the notebook has *run*, without saving the
notebook: the functions and classes defined in the kernel become the lab's
module, and the lab's checks run against them here, in this kernel, against the
real ensemble. Earlier labs imported by this one (``from sequence_numbers
import ...``) come from the saved notebooks of the same folder.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import types
import uuid
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from . import faultlock, loader, manifest
from .ensemble import Ensemble

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
    loader.install(_state["folder"])
    ens = ensemble()
    return ens, client()


@contextlib.contextmanager
def faults():
    """For an experiment that breaks the ensemble: ``with workshop.faults() as ens:``.

    It waits until no graded check is running (they share this ensemble), starts
    from three healthy servers, and restarts whatever the experiment killed or
    paused at the end, whatever happens.
    """
    ens = ensemble()
    with faultlock.held(exclusive=True):
        ens.heal()
        try:
            yield ens
        finally:
            ens.heal()


def _kernel_module(lab: manifest.Lab, namespace: dict) -> types.ModuleType:
    """The lab's module, made of what the notebook defined (not of the saved file)."""
    module = types.ModuleType(lab.module)
    module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    module.__file__ = str(_state.get("folder", Path.cwd()) / lab.notebook)
    return module


def check(lab_key: str | None = None, namespace: dict | None = None, verbose: bool = False):
    """Grade this lab's code as the notebook holds it now; print the score table.

    Returns the lab's score row (passed, total, points).
    """
    import pytest

    from .grading import plugin, scoring

    lab = manifest.by_key(lab_key or _state.get("lab", ""))
    if lab is None:
        raise ValueError("call workshop.start('labN') first, or check('labN')")
    if namespace is None:
        namespace = sys.modules["__main__"].__dict__
    folder = _state.get("folder", Path.cwd())
    preloaded = _kernel_module(lab, namespace)
    results_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"workshop-check-{uuid.uuid4().hex}.json"
    files = sorted(str(p) for p in (manifest.REPO / "checks").glob(f"test_{lab.key}_*.py"))
    args = [*files, "-q", "--submission", str(folder), "--results-json", str(results_path),
            "-p", "no:cacheprovider", "--capture=sys", "--no-header"]
    saved = sys.modules.get(lab.module)
    sys.modules[lab.module] = preloaded
    plugin.PRELOADED[lab.module] = preloaded
    out = io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(out):
            pytest.main(args)
    finally:
        plugin.PRELOADED.pop(lab.module, None)
        if saved is not None:
            sys.modules[lab.module] = saved
        else:
            sys.modules.pop(lab.module, None)
    if not results_path.exists():
        print(out.getvalue()[-3000:])
        raise RuntimeError("the checks did not run; see the output above")
    import json
    data = json.loads(results_path.read_text())
    results_path.unlink()
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
    if verbose:
        print(out.getvalue())
    return report.labs[0] if report.labs else None
