"""Wrong solutions: build a submission with one lab's code wrong, grade it, name what caught it.

A wrong solution (``solutions/wrong/labN_<mistake>.py``) is either a whole module
that replaces the lab's solution cells, or, when the mistake is a small change
to the solved notebook, a *mutation* of it:

    '''Keeps leading while SUSPENDED.'''
    MUTATIONS = [
        ("if state != KazooState.CONNECTED:", "if state == KazooState.LOST:"),
    ]

Each ``old`` must occur exactly once in the lab's solution cells; when the
solution changes so that it no longer does, the proof says so instead of
silently testing something else. Used by the proof that the checks bite
(tests/), the class generator, and ``python -m harness mutants [FILE...]``.
"""
from __future__ import annotations

import ast
import json
import shutil
import tempfile
from pathlib import Path

from harness import manifest, notebooks
from harness.grading import submissions

WRONG = manifest.WRONG
CAUGHT = manifest.REPO / "results" / "bite"         # one file per wrong solution graded
TABLE = manifest.REPO / "results" / "wrong-solutions.txt"


class MutationError(ValueError):
    pass


def mutations_of(source: str) -> list[tuple[str, str]] | None:
    """The MUTATIONS list of a wrong-solution file, or None for a whole module."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None          # a whole module, broken on purpose (its lab then fails to load, and says where)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
        if any(getattr(t, "id", "") == "MUTATIONS" for t in targets):
            return [tuple(pair) for pair in ast.literal_eval(node.value)]
    return None


def first_words(path: Path) -> tuple[str, ...]:
    """The FIRST_WORDS of a wrong solution: what the first failing row a learner sees
    must say (case aside) so that it names the mistake, not only a symptom."""
    try:
        tree = ast.parse(Path(path).read_text())
    except SyntaxError:
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "FIRST_WORDS"
                                                for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def first_failure(results: dict) -> dict | None:
    """The first failing check of a grading, as the learner meets it (the run's order:
    the score table's first row, the first failure pytest prints)."""
    return next((c for c in results.get("checks", []) if c["status"] == "failed"), None)


def misses(words: tuple[str, ...], check: dict | None) -> list[str]:
    """The declared words that the check's message does not contain."""
    text = (check or {}).get("message", "").lower()
    return [w for w in words if w.lower() not in text]


def mistake_of(path: Path) -> str:
    """The first line of a wrong solution's docstring: the mistake, in words."""
    text = Path(path).read_text()
    return (text.split('"""')[1].strip().splitlines() or ["?"])[0] if '"""' in text else "?"


def replaced(nb: dict, source: str) -> list[str]:
    """Solution sources with ``source`` in the first cell and the others emptied."""
    count = len(notebooks.numbered_solutions(nb))
    return [source] + ["# (replaced)\n"] * (count - 1) if count else []


def mutated(nb: dict, mutations: list[tuple[str, str]], name: str) -> list[str]:
    """Solution sources with each (old, new) applied once."""
    texts = [notebooks.cell_source(c) for _, c in notebooks.numbered_solutions(nb)]
    for old, new in mutations:
        hits = [i for i, t in enumerate(texts) if old in t]
        count = sum(t.count(old) for t in texts)
        if count != 1:
            raise MutationError(f"{name}: {old!r} occurs {count} times in the solution "
                                "cells (must be exactly once); update the mutation")
        texts[hits[0]] = texts[hits[0]].replace(old, new)
    return texts


def apply(notebook: Path, source: str) -> None:
    """Make the notebook's solution cells wrong as the wrong-solution ``source`` says."""
    nb = json.loads(notebook.read_text())
    mutations = mutations_of(source)
    texts = (replaced(nb, source) if mutations is None
             else mutated(nb, mutations, notebook.name))
    notebooks.set_solution_sources(nb, texts)
    notebook.write_text(json.dumps(nb))


def build(dest: Path, base: Path = manifest.SOLUTIONS, overrides: dict[str, str] | None = None) -> Path:
    """A submission folder: the notebooks of ``base``, with some labs' code replaced."""
    dest.mkdir(parents=True, exist_ok=True)
    for lab in manifest.labs():
        if (base / lab.notebook).exists():      # a lab not written yet just fails to load
            shutil.copy(base / lab.notebook, dest / lab.notebook)
    for key, source in (overrides or {}).items():
        apply(dest / manifest.by_key(key).notebook, source)
    return dest


def caught_by(wrong_file: Path, seed: int | None = None) -> tuple[list[str], dict]:
    """Grade solutions/ with one lab replaced by ``wrong_file``: the checks that failed."""
    lab = manifest.lab_of_wrong(wrong_file)
    with tempfile.TemporaryDirectory(prefix="wrong-") as tmp:
        sub = build(Path(tmp) / "submission", overrides={lab.key: Path(wrong_file).read_text()})
        # A wrong solution may hang its checks' clean-up (a listener that blocks
        # kazoo's event thread): the partial results recorded so far still count.
        run = submissions.grade(sub, labs=[lab.key], seed=seed, timeout=240)
    data = run["results"]
    if data is None:
        return [], run
    return [c["name"] for c in data["checks"] if c["status"] == "failed"], run


def report(files: list[Path], runs: int = 1, log=print) -> int:
    """Grade each wrong solution ``runs`` times (a fresh seed each); say what caught it.
    1 if one run of one of them was caught by nothing, or its first failing row did not
    say its FIRST_WORDS."""
    import random
    uncaught = 0
    for f in files or sorted(WRONG.glob("lab*.py")):
        caught = 0
        for n in range(runs):
            seed = random.SystemRandom().randrange(10**6)
            names, run = caught_by(f, seed=seed)
            if run["results"] is None:
                log(f"{f.name}: the checks did not run (seed {seed})\n{run['output'][-2000:]}")
            elif names:
                first = first_failure(run["results"])
                missing = misses(first_words(f), first)
                caught += not missing
                if missing:
                    log(f"{f.name}: its first failing row ({first['name']}, seed {seed}) does "
                        f"not say {missing}:\n    {first['message'][:600]}")
            else:
                log(f"{f.name}: caught by nothing with seed {seed}")
            if runs == 1 and names:
                log(f"{f.name}: caught by {len(names)} check(s)")
                for name in names:
                    log(f"    {name}")
        if runs > 1:
            log(f"{f.name}: caught {caught} runs in {runs}")
        uncaught += caught < runs
    return 1 if uncaught else 0


def record_caught(wrong: Path, names: list[str]) -> None:
    """Keep which checks caught a wrong solution (several processes may grade at once:
    each writes a file of its own)."""
    CAUGHT.mkdir(parents=True, exist_ok=True)
    (CAUGHT / f"{Path(wrong).stem}.json").write_text(json.dumps(names))


def write_bite_table() -> str:
    """results/wrong-solutions.txt, the bite table: which checks caught each wrong solution."""
    caught = {p.stem: json.loads(p.read_text()) for p in sorted(CAUGHT.glob("*.json"))}
    if not caught:
        return ""
    width = max(len(n) for n in caught)
    lines = [f"{'wrong solution':<{width}}  caught by", "-" * (width + 40)]
    for name, checks in sorted(caught.items()):
        lines.append(f"{name:<{width}}  {', '.join(checks) or 'NOTHING'}")
    table = "\n".join(lines) + "\n"
    TABLE.write_text(table)
    return table
