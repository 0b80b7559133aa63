"""From check outcomes to scores: the table and the JSON, one definition.

The command line, the notebooks' check() and the batch grader all print the
table made here, so a lab's rows read the same everywhere.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from harness import manifest

PASSED, FAILED, INFRA = "passed", "failed", "infra-error"


@dataclass
class CheckResult:
    lab: str            # "lab3", or "" for a check of the harness itself
    name: str           # the check's name, e.g. "test_one_leader"
    nodeid: str
    status: str         # passed | failed | infra-error
    message: str = ""   # for a learner, one paragraph
    points: float = 0.0
    max_points: float = 0.0
    hidden: bool = False  # an instructor's --hidden check (Gradescope shows it after publishing)
    seconds: float = 0.0  # set-up + run + tear-down: where a grading's time went


@dataclass
class LabScore:
    key: str
    title: str
    passed: int = 0
    total: int = 0
    infra: int = 0
    points: float = 0.0
    max_points: float = 0.0
    first_failure: str = ""
    hint: str = ""


@dataclass
class Report:
    checks: list[CheckResult] = field(default_factory=list)
    labs: list[LabScore] = field(default_factory=list)
    points: float = 0.0
    max_points: float = 0.0
    infra_errors: int = 0

    def to_json(self, **extra) -> dict:
        return {
            **extra,
            "total": {"points": round(self.points, 2), "max_points": round(self.max_points, 2),
                      "infra_errors": self.infra_errors},
            "labs": {lab.key: asdict(lab) for lab in self.labs},
            "checks": [asdict(c) for c in self.checks],
        }


def score(results: list[CheckResult]) -> Report:
    """Share each lab's points equally among its checks; sum them up."""
    report = Report(checks=results)
    for lab in manifest.labs():
        mine = [r for r in results if r.lab == lab.key]
        if not mine:
            continue
        each = lab.points / len(mine)
        row = LabScore(lab.key, f"{lab.number} {lab.title}", total=len(mine), max_points=lab.points)
        for r in mine:
            r.max_points = each
            r.points = each if r.status == PASSED else 0.0
            row.passed += r.status == PASSED
            row.infra += r.status == INFRA
            row.points += r.points
            if r.status == FAILED and not row.first_failure:
                row.first_failure = f"{r.name}: {first_line(r.message)}"
                row.hint = lab.hint
        row.points = round(row.points, 2)       # 11 checks of 15/11 points sum to 15.0, not 14.999...
        report.labs.append(row)
        report.points += row.points
        report.max_points += row.max_points
    report.points = round(report.points, 2)
    report.infra_errors = sum(r.status == INFRA for r in results)
    return report


def first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= 110 else line[:107] + "..."


def table(report: Report) -> str:
    """The progress table: one row per lab, then the total."""
    if not report.labs:
        return ""
    rows = [f"{'lab':<24} {'checks':>7} {'points':>13}", "-" * 78]
    for lab in report.labs:
        mark = "ok" if lab.passed == lab.total else ("!!" if lab.infra else "..")
        rows.append(f"{mark} {lab.title:<21} {lab.passed:>3}/{lab.total:<3} "
                    f"{lab.points:>6.1f}/{lab.max_points:<6.1f}")
        if lab.infra:
            rows.append(f"     infrastructure: {lab.infra} check(s) could not run "
                        "(the ensemble was not serving): not your code's fault; rerun.")
        if lab.first_failure:
            rows.append(f"     first failing: {lab.first_failure}")
            rows.append(f"     hint: {lab.hint}")
    rows.append("-" * 78)
    rows.append(f"{'total':<24} {'':>7} {report.points:>6.1f}/{report.max_points:<6.1f}")
    return "\n".join(rows)
