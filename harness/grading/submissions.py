"""Build submissions and grade them in a separate process.

A wrong solution (tests/wrong_solutions/labN_<mistake>.py) is either a whole
module that replaces the lab's solution cells, or, when the mistake is a small
change to the solved notebook, a *mutation* of it:

    '''Keeps leading while SUSPENDED.'''
    MUTATIONS = [
        ("if state != KazooState.CONNECTED:", "if state == KazooState.LOST:"),
    ]

Each ``old`` must occur exactly once in the lab's solution cells; when the
solution changes so that it no longer does, the proof says so instead of
silently testing something else.

Used by the proof that the checks bite (tests/) and by the batch grader:

    python -m harness.grading.submissions tests/wrong_solutions/lab1_persistent_node.py

builds a copy of solutions/ whose lab 1 solution cells are replaced by that
file, grades that lab in its own pytest process, and prints which checks
caught it.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from .. import manifest

REPO = manifest.REPO
WRONG = REPO / "tests" / "wrong_solutions"


def replace_solution(notebook: Path, source: str) -> None:
    """Put ``source`` in the notebook's first solution cell and empty the others."""
    nb = json.loads(notebook.read_text())
    first = True
    for cell in nb["cells"]:
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell.get("cell_type") == "code" and "solution" in tags:
            cell["source"] = source if first else "# (replaced)\n"
            first = False
    notebook.write_text(json.dumps(nb))


class MutationError(ValueError):
    pass


def mutations_of(source: str) -> list[tuple[str, str]] | None:
    """The MUTATIONS list of a wrong-solution file, or None for a whole module."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None          # a whole module, broken on purpose (the loader reports it)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "MUTATIONS" for t in node.targets):
            return [tuple(pair) for pair in ast.literal_eval(node.value)]
    return None


def mutate_solution(notebook: Path, mutations: list[tuple[str, str]]) -> None:
    """Apply each (old, new) replacement to the notebook's solution cells, once."""
    nb = json.loads(notebook.read_text())
    cells = [c for c in nb["cells"] if c.get("cell_type") == "code"
             and "solution" in ((c.get("metadata") or {}).get("tags") or [])]
    texts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    for old, new in mutations:
        hits = [i for i, t in enumerate(texts) if old in t]
        count = sum(t.count(old) for t in texts)
        if count != 1:
            raise MutationError(f"{notebook.name}: {old!r} occurs {count} times in the solution "
                                "cells (must be exactly once); update the mutation")
        texts[hits[0]] = texts[hits[0]].replace(old, new)
    for cell, text in zip(cells, texts):
        cell["source"] = text
    notebook.write_text(json.dumps(nb))


def lab_of_file(path: Path) -> manifest.Lab:
    key = path.stem.split("_", 1)[0]
    lab = manifest.by_key(key)
    if lab is None:
        raise ValueError(f"{path.name}: name must start with a lab key such as lab3_")
    return lab


def build(dest: Path, base: Path = REPO / "solutions", overrides: dict[str, str] | None = None) -> Path:
    """A submission folder: the notebooks of ``base``, with some labs' code replaced."""
    dest.mkdir(parents=True, exist_ok=True)
    for lab in manifest.labs():
        if (base / lab.notebook).exists():      # a lab not written yet just fails to load
            shutil.copy(base / lab.notebook, dest / lab.notebook)
    for key, source in (overrides or {}).items():
        notebook = dest / manifest.by_key(key).notebook
        mutations = mutations_of(source)
        if mutations is None:
            replace_solution(notebook, source)
        else:
            mutate_solution(notebook, mutations)
    return dest


def grade(submission: Path, labs: list[str] | None = None, timeout: float = 600,
          extra_args: list[str] | None = None, seed: int | None = None,
          hidden: Path | None = None, env: dict | None = None) -> dict:
    """Run the checks on ``submission`` in a fresh process; return the JSON results.

    The checks always come from this repository; the process starts in it with
    a namespace of its own, so a submission's files (a conftest.py, its own
    checks/) are never collected.
    """
    # A private folder (0700, the grader's user): the results and the hidden checks live
    # there, out of the sandbox's reach (it runs as another uid when we are root).
    private = Path(tempfile.mkdtemp(prefix="grade-"))
    results = private / "results.json"
    paths = []
    for key in labs or [lab.key for lab in manifest.labs()]:
        paths += sorted(str(p) for p in (REPO / "checks").glob(f"test_{key}_*.py"))
        if hidden:
            (private / "hidden").mkdir(exist_ok=True)
            for p in sorted(Path(hidden).glob(f"test_{key}_*.py")):
                paths.append(shutil.copy(p, private / "hidden" / p.name))
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider",
           "--submission", str(submission), "--results-json", str(results),
           "--rootdir", str(REPO), "-c", str(REPO / "pytest.ini"),
           "--confcutdir", str(REPO), *(extra_args or [])]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = dict(os.environ, **(env or {}),       # env: another ensemble (side_ensembles.py)
               ZK_WORKSHOP_NAMESPACE=f"/grading/{uuid.uuid4().hex[:10]}")
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        output, code = f"timed out after {timeout:.0f} s\n{e.stdout or ''}", -1
    data = json.loads(results.read_text()) if results.exists() else None
    shutil.rmtree(private, ignore_errors=True)
    return {"exit_code": code, "output": output, "results": data}


def caught_by(wrong_file: Path, seed: int | None = None) -> tuple[list[str], dict]:
    """Grade solutions/ with one lab replaced by ``wrong_file``: the checks that failed."""
    lab = lab_of_file(wrong_file)
    with tempfile.TemporaryDirectory(prefix="wrong-") as tmp:
        sub = build(Path(tmp) / "submission", overrides={lab.key: wrong_file.read_text()})
        # A wrong solution may hang its checks' clean-up (a listener that blocks
        # kazoo's event thread): the partial results recorded so far still count.
        run = grade(sub, labs=[lab.key], seed=seed, timeout=240)
    data = run["results"]
    if data is None:
        return [], run
    return [c["name"] for c in data["checks"] if c["status"] == "failed"], run


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(WRONG.glob("lab*.py"))
    uncaught = 0
    for f in files:
        names, run = caught_by(f)
        if run["results"] is None:
            print(f"{f.name}: the checks did not run\n{run['output'][-2000:]}")
            uncaught += 1
            continue
        print(f"{f.name}: caught by {len(names)} check(s)")
        for n in names:
            print(f"    {n}")
        uncaught += not names
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
