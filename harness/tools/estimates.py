"""A new learner's time on each lab, ESTIMATED from its notebook: not a measurement.

labs.toml's ``minutes`` holds measured times (0: not measured yet). 00_start_here
shows this estimate beside them, labelled as one. It is computed from the starter
the learner opens (the solved notebook with its solutions taken out), so it follows
the notebook when its prose or code changes:

    reading     every word of its markdown cells, at WORDS_PER_MINUTE
    code        every other non-blank line of its code cells (the experiments, and
                the given part of the Your-turn cells), read and run, at
                CODE_LINES_PER_MINUTE
    exercises   EXERCISE_MINUTES for each part the learner writes (each
                ``raise NotImplementedError`` of the starter)

their sum rounded to the nearest ROUND_TO minutes. The rates are assumptions, stated here
and under 00_start_here's table; docs/learner-walkthrough.md says what was measured.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from harness import manifest, notebooks
from harness.learner import starters

WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 20
EXERCISE_MINUTES = 5
ROUND_TO = 5
EXERCISE = "raise NotImplementedError("      # what the starter puts in each part to write


@dataclass(frozen=True)
class Estimate:
    words: int            # of markdown
    code_lines: int       # given code, read and run
    exercises: int        # parts to write

    @property
    def minutes(self) -> int:
        raw = (self.words / WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE
               + self.exercises * EXERCISE_MINUTES)
        return ROUND_TO * math.floor(raw / ROUND_TO + 0.5)


def of_starter(nb: dict) -> Estimate:
    """The estimate of a starter notebook (as ``starters.starter`` makes it)."""
    words = code = exercises = 0
    for cell in nb["cells"]:
        source = notebooks.cell_source(cell)
        if cell.get("cell_type") == "markdown":
            words += len(source.split())
        elif cell.get("cell_type") == "code":
            lines = [line for line in source.splitlines() if line.strip()]
            parts = sum(EXERCISE in line for line in lines)
            exercises += parts
            code += len(lines) - parts
    return Estimate(words, code, exercises)


def of_lab(lab: manifest.Lab, solutions: Path | None = None) -> Estimate:
    """The estimate of a lab, from its solved notebook in ``solutions`` (default: solutions/)."""
    solved = json.loads((Path(solutions or manifest.SOLUTIONS) / lab.notebook).read_text())
    return of_starter(starters.starter(solved, lab.notebook))


def method() -> str:
    """How the estimate is computed, in a sentence for the learner."""
    return (f"its prose at {WORDS_PER_MINUTE} words a minute, its given code at "
            f"{CODE_LINES_PER_MINUTE} lines a minute, and {EXERCISE_MINUTES} minutes for each "
            f"part you write, rounded to {ROUND_TO} minutes")
