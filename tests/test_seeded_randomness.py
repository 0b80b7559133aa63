"""A graded run's seed replays the learner's randomness: the guids and ``random``.

Whether a wrong sort by name agrees with creation order depends on the guids the
learner's candidates draw; with ``uuid.uuid4`` and ``random`` seeded from the
check's seed in the sandbox, the same seed grades the same way twice.
"""
import pytest

from harness.world import World
from harness.world.secrets import sandbox_seed, seed_key

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


def test_the_digest_is_keyed_so_the_run_seed_cannot_be_found_by_trying(tmp_path):
    """With the key, the digest of a public check's name under seed 777 is not the plain
    sha256 a brute force over small seeds would compute; the key is made once (0600)
    and read back the same, so every grading on this machine draws the same guids."""
    key = seed_key(tmp_path / "seed-key")
    assert key is not None and len(key) == 32
    assert (tmp_path / "seed-key").stat().st_mode & 0o777 == 0o600
    seed_key.cache_clear()
    assert seed_key(tmp_path / "seed-key") == key
    check = "777:checks/test_lab1_ephemeral_nodes.py::test_create_ephemeral"
    keyed = sandbox_seed(check, "", key)
    assert keyed == sandbox_seed(check, "", key)
    assert keyed != sandbox_seed(check, "")
    assert keyed != sandbox_seed(check, "", seed_key(tmp_path / "another-key"))


def test_an_unreadable_key_leaves_the_digest_unkeyed(tmp_path):
    bad = tmp_path / "seed-key"
    bad.write_text("not hex")
    assert seed_key(bad) is None
