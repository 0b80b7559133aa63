"""Load a learner's notebooks as Python modules.

A *submission* is a folder of lab notebooks. In each notebook the code cells
tagged ``solution`` are the learner's answer; they are run top to bottom in a
fresh module named after the notebook (``labs.toml`` gives the names). The
finder is installed on ``sys.meta_path``, so a later lab's
``from sequence_numbers import ...`` gets the same submission's lab 2.

A notebook that is missing, not JSON, or whose solution cells do not compile or
raise while running becomes a ``LabLoadError`` naming the notebook and the cell;
it breaks that lab (and the labs importing it), never the loader.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import json
import linecache
import sys
import traceback
from pathlib import Path

from . import manifest

SOLUTION_TAG = "solution"


class LabLoadError(ImportError):
    """A lab notebook could not be loaded; ``str()`` says where and why."""


def cell_filename(notebook: str, cell_number: int) -> str:
    """The pseudo file name a solution cell's code carries in tracebacks."""
    return f"<{notebook}, cell {cell_number}>"


def read_notebook(path: Path) -> dict:
    if not path.exists():
        raise LabLoadError(f"{path.name} is missing from {path.parent}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LabLoadError(f"{path.name} is not a notebook (not valid JSON: {e})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise LabLoadError(f"{path.name} is not a notebook (no list of cells)")
    return nb


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def solution_cells(path: Path) -> list[tuple[int, str]]:
    """[(cell number counted from 1 over all cells, source)] of the solution cells."""
    nb = read_notebook(path)
    out = []
    for number, cell in enumerate(nb["cells"], start=1):
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell.get("cell_type") == "code" and SOLUTION_TAG in tags:
            out.append((number, cell_source(cell)))
    return out


def _learner_line(exc: BaseException, notebook: str) -> str:
    """'cell 7, line 3' for the deepest frame of the learner's notebook, if any."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(f"<{notebook}"):
            where = f"{frame.filename.strip('<>')}, line {frame.lineno}"
    return where


def exec_notebook(path: Path, module) -> None:
    """Run the solution cells of the notebook at ``path`` inside ``module``."""
    exec_cells(path.name, solution_cells(path), module)


def exec_cells(notebook: str, cells: list[tuple[int, str]], module) -> None:
    """Run solution cells [(cell number, source)] of ``notebook`` inside ``module``."""
    if not cells:
        raise LabLoadError(f"{notebook} has no code cell tagged '{SOLUTION_TAG}' "
                           "(View > Cell Toolbar > Tags in Jupyter)")
    for number, source in cells:
        filename = cell_filename(notebook, number)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            code = compile(source, filename, "exec")
        except SyntaxError as e:
            raise LabLoadError(f"{notebook}, cell {number} does not compile: line {e.lineno}: "
                               f"{e.msg}") from None
        try:
            exec(code, module.__dict__)
        except LabLoadError as e:
            raise LabLoadError(f"{notebook}, cell {number} imports a lab that does not load: {e}") from None
        except Exception as e:
            where = _learner_line(e, notebook) or f"{notebook}, cell {number}"
            raise LabLoadError(f"{notebook}: {where} raised {type(e).__name__}: {e}") from None


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
