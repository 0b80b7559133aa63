"""A plain install grades: `pip install .` (not editable) into a fresh environment, then
`zk-workshop check` from another folder grades the solved notebooks to full marks.

The installed package carries the workshop's own files (labs.toml, the checks, the
starters: setup.py copies them into harness/_workshop), so it needs no checkout.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from harness import manifest

pytestmark = [pytest.mark.slow, pytest.mark.runs_checks]


@pytest.mark.timeout(900)
def test_a_plain_install_grades_the_solutions_from_another_folder(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(manifest.REPO)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import harness, pathlib; print(pathlib.Path(harness.__file__).parent)"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    package = site.stdout.strip()
    assert str(manifest.REPO) not in package, f"the install is not a copy: {package}"
    for carried in ("labs.toml", "checks", "labs", "pytest.ini"):
        assert os.path.exists(os.path.join(package, "_workshop", carried)), carried
    submission = tmp_path / "my notebooks"
    shutil.copytree(manifest.SOLUTIONS, submission, ignore=shutil.ignore_patterns("wrong"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    results = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    run = subprocess.run([str(venv / "bin" / "zk-workshop"), "check", "--submission",
                          str(submission), "--", "--results-json", str(results), "-q"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert results.exists(), run.stdout[-3000:] + run.stderr[-2000:]
    data = json.loads(results.read_text())
    assert data["total"]["points"] == data["total"]["max_points"] > 0, \
        {k: v["points"] for k, v in data["labs"].items()}
    assert run.returncode == 0, run.stdout[-3000:]
