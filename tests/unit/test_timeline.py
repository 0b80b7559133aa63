"""The invariant checker, its interval arithmetic and explain(), on hand-made timelines.

The sandbox polls each candidate's is_leader; a change is stamped with the read
that saw it (``t``) and the read before it, which still saw the old value
(``since``). On a busy machine the two lie apart, and only an overlap that
certainly happened may count against the learner.
"""
from types import SimpleNamespace

import pytest

from harness.world.recorder import ElectionRecorder
from harness.world.storm import Fault
from harness.world.timeline import Event, _intervals, _minus, _overlap, check_election, explain


def recorder(events, names=("c0", "c1"), end=10.0):
    tracks = {n: SimpleNamespace(initial_state="CONNECTED") for n in names}
    return SimpleNamespace(tracks=tracks, t0=0.0, t_end=end,
                           timeline=lambda: sorted(events, key=lambda e: e.t))


def test_a_handover_the_poll_saw_late_is_not_two_leaders():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(5.000, "c1", "leader", True, 4.995),
              # c0 stepped down before c1 rose; a late poll saw it only at 5.011
              Event(5.011, "c0", "leader", False, 4.990)]
    assert check_election(recorder(events)) == []


def test_an_overlap_that_certainly_happened_is_two_leaders():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(5.000, "c1", "leader", True, 4.995),
              Event(5.300, "c0", "leader", False, 5.295)]     # still True at 5.295
    problems = check_election(recorder(events))
    assert len(problems) == 1 and "two leaders at once: c0 and c1" in str(problems[0])


def test_leading_while_disconnected_counts_from_the_last_read_that_saw_it():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(3.0, "c0", "state", "SUSPENDED"),
              Event(3.6, "c0", "leader", False, 3.2)]        # within the 0.25 s grace
    assert check_election(recorder(events, names=("c0",))) == []
    late = [Event(1.0, "c0", "leader", True, 0.99),
            Event(3.0, "c0", "state", "SUSPENDED"),
            Event(3.6, "c0", "leader", False, 3.5)]          # seen leading at 3.5
    problems = check_election(recorder(late, names=("c0",)))
    assert len(problems) == 1 and "c0 led while disconnected" in str(problems[0])


# --- the interval arithmetic ---------------------------------------------------------

def test_intervals_pair_each_rise_with_the_next_fall():
    changes = [(1.0, True), (2.0, False), (3.0, True), (4.0, False)]
    assert _intervals(changes, False, 10.0) == [(1.0, 2.0), (3.0, 4.0)]


def test_intervals_ignore_repeats_and_falls_while_already_false():
    changes = [(0.5, False), (1.0, True), (1.5, True), (2.0, False), (2.5, False)]
    assert _intervals(changes, False, 10.0) == [(1.0, 2.0)]


def test_an_interval_still_open_at_the_end_lasts_until_the_end():
    assert _intervals([(3.0, True)], False, 10.0) == [(3.0, 10.0)]


def test_a_signal_true_from_the_start_counts_from_zero():
    assert _intervals([(4.0, False)], True, 10.0) == [(0.0, 4.0)]
    assert _intervals([], True, 10.0) == [(0.0, 10.0)]
    assert _intervals([], False, 10.0) == []


def test_overlap_is_the_common_part_or_none():
    assert _overlap((1.0, 5.0), (3.0, 8.0)) == (3.0, 5.0)
    assert _overlap((3.0, 8.0), (1.0, 5.0)) == (3.0, 5.0)
    assert _overlap((1.0, 9.0), (2.0, 3.0)) == (2.0, 3.0)
    assert _overlap((1.0, 2.0), (3.0, 4.0)) is None
    assert _overlap((1.0, 2.0), (2.0, 3.0)) is None          # touching is not overlapping


def test_minus_without_holes_keeps_the_span():
    assert _minus((1.0, 5.0), []) == [(1.0, 5.0)]
    assert _minus((1.0, 5.0), [(6.0, 7.0), (0.0, 1.0)]) == [(1.0, 5.0)]   # outside, touching


def test_minus_cuts_holes_at_the_edges():
    assert _minus((1.0, 5.0), [(0.0, 2.0)]) == [(2.0, 5.0)]
    assert _minus((1.0, 5.0), [(4.0, 9.0)]) == [(1.0, 4.0)]
    assert _minus((1.0, 5.0), [(1.0, 2.0), (4.0, 5.0)]) == [(2.0, 4.0)]


def test_minus_cuts_a_hole_in_the_middle_in_two():
    assert _minus((1.0, 9.0), [(3.0, 4.0), (6.0, 7.0)]) == [(1.0, 3.0), (4.0, 6.0), (7.0, 9.0)]


def test_minus_of_covering_holes_leaves_nothing():
    assert _minus((1.0, 5.0), [(0.0, 9.0)]) == []
    assert _minus((1.0, 5.0), [(1.0, 5.0)]) == []
    assert _minus((1.0, 5.0), [(1.0, 3.5), (3.0, 5.0)]) == []          # overlapping holes


# --- the expiry excuse, and what is no problem -----------------------------------------

def expired_leader(steps_down_at: float, fault=("c0", "expire c0")) -> list:
    """c0 leads from 1 s; at 5 s the grader expires c0's session behind its back; c1 is
    elected at 5.5 s; c0's client hears of it (SUSPENDED) at 6 s; c0 steps down at
    ``steps_down_at`` (its last read still saw it leading 10 ms before)."""
    who, text = fault
    return [Event(1.0, "c0", "leader", True, 0.99),
            Event(5.0, who, "fault", text),
            Event(5.5, "c1", "leader", True, 5.49),
            Event(6.0, "c0", "state", "SUSPENDED"),
            Event(steps_down_at, "c0", "leader", False, steps_down_at - 0.01)]


def test_an_expiry_behind_the_leaders_back_excuses_the_overlap_until_it_hears_plus_grace():
    assert check_election(recorder(expired_leader(steps_down_at=6.2))) == []


def test_the_expiry_excuse_ends_grace_seconds_after_the_client_hears_of_it():
    problems = check_election(recorder(expired_leader(steps_down_at=6.6)))
    two = [p for p in problems if p.what.startswith("two leaders at once")]
    assert len(two) == 1 and two[0].who == ("c0", "c1")
    # the overlap counts from 6.0 s + the 0.25 s grace, to c0's last read that saw it
    assert two[0].t == pytest.approx(6.25) and "from 6.250s to 6.590s" in two[0].what
    assert any(p.what.startswith("c0 led while disconnected") for p in problems)


def test_a_longer_grace_excuses_a_slower_step_down():
    assert check_election(recorder(expired_leader(steps_down_at=6.6)), grace=0.75) == []


def test_an_expiry_aimed_at_another_candidate_excuses_nothing():
    events = expired_leader(steps_down_at=6.2, fault=("c2", "expire c2"))
    problems = check_election(recorder(events, names=("c0", "c1", "c2")))
    assert [p.who for p in problems] == [("c0", "c1")]
    assert problems[0].t == pytest.approx(5.5)


def test_a_fault_that_is_not_an_expiry_excuses_nothing():
    events = expired_leader(steps_down_at=6.2, fault=("c0", "cut c0 1.5"))
    problems = check_election(recorder(events))
    assert [p.who for p in problems] == [("c0", "c1")]


def test_the_storms_mark_of_an_expiry_is_what_the_excuse_looks_for():
    mark = Fault(5.0, "expire", "c0").mark()
    assert check_election(recorder(expired_leader(steps_down_at=6.2, fault=("c0", mark)))) == []


def test_two_candidates_leading_one_after_the_other_is_fine():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(3.0, "c0", "leader", False, 2.99),
              Event(3.1, "c1", "leader", True, 3.09),
              Event(6.0, "c1", "leader", False, 5.99),
              Event(6.5, "c0", "leader", True, 6.49)]
    assert check_election(recorder(events)) == []


def test_a_leader_whose_client_comes_back_may_lead_again():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(2.0, "c0", "state", "SUSPENDED"),
              Event(2.1, "c0", "leader", False, 2.09),
              Event(3.0, "c0", "state", "CONNECTED"),
              Event(3.2, "c0", "leader", True, 3.19)]
    assert check_election(recorder(events, names=("c0",))) == []


def test_problems_come_earliest_first():
    events = [Event(1.0, "c0", "leader", True, 0.99),
              Event(2.0, "c0", "state", "LOST"),             # c0 leads on, disconnected
              Event(4.0, "c1", "leader", True, 3.99)]        # and c1 too: two leaders
    problems = check_election(recorder(events))
    assert problems[0].what.startswith("c0 led while disconnected")
    assert problems[1].what.startswith("two leaders at once")
    assert [p.t for p in problems] == sorted(p.t for p in problems)


# --- explain ---------------------------------------------------------------------------

def describable(events, names=("c0", "c1"), end=10.0):
    """The fake recorder, with the real recorder's describe() reading its timeline."""
    rec = recorder(events, names, end)
    rec.describe = lambda since=None, until=None, who=None: ElectionRecorder.describe(rec, since, until, who)
    return rec


def test_explain_gives_the_problem_and_the_timeline_around_it():
    rec = describable(expired_leader(steps_down_at=6.6))
    problems = check_election(rec)
    text = explain(rec, problems)
    assert str(problems[0]) in text
    assert "what happened around it" in text
    assert "c1  leader   True" in text and "c0  state    SUSPENDED" in text
    assert "  5.000s      c0  fault    expire c0" in text


def test_explain_leaves_out_what_happened_long_before():
    events = [Event(0.5, "c1", "state", "SUSPENDED"), Event(0.6, "c1", "state", "CONNECTED")]
    rec = describable(events + expired_leader(steps_down_at=6.6))
    text = explain(rec, check_election(rec), context=2.5)
    assert "SUSPENDED" in text and "c1  state" not in text      # 0.5 s is before 6.25 - 2.5


def test_explain_stops_at_the_limit_and_says_how_many_more():
    rec = describable(expired_leader(steps_down_at=6.6))
    problems = check_election(rec)
    assert len(problems) == 2
    text = explain(rec, problems, limit=1)
    assert str(problems[0]) in text and str(problems[1]) not in text
    assert text.endswith("... and 1 more")


def test_explain_leaves_out_bystanders_but_keeps_the_servers():
    events = [Event(5.5, "c7", "state", "SUSPENDED"), Event(5.6, "-", "fault", "kill 1"),
              Event(5.7, None, "fault", "kill 2")]
    rec = describable(events + expired_leader(steps_down_at=6.6), names=("c0", "c1", "c7"))
    problems = check_election(rec)
    text = explain(rec, [p for p in problems if p.who == ("c0",)])
    assert "c7" not in text and "kill 2" in text
