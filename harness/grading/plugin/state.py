"""What one pytest session of the grader keeps between hooks, in ``config.stash``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class RunState:
    seed: int
    results: list = field(default_factory=list)         # scoring.CheckResult, in order
    seconds: dict = field(default_factory=dict)         # nodeid -> set-up + run + tear-down
    hung_labs: set = field(default_factory=set)         # labs whose code hung once
    ensemble: object = None                             # the run's Ensemble, once made
    grading: object = None                              # the run's Grading, once made
    log: Path | None = None                             # the run's log file, once made
    heals: int = 0                                      # times the ensemble was healed
    heal_first: bool = False                            # heal before the next check
    infra_said: bool = False                            # the first infrastructure error said
    earlier_notes: dict = field(default_factory=dict)   # lab -> its note on earlier labs
    messages: dict = field(default_factory=dict)        # lab -> {message: first check}
    locations: set = field(default_factory=set)         # "look at" lines said


RUN = pytest.StashKey[RunState]()
OUTPUT = pytest.StashKey[tuple]()       # on an item: (its lab's sandbox, output mark)
STARTED = pytest.StashKey[float]()      # on an item: time.time() its fixtures began


def run_state(config) -> RunState:
    return config.stash[RUN]


def sandbox_output(item) -> tuple:
    """(the sandbox of the item's lab, how much it had printed when the check began)."""
    return item.stash.get(OUTPUT, (None, 0))
