"""Adding a lab is five files, and nothing else.

In a copy of the workshop, a throwaway lab is added as an instructor would: its
labs.toml entry, its solved notebook, its checks, a wrong solution and its page
of docs. Then, with no other edit: `python -m harness starters` makes its
starter and puts it in every lab table, the lab-interface page and the GitHub
Classroom workflow; the solutions earn its points and the starter none; the
bite test catches its wrong solution; the class grader gives it a column and
the platforms' formats a part; its solved notebook runs top to bottom.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import manifest

pytestmark = [pytest.mark.slow, pytest.mark.runs_checks]

N = len(manifest.labs()) + 1
KEY = f"lab{N}"
NOTEBOOK = f"{N:02d}_echo.ipynb"

ENTRY = f'''
[[lab]]
number = {N}
key = "{KEY}"
summary = "a node that gives back what it was given"
notebook = "{NOTEBOOK}"
module = "echo"
title = "Echo"
points = 5
hint = "Create the node with the data, then read it back."
builds = ["echo"]
catches = "an answer made up instead of read back"
seconds = 1
'''

SOLUTION = '''def echo(zk, path, data):
    ### BEGIN SOLUTION hint: create the node at path with data, read it back, return it
    zk.create(path, data, makepath=True)
    return zk.get(path)[0]
    ### END SOLUTION
'''

CHECK = '''"""Lab {n}: echo() stores the data in a real node and gives back what the servers hold."""
from harness.world import expect


def test_echo_returns_what_the_node_holds(world):
    zk = world.client()
    got = world.lab.echo(zk, "/echo/me", b"hello")
    stat = world.node_stat("/echo/me")
    expect(stat is not None, "echo() returned, but the servers hold no node at /echo/me: "
                             "create it (zk.create(path, data, makepath=True)).")
    expect(got == b"hello", f"echo() returned {{got!r}}; the node holds b'hello'.")
'''.format(n=N)

WRONG = '''"""Makes the answer up: returns the data without creating the node."""
FIRST_WORDS = ("create it",)
MUTATIONS = [("    zk.create(path, data, makepath=True)\\n    return zk.get(path)[0]\\n",
              "    return data\\n")]
'''

PAGE = f'''### Lab {N} — `echo`
- `echo(zk, path, data) -> bytes`: create `path` holding `data` (and its
  missing parents), and return what the node holds.
'''


def notebook() -> dict:
    def cell(kind, text, tags=()):
        made = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {},
                "source": text.splitlines(True)}
        if kind == "code":
            made.update(outputs=[], execution_count=None)
        return made
    return {"cells": [cell("markdown", f"# Lab {N} — Echo\n\nA node gives back what it holds.\n"),
                      cell("code", f'from harness.learner import workshop\n'
                                   f'ens, zk = workshop.start("{KEY}")\n'),
                      cell("markdown", "## Predict\n\nWhat does the node hold?\n"),
                      cell("markdown", "## Experiment\n\nNone needed.\n"),
                      cell("markdown", "## Your turn\n"),
                      cell("code", SOLUTION, tags=["solution"]),
                      cell("markdown", "## Check\n"),
                      cell("code", "workshop.check()\n")],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def copy_of_the_workshop(dest: Path) -> Path:
    """The workshop's files as a checkout holds them (no venv, no results)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=manifest.REPO, capture_output=True, text=True, check=True)
    for name in listed.stdout.splitlines():
        src = manifest.REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def add_the_five_files(root: Path) -> None:
    with open(root / "labs.toml", "a") as f:
        f.write(ENTRY)
    (root / "solutions" / NOTEBOOK).write_text(json.dumps(notebook(), indent=1))
    (root / "checks" / f"test_{KEY}_echo.py").write_text(CHECK)
    (root / "solutions" / "wrong" / f"{KEY}_made_up_answer.py").write_text(WRONG)
    (root / "docs" / "labs" / f"{KEY}.md").write_text(PAGE)


def run(root: Path, *args, timeout=900) -> subprocess.CompletedProcess:
    """``python ARGS`` in the copy, importing the copy's harness (a notebook's kernel too)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["PYTHONPATH"] = str(root)
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.timeout(1800)
def test_a_lab_is_its_five_files(tmp_path):
    root = copy_of_the_workshop(tmp_path / "workshop")
    add_the_five_files(root)
    made = run(root, "-m", "harness", "starters")
    assert made.returncode == 0, made.stdout + made.stderr
    starter = json.loads((root / "labs" / NOTEBOOK).read_text())
    assert "NotImplementedError" in json.dumps(starter) and "zk.get(path)" not in json.dumps(starter)
    for derived in ("README.md", "labs/00_start_here.ipynb", "docs/lab-interface.md"):
        assert f"{N:02d}_echo" in (root / derived).read_text(), f"{derived} lacks lab {N}"
    assert f"{KEY.upper()}_RESULTS" in (root / "docs/classroom/github-classroom.yml").read_text()

    graded = tmp_path / "solved.json"
    solved = run(root, "-m", "harness", "check", "--submission", "solutions", "--labs", KEY,
                 "--", "--results-json", str(graded), "-q")
    data = json.loads(graded.read_text())
    assert data["labs"][KEY]["points"] == 5.0, solved.stdout[-3000:]

    bite = run(root, "-m", "pytest", "tests/test_checks_bite.py", "-q", "-p", "no:cacheprovider",
               "-k", f"{KEY} or every_lab or starter", timeout=1500)
    assert bite.returncode == 0, bite.stdout[-3000:]
    assert f"{KEY}_made_up_answer" in (root / "results" / "wrong-solutions.txt").read_text()

    subs = tmp_path / "class"
    for name, base in (("finished", "solutions"), ("untouched", "labs")):
        (subs / name).mkdir(parents=True)
        shutil.copy(root / base / NOTEBOOK, subs / name / NOTEBOOK)
    out = tmp_path / "grades"
    graded_class = run(root, "-m", "harness", "grade", str(subs), "--out", str(out), "--labs", KEY,
                       "--jobs", "1", "--ensembles", "1")
    assert graded_class.returncode == 0, graded_class.stdout[-3000:] + graded_class.stderr
    with open(out / "grades.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert float(rows["finished"][KEY]) == 5.0 and float(rows["untouched"][KEY]) == 0.0
    gradescope = tmp_path / "gs.json"
    run(root, "-m", "harness", "grade", "--export", "gradescope", str(out / "finished.json"),
        str(gradescope))
    assert any(t["name"].startswith(f"Lab {N} Echo") and t["score"] > 0
               for t in json.loads(gradescope.read_text())["tests"])

    notebooks = run(root, "-m", "pytest", "tests/test_notebooks.py", "-q", "-p", "no:cacheprovider",
                    "-k", KEY, timeout=900)
    assert notebooks.returncode == 0 and "passed" in notebooks.stdout, notebooks.stdout[-3000:]
