"""A graded run's seed replays the learner's randomness: the guids and ``random``.

Whether a wrong sort by name agrees with creation order depends on the guids the
learner's candidates draw; with ``uuid.uuid4`` and ``random`` seeded from the
check's seed in the sandbox, the same seed grades the same way twice.
"""
import pytest

from harness.world import World, sandbox_seed

pytestmark = pytest.mark.timeout(60)


def guids_drawn(solved_world, seed):
    world = World(solved_world.grading, solved_world.module, solved_world.namespace, seed=seed)
    try:
        zk = world.client(label="seeded")
        cands = [world.candidate("ResilientCandidate", zk, label=f"c{i}") for i in range(3)]
        for c in cands:
            c.start()              # lab 5's candidate draws its guid as it volunteers
        return [c.attrs("guid")["guid"] for c in cands]
    finally:
        world.close()


def test_the_same_seed_draws_the_same_guids_and_another_seed_others(solved_world):
    first = guids_drawn(solved_world, "777:check-a")
    assert len(set(first)) == 3, first                  # unique within a check
    assert guids_drawn(solved_world, "777:check-a") == first
    assert set(guids_drawn(solved_world, "777:check-b")).isdisjoint(first)


def test_a_world_without_a_seed_leaves_the_guids_random(solved_world):
    a = guids_drawn(solved_world, None)
    assert set(guids_drawn(solved_world, None)).isdisjoint(a)


def test_the_sandbox_is_told_neither_the_check_nor_the_run_seed():
    told = sandbox_seed("777:checks/test_lab9_hidden.py::test_secret", "sandbox 2")
    assert told == sandbox_seed("777:checks/test_lab9_hidden.py::test_secret", "sandbox 2")
    assert "777" not in told and "hidden" not in told and "secret" not in told
    assert told != sandbox_seed("777:checks/test_lab9_hidden.py::test_secret", "")
