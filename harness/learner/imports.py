"""Earlier labs, imported from the learner's own notebooks (in a notebook's kernel).

A later lab's cell may ``from sequence_numbers import ...``: in the learner's
kernel, the finder installed here serves it from the saved lab 2 notebook of
the same folder (in the sandbox, ``sandbox.child`` does the same from the cells
the grader sent). A notebook that is missing, not JSON, or whose solution cells
do not load becomes a ``LabLoadError`` naming the notebook and the cell.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path

from harness import manifest, notebooks
from harness.sandbox.cells import LabLoadError, exec_cells


def exec_notebook(path: Path, module) -> None:
    """Run the solution cells of the notebook at ``path`` inside ``module``."""
    try:
        cells = notebooks.solution_cells(path)
    except notebooks.NotebookError as e:
        raise LabLoadError(str(e)) from None
    exec_cells(path.name, cells, module)


class SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the lab modules of one submission folder to ``import``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def find_spec(self, fullname, path=None, target=None):
        lab = manifest.by_module(fullname)
        if lab is None:
            return None
        origin = str(self.folder / lab.notebook)
        return importlib.util.spec_from_loader(fullname, self, origin=origin)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        lab = manifest.by_module(module.__name__)
        exec_notebook(self.folder / lab.notebook, module)


def install(folder: Path) -> SubmissionFinder:
    """Serve this submission's labs to ``import``, forgetting any loaded before."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LabLoadError(f"the submission folder {folder} does not exist")
    uninstall()
    finder = SubmissionFinder(folder)
    sys.meta_path.insert(0, finder)
    return finder


def uninstall() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, SubmissionFinder)]
    for lab in manifest.labs():
        sys.modules.pop(lab.module, None)


def load_lab(module_name: str):
    """Import one lab module from the installed submission (cached once loaded)."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    try:
        return importlib.import_module(module_name)
    except LabLoadError:
        sys.modules.pop(module_name, None)
        raise
