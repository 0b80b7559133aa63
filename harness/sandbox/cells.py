"""A notebook's solution cells, run as a Python module (in the sandbox, or a learner's kernel).

Each cell is compiled under a file name that names its notebook and cell
(``<02_sequence_numbers.ipynb, cell 15>``), so a traceback, a hang's "where"
and a failing check point at the learner's own cell and line. A cell that does
not compile or raises while running becomes a ``LabLoadError`` naming the
notebook and the cell: it breaks that lab (and the labs importing it), never
the grader.
"""
from __future__ import annotations

import linecache
import traceback


class LabLoadError(ImportError):
    """A lab notebook could not be loaded; ``str()`` says where and why."""


def cell_filename(notebook: str, cell_number: int) -> str:
    """The pseudo file name a solution cell's code carries in tracebacks."""
    return f"<{notebook}, cell {cell_number}>"


def deepest_notebook_line(frames) -> str:
    """'01_ephemeral_nodes.ipynb, cell 16, line 3: <code>' for the deepest notebook frame."""
    where = ""
    for frame in frames:
        if frame.filename.startswith("<") and ".ipynb, cell" in frame.filename:
            where = f"{frame.filename.strip('<>')}, line {frame.lineno}: {(frame.line or '').strip()}"
    return where


def learner_where(tb) -> str:
    """Where in the notebook an exception was raised (its deepest notebook frame)."""
    return deepest_notebook_line(traceback.extract_tb(tb))


def running_where(frame) -> str:
    """The same, for a thread still running: where it is now (a hang's "where")."""
    return deepest_notebook_line(traceback.extract_stack(frame))


def _learner_line(exc: BaseException, notebook: str) -> str:
    """'cell 7, line 3' for the deepest frame of the learner's notebook, if any."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(f"<{notebook}"):
            where = f"{frame.filename.strip('<>')}, line {frame.lineno}"
    return where


def exec_cells(notebook: str, cells: list[tuple[int, str]], module) -> None:
    """Run solution cells [(cell number, source)] of ``notebook`` inside ``module``."""
    if not cells:
        raise LabLoadError(f"{notebook} has no code cell tagged 'solution' "
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
