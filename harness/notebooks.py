"""The notebook-cell model: what a notebook is, which cells are the learner's answer.

One definition for everyone who reads a notebook (the grader's payload, the
notebook's ``check()``, the starter generator, the wrong solutions, the class
generator): a notebook is a JSON object with a list of cells; a cell tagged
``solution`` is the learner's answer, one tagged ``instructor`` is left out of
the starter. Cells are numbered from 1 over all cells, as Jupyter shows them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

SOLUTION_TAG = "solution"
INSTRUCTOR_TAG = "instructor"


class NotebookError(ValueError):
    """A file that is not a notebook; ``str()`` says which and why, for a learner."""


def read_notebook(path: Path) -> dict:
    """The notebook at ``path``, validated once: a dict whose cells are a list of dicts."""
    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path.name} is missing from {path.parent}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise NotebookError(f"{path.name} is not a notebook (not valid JSON: {e})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} is not a notebook (no list of cells)")
    if not all(isinstance(c, dict) for c in nb["cells"]):
        raise NotebookError(f"{path.name} is not a notebook (a cell is not an object)")
    return nb


def tags(cell: dict) -> list:
    return (cell.get("metadata") or {}).get("tags") or []


def is_solution(cell: dict) -> bool:
    """Is this a code cell the learner writes (tagged ``solution``)?"""
    return cell.get("cell_type") == "code" and SOLUTION_TAG in tags(cell)


def is_instructors(cell: dict) -> bool:
    """Is this cell for the solved notebook only (tagged ``instructor``)?"""
    return INSTRUCTOR_TAG in tags(cell)


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def numbered_solutions(nb: dict) -> list[tuple[int, dict]]:
    """[(cell number, cell)] of the solution cells, numbered over all cells from 1."""
    return [(n, cell) for n, cell in enumerate(nb["cells"], start=1) if is_solution(cell)]


def solution_cells(path: Path) -> list[tuple[int, str]]:
    """[(cell number, source)] of the notebook's solution cells."""
    return [(n, cell_source(cell)) for n, cell in numbered_solutions(read_notebook(path))]


def set_solution_sources(nb: dict, sources: list[str]) -> None:
    """Give the solution cells these sources, in order (one per cell)."""
    cells = [cell for _, cell in numbered_solutions(nb)]
    if len(cells) != len(sources):
        raise ValueError(f"{len(sources)} sources for {len(cells)} solution cells")
    for cell, source in zip(cells, sources):
        cell["source"] = source


def definition_of(path: Path, name: str, pointing: str | None = None
                  ) -> tuple[int, int, str] | None:
    """(cell number, line, text) of the ``def name``/``class name`` line in the notebook's
    solution cells, or None: where a failing check points a learner to look.

    ``pointing``: a regular expression for the line the check is about (the watch set,
    the sort, the create); the first line inside that definition matching it is given
    instead of the ``def`` line, which stays the answer when none matches."""
    try:
        cells = solution_cells(path)
    except NotebookError:
        return None
    for number, source in cells:
        lines = source.splitlines()
        for line_no, line in enumerate(lines, start=1):
            words = line.strip().replace("(", " ").replace(":", " ").split()
            if len(words) >= 2 and words[0] in ("def", "class") and words[1] == name:
                inside = _block(lines, line_no) if pointing else []
                hit = next(((n, t) for n, t in inside if re.search(pointing, t)), None)
                if hit is not None:
                    return number, hit[0], hit[1].strip()
                return number, line_no, line.strip()
    return None


def _block(lines: list[str], def_line: int) -> list[tuple[int, str]]:
    """[(line number, text)] of the body of the definition on line ``def_line`` (1-based):
    the lines after it indented deeper; blank lines, comments and docstrings skipped."""
    head = lines[def_line - 1]
    indent = len(head) - len(head.lstrip())
    body, in_doc = [], False
    for n in range(def_line + 1, len(lines) + 1):
        text = lines[n - 1]
        quotes = text.count('"""') + text.count("'''")
        if in_doc or text.strip().startswith(('"""', "\'\'\'")):
            in_doc = in_doc != (quotes % 2 == 1)
            continue
        if not text.strip() or text.strip().startswith("#"):
            continue
        if len(text) - len(text.lstrip()) <= indent:
            break
        body.append((n, text))
    return body
