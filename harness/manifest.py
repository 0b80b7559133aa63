"""The labs, as ``labs.toml`` lists them."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / "labs.toml"


@dataclass(frozen=True)
class Lab:
    number: int
    key: str          # "lab1": the selector (`pytest checks -k lab1`) and the check files' prefix
    notebook: str     # "01_ephemeral_nodes.ipynb"
    module: str       # "ephemeral_nodes": what the solution cells become
    title: str
    points: float
    hint: str


@lru_cache(maxsize=1)
def labs() -> tuple[Lab, ...]:
    with open(MANIFEST, "rb") as f:
        data = tomllib.load(f)
    return tuple(Lab(**entry) for entry in data["lab"])


def by_module(name: str) -> Lab | None:
    return next((lab for lab in labs() if lab.module == name), None)


def by_key(key: str) -> Lab | None:
    return next((lab for lab in labs() if lab.key == key), None)


def by_notebook(notebook: str) -> Lab | None:
    return next((lab for lab in labs() if lab.notebook == notebook), None)
