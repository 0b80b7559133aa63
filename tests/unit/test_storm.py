"""harness/world/storm.py: a schedule drawn from a seed only, never two servers down, as text."""
import random

import pytest

from harness.world import storm
from harness.world.storm import Fault

SEEDS = range(200)          # drawing is cheap: each property holds for every one of them
FOLLOW_UPS = ("heal", "start")        # the second half of a cut/hold or a kill


def schedule(seed: int, **kw) -> list[Fault]:
    return storm.draw(random.Random(seed), **kw)


def test_a_seed_replays_the_same_schedule():
    assert schedule(7) == schedule(7)
    assert schedule(7, duration=40.0, initial=4) == schedule(7, duration=40.0, initial=4)


def test_another_seed_gives_another_schedule():
    assert schedule(7) != schedule(8)
    assert len({tuple(schedule(s)) for s in range(20)}) == 20


def test_a_schedule_has_faults_of_every_kind_over_enough_seeds():
    kinds = {f.action for s in range(20) for f in schedule(s)}
    assert kinds == {"kill", "start", "expire", "cut", "hold", "heal", "resign", "join"}


@pytest.mark.parametrize("duration", [5.0, 20.0, 60.0])
def test_faults_are_sorted_and_only_follow_ups_come_after_the_duration(duration):
    for seed in SEEDS:
        faults = schedule(seed, duration=duration)
        times = [f.t for f in faults]
        assert times == sorted(times), seed
        assert all(f.t >= 0.5 for f in faults), seed
        late = [f for f in faults if f.t >= duration]
        assert all(f.action in FOLLOW_UPS for f in late), (seed, late)
        # a follow-up comes at most 3.5 s after its fault (the longest outage drawn)
        assert all(f.t < duration + 3.5 for f in faults), seed


def test_never_two_servers_down_at_once():
    for seed in SEEDS:
        down = set()
        for f in schedule(seed, duration=60.0):
            if f.action == "kill":
                assert not down, (seed, f, down)
                down.add(f.arg)
            elif f.action == "start":
                assert down == {f.arg}, (seed, f, down)
                down.clear()
        assert not down, seed                      # every server killed is started again


def test_every_kill_names_a_server_and_is_started_again():
    for seed in SEEDS:
        faults = schedule(seed)
        kills = [f.arg for f in faults if f.action == "kill"]
        assert kills == [f.arg for f in faults if f.action == "start"], seed
        assert set(kills) <= {1, 2, 3}


def test_a_resigned_candidate_takes_no_later_fault():
    for seed in SEEDS:
        gone = set()
        for f in schedule(seed, duration=60.0):
            assert f.target not in gone, (seed, f)
            if f.action == "resign":
                gone.add(f.target)


def test_every_cut_or_hold_is_healed_before_that_candidates_next_fault():
    for seed in SEEDS:
        unhealed = set()
        for f in schedule(seed, duration=60.0):
            if f.action == "heal":
                assert f.target in unhealed, (seed, f)
                unhealed.remove(f.target)
                continue
            assert f.target not in unhealed, (seed, f)
            if f.action in ("cut", "hold"):
                unhealed.add(f.target)
        assert not unhealed, seed


@pytest.mark.parametrize("initial", [3, 6, 9])       # at the floor, the default, at the cap
def test_joins_add_new_names_and_faults_aim_only_at_candidates_that_are_there(initial):
    for seed in SEEDS:
        present = {f"c{i}" for i in range(initial)}
        ever = set(present)
        for f in schedule(seed, duration=60.0, initial=initial):
            if f.action == "join":
                assert f.target not in ever, (seed, f)
                assert f.arg in ("proxy", "direct")
                present.add(f.target)
                ever.add(f.target)
            elif f.target:
                assert f.target in present, (seed, f)
                if f.action == "resign":
                    present.remove(f.target)
            assert 3 <= len(present) <= 9, (seed, f)


def test_only_proxied_candidates_have_their_link_cut_or_held():
    for seed in SEEDS:
        proxied = {"c0", "c1", "c2"}
        for f in schedule(seed, duration=60.0):
            if f.action == "join" and f.arg == "proxy":
                proxied.add(f.target)
            if f.action in ("cut", "hold"):
                assert f.target in proxied, (seed, f)
                assert 0.3 <= f.arg <= 3.0


def test_describe_has_one_line_per_fault_in_order():
    faults = schedule(3)
    lines = storm.describe(faults).splitlines()
    assert len(lines) == len(faults)
    for line, fault in zip(lines, faults):
        assert line.endswith(fault.describe()) and f"{fault.t:.2f}s" in line


@pytest.mark.parametrize("fault, text", [
    (Fault(1.0, "kill", "", 2), "kill zoo2"),
    (Fault(1.0, "start", "", 2), "start zoo2"),
    (Fault(1.0, "cut", "c1", 1.5), "cut c1's link for 1.5 s"),
    (Fault(1.0, "hold", "c1", 0.4), "stall c1's link for 0.4 s"),
    (Fault(1.0, "heal", "c1"), "heal c1's link"),
    (Fault(1.0, "expire", "c3"), "expire c3's session"),
    (Fault(1.0, "resign", "c4"), "c4 resigns"),
    (Fault(1.0, "join", "c7", "proxy"), "c7 joins (proxy)"),
])
def test_each_fault_describes_itself(fault, text):
    assert fault.describe() == text


def test_the_mark_of_an_expiry_says_expire_and_names_its_candidate():
    # the timeline checker excuses an overlap after a fault whose text says "expire"
    assert Fault(2.0, "expire", "c3").mark() == "expire c3"


@pytest.mark.parametrize("fault", [Fault(1.0, "cut", "c1", 1.5), Fault(1.0, "hold", "c1", 1.5),
                                   Fault(1.0, "heal", "c1"), Fault(1.0, "resign", "c1"),
                                   Fault(1.0, "join", "c1", "proxy"), Fault(1.0, "kill", "", 1)])
def test_no_other_faults_mark_says_expire(fault):
    assert "expire" not in fault.mark()


def test_marks_name_the_target_and_the_argument():
    assert Fault(1.0, "cut", "c1", 1.5).mark() == "cut c1 1.5"
    assert Fault(1.0, "join", "c7", "direct").mark() == "join c7 direct"
