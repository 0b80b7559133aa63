"""Make the starter notebooks (labs/) from the solved ones (solutions/).

    python -m harness starters            # write labs/ from solutions/
    python -m harness starters --check    # exit 1 if labs/ is out of date
    python -m harness reset lab3          # give a learner a fresh lab 3 (the
                                          # old one is kept as .ipynb.bak-<time>)

The solved notebooks are the single source. In a cell tagged ``solution``,
each block between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes

    raise NotImplementedError("<hint>")

at the block's indentation, where the hint is the text after ``hint:`` on the
BEGIN line. Cells tagged ``instructor`` are left out. Outputs and execution
counts are removed, so the starters are clean.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path

from harness import manifest, notebooks

BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION(?:\s+hint:\s*(.*))?\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
DEFAULT_HINT = "your turn: replace this line with your code"


class MarkerError(ValueError):
    pass


def strip_solutions(source: str, where: str) -> str:
    out, inside = [], None
    for n, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside is not None:
                raise MarkerError(f"{where}: line {n}: BEGIN SOLUTION inside another block")
            indent, hint = begin.group(1), (begin.group(2) or DEFAULT_HINT).strip()
            out.append(f"{indent}raise NotImplementedError({json.dumps(hint)})")
            inside = n
        elif END.match(line):
            if inside is None:
                raise MarkerError(f"{where}: line {n}: END SOLUTION without BEGIN")
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION at line {inside} is never closed")
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def starter(nb: dict, name: str) -> dict:
    nb = copy.deepcopy(nb)
    cells = []
    for number, cell in enumerate(nb["cells"], start=1):
        if notebooks.is_instructors(cell):
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            if notebooks.is_solution(cell):
                new = strip_solutions(notebooks.cell_source(cell), f"{name} cell {number}")
                cell["source"] = new.splitlines(True)
        cells.append(cell)
    nb["cells"] = cells
    nb.setdefault("metadata", {}).pop("widgets", None)
    return nb


def render(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def generate(solutions: Path, labs: Path, check: bool = False) -> list[str]:
    """Write (or, with check, compare) every starter; return the names that differ."""
    stale = []
    for lab in manifest.labs():
        src = solutions / lab.notebook
        if not src.exists():
            stale.append(f"{lab.notebook} (missing from {solutions})")
            continue
        text = render(starter(json.loads(src.read_text()), lab.notebook))
        dest = labs / lab.notebook
        if not dest.exists() or dest.read_text() != text:
            stale.append(lab.notebook)
            if not check:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text)
    return stale


def backup_path(notebook: Path, now: datetime | None = None) -> Path:
    """``<notebook>.bak-YYYYmmdd-HHMMSS`` beside it; ``-2``, ``-3``... if that name is taken."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, n = notebook.with_name(f"{notebook.name}.bak-{stamp}"), 1
    while path.exists():
        n += 1
        path = notebook.with_name(f"{notebook.name}.bak-{stamp}-{n}")
    return path


def reset(key: str, solutions: Path | None = None, labs: Path | None = None,
          now: datetime | None = None) -> tuple[str, Path | None]:
    """Overwrite one learner notebook in labs/ with a fresh starter.

    Returns (the notebook's name, where the learner's version was kept). The
    version it replaces is first copied to ``<notebook>.bak-YYYYmmdd-HHMMSS``
    beside it, unless it is missing or already the starter (then None).
    """
    lab = manifest.by_key(key)
    if lab is None:
        raise ValueError(f"unknown lab {key!r}; choose one of {[l.key for l in manifest.labs()]}")
    solutions = Path(solutions or manifest.SOLUTIONS)
    labs = Path(labs or manifest.STARTERS)
    fresh = starter(json.loads((solutions / lab.notebook).read_text()), lab.notebook)
    dest, backup = labs / lab.notebook, None
    if dest.exists():
        old = dest.read_bytes()
        try:
            unchanged = json.loads(old) == fresh      # the same notebook, however saved
        except ValueError:
            unchanged = False                         # not even JSON: keep it all the more
        if not unchanged:
            backup = backup_path(dest, now)
            backup.write_bytes(old)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(render(fresh))
    return lab.notebook, backup
