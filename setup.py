"""An installed harness carries the workshop's own files, so it grades from anywhere.

``pip install .`` (not editable) copies labs.toml, pytest.ini, conftest.py, the
checks, the starter notebooks and the Docker recipe into ``harness/_workshop``;
``harness.settings`` finds them there when the package does not live in a
checkout. Everything else is in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WORKSHOP_FILES = ["labs.toml", "pytest.ini", "conftest.py", "docker-compose.yml", ".env",
                  "checks", "labs", "docker"]


class BuildWithWorkshop(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        dest = Path(self.build_lib) / "harness" / "_workshop"
        for name in WORKSHOP_FILES:
            src = here / name
            if src.is_dir():
                shutil.copytree(src, dest / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.bak-*"))
            elif src.exists():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dest / name)


setup(cmdclass={"build_py": BuildWithWorkshop})
