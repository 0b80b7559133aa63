"""The labs, as ``labs.toml`` lists them, and where each lab's files are.

Every per-lab fact lives in labs.toml; this module reads it and answers the
questions the rest of the harness asks about a lab (which lab a check file or
a wrong solution belongs to, where its checks are), so nothing else names a lab.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from harness import settings

try:
    import tomllib
except ImportError:               # Python 3.10 (Ubuntu 22.04: Gradescope's, PrairieLearn's)
    import tomli as tomllib

REPO = settings.current().root           # the workshop's files (a checkout, or an install's copy)
MANIFEST = REPO / "labs.toml"
CHECKS = REPO / "checks"
SOLUTIONS = REPO / "solutions"
STARTERS = REPO / "labs"
WRONG = SOLUTIONS / "wrong"

_CHECK_FILE = re.compile(r"test_(lab\d+)_")


@dataclass(frozen=True)
class Probe:
    """A call any correct version of a lab answers the same way (``expect``)."""
    function: str
    args: tuple
    expect: object = None


@dataclass(frozen=True)
class Lab:
    number: int
    key: str          # "lab1": the selector (`pytest checks -k lab1`) and the check files' prefix
    notebook: str     # "01_ephemeral_nodes.ipynb"
    module: str       # "ephemeral_nodes": what the solution cells become
    title: str
    points: float
    hint: str
    summary: str = ""             # what it builds, in a few words
    builds: tuple = ()            # the graded names
    catches: str = ""             # the mistakes its checks catch
    needs: tuple = ()             # keys of the earlier labs its cells import
    seconds: float = 5.0          # grading it done right, here
    minutes: int = 0              # a new learner's time on it, measured (0: not yet)
    candidate: str = ""           # its candidate class, if it builds one
    bench: str = ""               # that class's name in the benchmark
    probes: tuple = field(default=())

    def check_files(self, folder: Path | None = None) -> list[Path]:
        """This lab's check files in ``folder`` (default: checks/)."""
        return sorted(Path(folder or CHECKS).glob(f"test_{self.key}_*.py"))

    def wrong_solutions(self) -> list[Path]:
        return sorted(WRONG.glob(f"{self.key}_*.py"))


def _lab(entry: dict) -> Lab:
    entry = dict(entry)
    probes = tuple(Probe(p["function"], tuple(p.get("args", ())), p.get("expect"))
                   for p in entry.pop("probe", ()))
    for name in ("builds", "needs"):
        entry[name] = tuple(entry.get(name, ()))
    return Lab(**entry, probes=probes)


@lru_cache(maxsize=None)
def labs(path: Path = MANIFEST) -> tuple[Lab, ...]:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return tuple(_lab(entry) for entry in data["lab"])


def by_module(name: str) -> Lab | None:
    return next((lab for lab in labs() if lab.module == name), None)


def by_key(key: str) -> Lab | None:
    return next((lab for lab in labs() if lab.key == key), None)


def by_notebook(notebook: str) -> Lab | None:
    return next((lab for lab in labs() if lab.notebook == notebook), None)


def key_of_check(path) -> str:
    """The lab a check file grades, from its name (``test_lab3_*.py`` -> "lab3"); "" for
    a check of the harness itself. An instructor's hidden ``test_lab3_extra.py`` counts
    in lab 3 wherever it lives."""
    m = _CHECK_FILE.match(Path(str(path)).name)
    return m.group(1) if m else ""


def lab_of_wrong(path: Path) -> Lab:
    """The lab a wrong solution belongs to, from its name (``lab3_never_rearms.py``)."""
    lab = by_key(Path(path).stem.split("_", 1)[0])
    if lab is None:
        raise ValueError(f"{Path(path).name}: name must start with a lab key such as lab3_")
    return lab


def users_of(key: str) -> list[Lab]:
    """The labs whose solution cells import lab ``key``."""
    return [lab for lab in labs() if key in lab.needs]
