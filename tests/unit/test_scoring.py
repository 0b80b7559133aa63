"""harness/grading/scoring.py: points shared among a lab's checks, the table and the JSON."""
import json

import pytest

from harness import manifest
from harness.grading.scoring import FAILED, INFRA, PASSED, CheckResult, first_line, score, table


def check(lab: str, name: str, status: str = PASSED, message: str = "") -> CheckResult:
    return CheckResult(lab=lab, name=name, nodeid=f"checks/test_{lab}_x.py::{name}",
                       status=status, message=message)


def checks(lab: str, count: int, status: str = PASSED) -> list[CheckResult]:
    return [check(lab, f"test_{lab}_{i}", status) for i in range(count)]


def points_of(key: str) -> float:
    return manifest.by_key(key).points


def row(report, key: str):
    return next(lab for lab in report.labs if lab.key == key)


def test_the_real_labs_are_lab1_to_labn_in_order():
    assert [lab.key for lab in manifest.labs()] == [f"lab{n}" for n in range(1, len(manifest.labs()) + 1)]


def test_eleven_passed_checks_of_a_15_point_lab_sum_to_exactly_15():
    assert points_of("lab2") == 15
    report = score(checks("lab2", 11))
    assert row(report, "lab2").points == 15.0
    assert report.points == 15.0 and report.max_points == 15.0


def test_points_are_shared_equally_among_a_labs_checks():
    results = checks("lab3", 3) + [check("lab3", "test_lab3_bad", FAILED, "no leader")]
    report = score(results)
    each = points_of("lab3") / 4
    assert [r.max_points for r in results] == [each] * 4
    assert [r.points for r in results] == [each, each, each, 0.0]
    assert row(report, "lab3").points == pytest.approx(3 * each)
    assert (row(report, "lab3").passed, row(report, "lab3").total) == (3, 4)


def test_every_lab_full_marks_sum_to_the_manifests_points():
    results = []
    for n, lab in enumerate(manifest.labs()):
        results += checks(lab.key, 3 + 4 * n)      # 3, 7, 11, 15, 19 checks: thirds, sevenths...
    report = score(results)
    assert report.points == sum(lab.points for lab in manifest.labs()) == report.max_points
    assert [r.points for r in report.labs] == [float(lab.points) for lab in manifest.labs()]


def test_labs_without_results_have_no_row_and_no_points():
    report = score(checks("lab4", 2))
    assert [r.key for r in report.labs] == ["lab4"]
    assert report.max_points == points_of("lab4")


def test_a_check_of_the_harness_itself_belongs_to_no_lab():
    report = score([check("", "test_harness_works")] + checks("lab1", 1))
    assert [r.key for r in report.labs] == ["lab1"]
    assert report.points == points_of("lab1")


def test_infra_errors_count_as_infra_not_as_failures():
    results = checks("lab5", 2) + [check("lab5", "test_lab5_down", INFRA, "ensemble not serving")]
    report = score(results)
    lab5 = row(report, "lab5")
    assert (lab5.passed, lab5.infra, lab5.total) == (2, 1, 3)
    assert lab5.first_failure == "" and lab5.hint == ""        # no failure: nothing to blame
    assert report.infra_errors == 1


def test_infra_errors_of_harness_checks_are_counted_too():
    assert score([check("", "test_ensemble", INFRA)]).infra_errors == 1


def test_the_first_failing_check_and_the_labs_hint_are_kept():
    results = [check("lab4", "test_ok"),
               check("lab4", "test_first", FAILED, "two leaders at once\nmore detail"),
               check("lab4", "test_second", FAILED, "another")]
    lab4 = row(score(results), "lab4")
    assert lab4.first_failure == "test_first: two leaders at once"
    assert lab4.hint == manifest.by_key("lab4").hint


def test_first_line_is_the_first_non_blank_line_cut_to_110_characters():
    assert first_line("\n\n  boom\nsecond") == "boom"
    assert first_line("") == "" and first_line(None) == "" and first_line("   \n ") == ""
    long = "x" * 200
    assert first_line(long) == "x" * 107 + "..." and len(first_line(long)) == 110
    assert first_line("y" * 110) == "y" * 110


def test_the_table_shows_a_row_per_lab_with_the_first_failure_and_hint():
    results = checks("lab1", 2) + [check("lab2", "test_sort", FAILED, "sorted by name")]
    text = table(score(results))
    lines = text.splitlines()
    assert any(line.startswith("ok 1 Ephemeral nodes") and "2/2" in line
               and "10.0/10.0" in line for line in lines), text
    assert any(line.startswith(".. 2 Sequence numbers") and "0/1" in line
               and "0.0/15.0" in line for line in lines), text
    assert "     first failing: test_sort: sorted by name" in lines
    assert f"     hint: {manifest.by_key('lab2').hint}" in lines


def test_the_table_marks_a_lab_with_infra_errors_and_says_it_is_not_the_learners_fault():
    text = table(score(checks("lab5", 1) + [check("lab5", "test_down", INFRA)]))
    assert text.splitlines()[2].startswith("!! 5 Failover")
    assert "infrastructure: 1 check(s) could not run" in text
    assert "first failing" not in text


def test_the_tables_last_line_is_the_total():
    text = table(score(checks("lab1", 1) + [check("lab2", "test_x", FAILED)]))
    last = text.splitlines()[-1]
    assert last.startswith("total") and last.split()[-1] == "10.0/25.0"
    assert text.splitlines()[-2] == "-" * 78


def test_no_results_make_no_table():
    assert table(score([])) == ""


def test_to_json_has_the_total_the_labs_by_key_and_every_check():
    results = checks("lab1", 2) + [check("lab3", "test_herd", FAILED, "no")]
    data = score(results).to_json(submission="alice", seed=7)
    json.dumps(data)                                    # plain JSON, all of it
    assert data["submission"] == "alice" and data["seed"] == 7
    assert data["total"] == {"points": 10.0, "max_points": 30.0, "infra_errors": 0}
    assert set(data["labs"]) == {"lab1", "lab3"}
    assert data["labs"]["lab3"]["first_failure"] == "test_herd: no"
    assert data["labs"]["lab1"]["title"] == "1 Ephemeral nodes"
    assert [c["name"] for c in data["checks"]] == ["test_lab1_0", "test_lab1_1", "test_herd"]
    assert data["checks"][2]["status"] == FAILED and data["checks"][2]["max_points"] == 20.0


def test_to_json_rounds_the_totals_to_cents():
    data = score(checks("lab2", 11)[:10] + [check("lab2", "test_x", FAILED)]).to_json()
    assert data["total"]["points"] == round(15 * 10 / 11, 2) == 13.64
