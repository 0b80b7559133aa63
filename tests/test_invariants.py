"""The invariant checker on hand-made timelines (no ensemble: it only reads events).

The sandbox polls each candidate's is_leader; a change is stamped with the read
that saw it (``t``) and the read before it, which still saw the old value
(``since``). On a busy machine the two lie apart, and only an overlap that
certainly happened may count against the learner.
"""
from types import SimpleNamespace

from harness.invariants import Event, check_election


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
