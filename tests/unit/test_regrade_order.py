"""The class grader's gradings again: which labs, in which turn, beside whom, and how
their results join the first grading's (harness/grading/again.py, batch.Turns).
No ensemble: rows, results and loads as data; a grading is a function that returns
what a real one would."""
from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

from harness.grading import again, batch
from harness.grading.scoring import FAILED, INFRA, PASSED


def test_those_that_pressed_on_nothing_are_graded_again_first_and_apart():
    rows = {Path("a"): {"pressed": ""}, Path("b"): {"pressed": "900 request(s) refused"},
            Path("c"): {}, Path("d"): {"pressed": "80 s of CPU in its sandboxes"}}
    groups = again.groups(list(rows), rows)
    assert groups == [[Path("a"), Path("c")], [Path("b"), Path("d")]]


def test_no_empty_turn():
    rows = {Path("a"): {"pressed": ""}}
    assert again.groups([Path("a")], rows) == [[Path("a")]]
    assert again.groups([], rows) == []


def test_a_quiet_submission_goes_at_once_then_at_the_end_a_loud_one_at_the_end_once():
    assert again.when([], "") == again.AT_ONCE
    assert again.when([again.AT_ONCE], "") == again.AT_THE_END
    assert again.when([again.AT_ONCE, again.AT_THE_END], "") is None
    assert again.when([], "90 s of CPU") == again.AT_THE_END
    assert again.when([again.AT_THE_END], "90 s of CPU") is None


def test_cpu_is_named_only_past_what_the_solutions_take():
    assert batch.pressed({"sandbox_cpu_seconds": batch.CPU_NOTED}) == ""
    said = batch.pressed({"sandbox_cpu_seconds": batch.CPU_NOTED + 1})
    assert "of CPU in its sandboxes" in said and f"{batch.SOLUTIONS_CPU:.0f} s" in said
    assert batch.pressed({"sandbox_cpu_seconds": None}) == ""
    assert batch.pressed({}) == ""


def results(statuses: dict[str, list[str]], load: dict | None = None) -> dict:
    """One grading's results: per lab the statuses of its checks, one point each."""
    checks = [{"lab": lab, "name": f"test_{lab}_{n}", "status": s,
               "points": float(s == PASSED), "max_points": 1.0}
              for lab, ss in statuses.items() for n, s in enumerate(ss)]
    labs = {lab: {"key": lab, "points": float(ss.count(PASSED)), "max_points": float(len(ss)),
                  "infra": ss.count(INFRA)} for lab, ss in statuses.items()}
    return {"seed": 7, "checks": checks, "labs": labs, "load": load or {},
            "total": {"points": sum(lab["points"] for lab in labs.values()),
                      "max_points": sum(lab["max_points"] for lab in labs.values()),
                      "infra_errors": sum(lab["infra"] for lab in labs.values())}}


def test_only_the_labs_that_hold_a_check_with_no_verdict_are_graded_again():
    assert again.labs_to_grade(results({"lab1": [PASSED], "lab3": [FAILED]})) == []
    assert again.labs_to_grade(results({"lab1": [PASSED], "lab3": [FAILED, INFRA],
                                        "lab5": [INFRA]})) == ["lab3", "lab5"]
    harness_own = results({"lab1": [PASSED], "": [INFRA]})
    assert again.labs_to_grade(harness_own) is None         # then every lab again
    assert again.labs_to_grade(None) == []


def test_the_labs_graded_again_replace_theirs_and_every_other_verdict_stands():
    first = results({"lab1": [PASSED, FAILED], "lab3": [PASSED, INFRA], "lab5": [INFRA]},
                    load={"watch_peak": 9, "refusals": 2, "first_refusal": "a big one",
                          "quota_reached": ["x"], "sandbox_cpu_seconds": 2.5})
    second = results({"lab3": [PASSED, PASSED], "lab5": [FAILED]},
                     load={"watch_peak": 4, "refusals": 1, "first_refusal": "another",
                           "quota_reached": ["y"], "sandbox_cpu_seconds": 1.0})
    merged = again.merge(first, second, ["lab3", "lab5"])
    assert [(c["lab"], c["status"]) for c in merged["checks"]] == [
        ("lab1", PASSED), ("lab1", FAILED), ("lab3", PASSED), ("lab3", PASSED), ("lab5", FAILED)]
    assert merged["labs"]["lab1"] == first["labs"]["lab1"]
    assert merged["labs"]["lab3"]["points"] == 2.0
    assert merged["total"] == {"points": 3.0, "max_points": 5.0, "infra_errors": 0}
    assert merged["load"] == {"watch_peak": 9, "refusals": 3, "first_refusal": "a big one",
                              "quota_reached": ["x", "y"], "sandbox_cpu_seconds": 3.5}
    assert merged["graded_again"] == [["lab3", "lab5"]] and merged["seed"] == 7


def test_a_lab_the_second_grading_never_reached_keeps_the_first_gradings_checks():
    first = results({"lab3": [PASSED, INFRA], "lab5": [INFRA]})
    cut_off = results({"lab3": [PASSED, PASSED]})            # lab 5 never ran
    merged = again.merge(first, cut_off, ["lab3", "lab5"])
    assert [(c["lab"], c["status"]) for c in merged["checks"]] == [
        ("lab3", PASSED), ("lab3", PASSED), ("lab5", INFRA)]
    assert merged["total"]["infra_errors"] == 1 and merged["labs"]["lab5"]["infra"] == 1


class FakeGradings:
    """Gradings as data: each call pops the next results of that submission's script,
    keeping only the labs asked for, and writes them where grade_one would."""

    def __init__(self, out: Path, scripts: dict[str, list[dict]]):
        self.out, self.scripts, self.calls = out, scripts, []

    def __call__(self, e: Path, only, last):
        self.calls.append((e.name, only, last is not None))
        data = self.scripts[e.name].pop(0)
        if only:
            data = dict(data, checks=[c for c in data["checks"] if c["lab"] in only],
                        labs={k: v for k, v in data["labs"].items() if k in only})
        if last is not None:
            data = again.merge(json.loads((self.out / f"{e.name}.json").read_text()), data, only)
        (self.out / f"{e.name}.json").write_text(json.dumps(data))
        return dict(batch.row_of(e.name, data, 1, 1.0, None), labs=None,
                    graded_again=len(data.get("graded_again", [])))


def test_turns_grade_the_broken_labs_again_and_a_loud_one_last(tmp_path):
    cpu = {"sandbox_cpu_seconds": batch.CPU_NOTED + 30}
    fake = FakeGradings(tmp_path, {
        "honest": [results({"lab1": [PASSED]})],
        "victim": [results({"lab1": [PASSED], "lab4": [INFRA, PASSED]}),      # first
                   results({"lab1": [FAILED], "lab4": [INFRA, PASSED]}),      # at once: broke again
                   results({"lab1": [FAILED], "lab4": [PASSED, PASSED]})],    # at the end
        "hog": [results({"lab1": [INFRA]}, load=cpu), results({"lab1": [PASSED]}, load=cpu)],
    })
    said = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        rows = batch.Turns(pool, fake, None, said.append).run(
            [Path("victim"), Path("hog"), Path("honest")])
    assert fake.calls == [("victim", None, False), ("hog", None, False), ("honest", None, False),
                          ("victim", ["lab4"], True),       # queued at once: ran in the tail
                          ("victim", ["lab4"], True),       # at the end, before the loud one
                          ("hog", ["lab1"], True)]
    victim = rows[Path("victim")]
    assert victim["status"] == "graded" and victim["total"] == 3.0      # lab 1 kept its pass
    assert rows[Path("hog")]["status"] == "graded" and rows[Path("hog")]["pressed"]
    assert "; 2 graded again (the labs" in batch.summary(list(rows.values()), 60)
    ends = [line for line in said if line.startswith("grading again ") and "submission(s)" in line]
    assert ends == ["grading again 1 submission(s) whose checks met a broken ensemble: victim",
                    "grading again 1 submission(s) whose checks met a broken ensemble: hog"]


def test_a_submission_is_graded_again_at_most_twice(tmp_path):
    broken = results({"lab2": [INFRA]})
    fake = FakeGradings(tmp_path, {"unlucky": [broken, broken, broken, broken]})
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        rows = batch.Turns(pool, fake, None, lambda _: None).run([Path("unlucky")])
    assert len(fake.calls) == 3
    assert rows[Path("unlucky")]["status"] == "infrastructure errors: regrade"
