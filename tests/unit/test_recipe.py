"""harness/recipe.py: node names, sequence numbers and creation order across the 32-bit wrap."""
import random
from itertools import pairwise

import pytest

from harness.recipe import (
    INT_MAX,
    INT_MIN,
    SERIAL,
    creation_order,
    guid_of,
    precedes,
    sequence_of,
    serial_distance,
)


def wrapped(n: int) -> int:
    """``n`` as ZooKeeper's signed 32-bit counter holds it."""
    return (n - INT_MIN) % SERIAL + INT_MIN


def node(guid: str, number: int) -> str:
    """A candidate's name as ZooKeeper writes it: ``%010d`` of the signed counter."""
    return f"{guid}-n_{number:010d}"


# --- sequence_of ---------------------------------------------------------------------

@pytest.mark.parametrize("name, number", [
    ("5b0c-n_0000000042", 42),
    ("5b0c-n_0000000000", 0),
    ("5b0c-n_-000000001", -1),                   # %010d of -1: the sign takes a digit's place
    ("5b0c-n_-2147483648", INT_MIN),             # the newest node right after the wrap
    ("5b0c-n_2147483647", INT_MAX),
])
def test_sequence_of_reads_the_signed_number_zookeeper_wrote(name, number):
    assert sequence_of(name) == number


def test_sequence_of_reads_after_the_last_marker_when_the_guid_contains_one():
    assert sequence_of("guid-n_7-n_0000000003") == 3
    assert sequence_of("a-n_-n_-000000005") == -5


def test_sequence_of_reads_full_paths():
    assert sequence_of("/checks/ns/election/5b0c-n_0000000042") == 42
    assert sequence_of("/election/x-n_-2147483648") == INT_MIN


@pytest.mark.parametrize("name", ["plain", "lock-0000000001", "x_n_0000000001", "", "/election"])
def test_a_name_without_the_marker_has_no_number(name):
    assert sequence_of(name) is None


@pytest.mark.parametrize("name", ["x-n_", "x-n_abc", "x-n_00000000zz", "x-n_1.5",
                                  "/el-n_5/child"])   # the marker in a folder, not the name
def test_a_suffix_that_is_not_a_number_has_no_number(name):
    assert sequence_of(name) is None


# --- guid_of -------------------------------------------------------------------------

def test_guid_of_is_the_text_before_the_last_marker():
    assert guid_of("5b0c-n_0000000042") == "5b0c"
    assert guid_of("guid-n_7-n_0000000003") == "guid-n_7"


def test_guid_of_reads_only_the_last_path_component():
    assert guid_of("/checks/a-n_1/election/5b0c-n_0000000042") == "5b0c"


def test_guid_of_a_name_without_the_marker_is_empty():
    assert guid_of("plain") == ""
    assert guid_of("/folder-n_/plain") == ""


# --- precedes and serial_distance (RFC 1982, SERIAL_BITS = 32) -----------------------

@pytest.mark.parametrize("a, b", [
    (1, 2), (0, 100), (-5, -4), (-1, 0),          # plain order, and across -1 -> 0
    (INT_MAX, INT_MIN),                            # across the wrap: the newcomer is INT_MIN
    (INT_MAX - 10, INT_MIN + 10),
    (0, INT_MAX),                                  # the farthest a later node can be
])
def test_precedes_follows_creation_order_on_both_sides_of_each_wrap(a, b):
    assert precedes(a, b)
    assert not precedes(b, a)


def test_a_number_does_not_precede_itself():
    assert not precedes(7, 7)
    assert not precedes(INT_MIN, INT_MIN)


def test_numbers_half_the_ring_apart_precede_neither_way():
    # RFC 1982 leaves this pair undefined; neither may claim to come first
    assert not precedes(0, INT_MIN) and not precedes(INT_MIN, 0)
    assert not precedes(-1, INT_MAX) and not precedes(INT_MAX, -1)


@pytest.mark.parametrize("a, b, distance", [
    (41, 42, 1),
    (INT_MAX, INT_MIN, 1),                         # one step across the wrap
    (-1, 0, 1),
    (INT_MAX - 1, INT_MIN + 1, 3),
    (5, 5, 0),
    (0, -1, SERIAL - 1),                           # counted forward, modulo 2**32
])
def test_serial_distance_counts_forward_modulo_2_to_the_32(a, b, distance):
    assert serial_distance(a, b) == distance


# --- creation_order ------------------------------------------------------------------

def test_sequence_numbers_are_signed_and_sorted_in_creation_order():
    names = ["b-n_0000000010", "a-n_0000000009", "z-n_-2147483648", "c-n_2147483647",
             "x-n_0000000100"]
    assert sequence_of("5b0c-n_0000000042") == 42
    assert sequence_of("guid-with-n_-in-it-n_-0000000003") == -3
    # numbers, not text; and past the wrap, as lab 2 teaches (RFC 1982): the newcomer
    # -2147483648 was created after 2147483647, so it is last, not first
    assert creation_order(names) == ["a-n_0000000009", "b-n_0000000010", "x-n_0000000100",
                                 "c-n_2147483647", "z-n_-2147483648"]
    assert creation_order(["p-n_-2147483647", "q-n_2147483646", "r-n_-2147483648",
                           "s-n_2147483647"]) == \
        ["q-n_2147483646", "s-n_2147483647", "r-n_-2147483648", "p-n_-2147483647"]
    assert creation_order(["m-n_0000000001", "k-n_-000000002", "l-n_-000000001",
                           "n-n_0000000000"]) == \
        ["k-n_-000000002", "l-n_-000000001", "n-n_0000000000", "m-n_0000000001"]


def test_names_without_a_number_sort_last_in_name_order():
    names = ["zz-no-number", "b-n_0000000002", "lock", "a-n_0000000001", "x-n_garbage"]
    assert creation_order(names) == ["a-n_0000000001", "b-n_0000000002",
                                     "lock", "x-n_garbage", "zz-no-number"]


def test_creation_order_of_nothing_and_of_no_numbers():
    assert creation_order([]) == []
    assert creation_order(["b", "a"]) == ["a", "b"]


def test_creation_order_keeps_full_paths_and_reads_their_numbers():
    paths = ["/election/b-n_-2147483648", "/election/a-n_2147483647"]
    assert creation_order(paths) == ["/election/a-n_2147483647", "/election/b-n_-2147483648"]


def random_live_set(rng: random.Random) -> list[int]:
    """Distinct signed 32-bit numbers spanning fewer than 2**31, as a live election holds:
    a third of them straddle 2147483647 -> -2147483648, a third straddle -1 -> 0."""
    span = rng.choice([rng.randrange(1, 50), rng.randrange(1, 2 ** 31)])
    where = rng.randrange(3)
    if where == 0:
        first = INT_MAX - rng.randrange(span)              # the newest after the wrap
    elif where == 1:
        first = -1 - rng.randrange(span)                   # the newest at 0 or later
    else:
        first = rng.randrange(INT_MIN, INT_MAX + 1)
    offsets = {0, span} | {rng.randrange(span + 1) for _ in range(rng.randrange(0, 12))}
    return [wrapped(first + o) for o in offsets]


def test_creation_order_agrees_with_precedes_on_random_sets_across_both_wraps(seed):
    rng = random.Random(seed)
    for round_ in range(200):
        numbers = random_live_set(rng)
        names = [node(f"g{i}", n) for i, n in enumerate(numbers)] + ["not-a-candidate"]
        rng.shuffle(names)
        ordered = creation_order(names)
        why = f"seed {seed} (replay: --seed {seed}), round {round_}: {ordered}"
        assert ordered[-1] == "not-a-candidate", why
        for older, newer in pairwise(ordered[:-1]):
            assert precedes(sequence_of(older), sequence_of(newer)), why
