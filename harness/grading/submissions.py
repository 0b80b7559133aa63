"""Grade one submission in a process of its own, and read back its results.

A submission is a folder of lab notebooks. The checks always come from the
workshop (``manifest.CHECKS``) and an instructor's hidden folder; the process
starts in the workshop with a namespace of its own, so a submission's files (a
conftest.py, its own checks/) are never collected. The class grader, the
notebooks' ``check()``, the platform graders and the tools all grade this way.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from harness import manifest


def check_files(labs: list[str] | None = None, hidden: Path | None = None,
                copy_hidden_to: Path | None = None) -> list[str]:
    """The check files of these labs (default: all), the hidden ones copied where the
    sandbox cannot read them (``copy_hidden_to``: a folder of the grader's only)."""
    paths = []
    for key in labs or [lab.key for lab in manifest.labs()]:
        lab = manifest.by_key(key)
        paths += [str(p) for p in lab.check_files()]
        if hidden:
            for p in lab.check_files(Path(hidden)):
                if copy_hidden_to is None:
                    paths.append(str(p))
                else:
                    copy_hidden_to.mkdir(exist_ok=True)
                    paths.append(shutil.copy(p, copy_hidden_to / p.name))
    return paths


def pytest_command(files: list[str], submission: Path, results: Path, *extra: str) -> list[str]:
    """The one command line that grades ``submission`` with ``files``."""
    root = manifest.REPO
    return [sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider",
            "--submission", str(submission), "--results-json", str(results),
            "--rootdir", str(root), "-c", str(root / "pytest.ini"),
            "--confcutdir", str(root), *extra]


def grade(submission: Path, labs: list[str] | None = None, timeout: float = 600,
          extra_args: list[str] | None = None, seed: int | None = None,
          hidden: Path | None = None, env: dict | None = None) -> dict:
    """Run the checks on ``submission`` in a fresh process; {exit_code, output, results}."""
    # A private folder (0700, the grader's user): the results and the hidden checks live
    # there, out of the sandbox's reach (it runs as another uid when we are root).
    private = Path(tempfile.mkdtemp(prefix="grade-"))
    results = private / "results.json"
    files = check_files(labs, hidden, private / "hidden")
    cmd = pytest_command(files, submission, results, *(extra_args or []))
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = dict(os.environ, **(env or {}),       # env: another ensemble (ensemble/side.py)
               ZK_WORKSHOP_NAMESPACE=f"/grading/{uuid.uuid4().hex[:10]}")
    try:
        proc = subprocess.run(cmd, cwd=manifest.REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        output, code = f"timed out after {timeout:.0f} s\n{e.stdout or ''}", -1
    data = json.loads(results.read_text()) if results.exists() else None
    shutil.rmtree(private, ignore_errors=True)
    return {"exit_code": code, "output": output, "results": data}
