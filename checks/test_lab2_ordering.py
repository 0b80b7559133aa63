"""Lab 2 — reading and ordering candidate names (no ZooKeeper needed).

Every input is random, drawn from the ``rng`` fixture: guids of many shapes
(uuid hex, uuids with dashes, names with dashes and digits, guids that contain
"-n_" themselves), random order, small and huge sequence numbers, and numbers
past the signed 32-bit wrap ("-n_-2147483648"). So no answer can be
hard-coded, and sorting names as text fails. Names whose number is not
written the way ZooKeeper writes it ("-n_+000000042", "-n_42", "-n_0_000000042")
are not candidates. A failure message shows the first input that went wrong and
the seed that replays it.
"""
from __future__ import annotations

import string
import uuid

import pytest

from harness.checkkit import CheckFailure, expect, short
from harness.sandbox.host import LearnerError

MARKER = "-n_"
INT_MIN, INT_MAX = -2**31, 2**31 - 1
NOISE = ["lock", "config", "readme.txt", "n_0000000003", "leader", "0000000007", "state-n"]


# --- random inputs ------------------------------------------------------------------

def random_guid(rng) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return f"{rng.getrandbits(128):032x}"                         # uuid4().hex
    if kind == 1:
        return str(uuid.UUID(int=rng.getrandbits(128)))               # uuid with dashes
    if kind == 2:
        return f"worker-{rng.randrange(1, 1000)}"
    if kind == 3:
        return str(rng.randrange(10**9))                              # only digits
    if kind == 4:
        return f"node-n_{rng.randrange(10**10):010d}"                 # holds the marker
    if kind == 5:
        return f"{rng.choice(['zz', 'aa', 'm', 'host'])}-{rng.randrange(100)}-n_-{rng.randrange(10)}"
    if kind == 6:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 3)))
    if kind == 7:
        return f"10.0.{rng.randrange(256)}.{rng.randrange(256)}-{rng.randrange(1, 65536)}"
    return f"c{rng.randrange(10)}-{rng.getrandbits(32):08x}"


def plain_guid(rng) -> str:
    """A guid without "-n_" in it."""
    while True:
        g = random_guid(rng)
        if MARKER not in g:
            return g


def distinct_guids(rng, n, maker=random_guid) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        g = maker(rng)
        if g not in out:
            out.append(g)
    return out


def random_number(rng, wrapped=False) -> int:
    kind = rng.randrange(4 if wrapped else 3)
    if kind == 0:
        return rng.randrange(0, 1000)
    if kind == 1:
        return rng.randrange(10**6, 10**9)
    if kind == 2:
        return rng.randrange(INT_MAX - 10**6, INT_MAX + 1)
    return rng.randrange(INT_MIN, 0)


def name(guid: str, number: int) -> str:
    return f"{guid}{MARKER}{number:010d}"       # what ZooKeeper makes: %010d


def candidates(rng, n, wrapped=False, guids=None):
    """[(name, guid, number)] with distinct numbers, in random order."""
    guids = guids or distinct_guids(rng, n)
    numbers: set[int] = set()
    if wrapped:                   # both ends of the wrap, and two different negatives
        numbers.update({INT_MAX, INT_MIN, -rng.randrange(1, 10**6)})
    while len(numbers) < n:
        numbers.add(random_number(rng, wrapped))
    numbers_list = list(numbers)[:n] if len(numbers) > n else list(numbers)
    rng.shuffle(numbers_list)
    items = [(name(g, k), g, k) for g, k in zip(guids, numbers_list)]
    rng.shuffle(items)
    return items


def by_number(items):
    return [nm for nm, _, _ in sorted(items, key=lambda t: t[2])]


@pytest.fixture
def replay(request):
    seed = request.config._workshop_seed
    return f"(random inputs from seed {seed}; replay with --seed {seed})"


def call(fn, *args):
    """Call the learner's function; an exception becomes a readable failure."""
    shown = ", ".join(short(a, 300) for a in args)
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except LearnerError as e:
        where = f"\n  where: {e.where}" if e.where else ""
        raise CheckFailure(f"{fn.__name__}({shown}) raised {e.type_name}: {e.message}{where}") from None


# --- sequence_number ------------------------------------------------------------------

def check_numbers(lab, cases, replay, rule):
    for nm, want in cases:
        got = call(lab.sequence_number, nm)
        expect(got == want and isinstance(got, int),
               f"sequence_number({nm!r}) returned {short(got)}; expected {want}. {rule}\n{replay}")


def test_sequence_number_reads_the_whole_suffix(lab, rng, replay):
    cases = [("5b0c1d2e3f40a1b2c3d4e5f60718293a-n_0000000042", 42),
             ("worker-7-n_0000000000", 0),
             ("x-n_2147483647", INT_MAX),
             ("a-n_0000123456", 123456)]
    for _ in range(40):
        k = random_number(rng)
        cases.append((name(plain_guid(rng), k), k))
    big = rng.randrange(10**8, INT_MAX)        # a case every partial parser gets wrong
    cases.insert(0, (name(plain_guid(rng), big), big))
    check_numbers(lab, cases, replay,
                  "The number is ALL the digits after '-n_' (ten of them), as an int.")


def test_sequence_number_keeps_the_sign_of_a_wrapped_counter(lab, rng, replay):
    cases = [("c-n_-2147483648", INT_MIN), ("d-n_-000000001", -1)]
    for _ in range(30):
        k = rng.randrange(INT_MIN, 0)
        cases.append((name(plain_guid(rng), k), k))
    check_numbers(lab, cases, replay,
                  "The counter is a signed 32-bit int: after 2147483647 ZooKeeper writes "
                  "'-2147483648'. Keep the minus sign.")


def test_sequence_number_of_a_guid_that_contains_the_marker(lab, rng, replay):
    cases = [("node-n_0000000007-n_0000000042", 42), ("a-n_-5-n_0000000012", 12),
             ("7-n_1-n_-000000003", -3)]
    for _ in range(30):
        g = rng.choice([f"node-n_{rng.randrange(10**10):010d}",
                        f"x{rng.randrange(100)}-n_-{rng.randrange(10)}",
                        f"{rng.randrange(10**6)}-n_{rng.randrange(10**6)}-n_"])
        k = random_number(rng, wrapped=True)
        cases.append((name(g, k), k))
    check_numbers(lab, cases, replay,
                  "A guid may itself contain '-n_' and digits: the number is what follows "
                  "the LAST '-n_'.")


# --- suffixes ZooKeeper never writes -----------------------------------------------------

ZK_FORM = ("ZooKeeper writes the number as %010d of a signed 32-bit int: ten ASCII digits "
           "('0000000042'), or a minus sign and digits to a width of ten ('-000000001', "
           "'-2147483648'); the suffix must be exactly f\"{n:010d}\" for some n in "
           "-2147483648..2147483647. Anything else is not a sequence number (and the child "
           "is not a candidate), though int() may accept it.")
OTHER_DIGITS = ["\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",  # Arabic-Indic
                "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"]  # fullwidth


def malformed_suffixes(rng) -> list[tuple[str, str]]:
    """[(suffix, what is wrong with it)]: texts ZooKeeper never writes after '-n_'."""
    k = rng.randrange(1, 10**9)                 # at most nine digits
    s = f"{k:010d}"
    cut = rng.randrange(1, 10)
    return [
        ("+" + s[1:], "a plus sign"),
        (f"{s[:cut]}_{s[cut:]}", "an underscore between the digits"),
        (rng.choice([" ", "\t", "\n"]) + s, "white space before the digits"),
        (s + rng.choice([" ", "\n"]), "white space after the digits"),
        (str(k), "fewer than ten digits"),
        ("0" + s, "eleven digits"),
        (str(rng.randrange(INT_MAX + 1, 10**10)), "a number above 2147483647"),
        (f"-{rng.randrange(-INT_MIN + 1, 10**10)}", "a number below -2147483648"),
        (f"-{k:010d}", "a negative number padded to eleven characters"),
        ("-000000000", "minus zero"),
        (s.translate(str.maketrans("0123456789", rng.choice(OTHER_DIGITS))), "digits that are not ASCII"),
        ("", "no digits at all"),
    ]


def test_only_what_zookeeper_writes_is_a_sequence_number(lab, rng, replay):
    for _ in range(3):
        for suffix, what in malformed_suffixes(rng):
            nm = f"{plain_guid(rng)}{MARKER}{suffix}"
            try:
                got = lab.sequence_number(nm)
            except NotImplementedError:
                raise
            except LearnerError as e:
                expect(e.type_name == "ValueError",
                       f"sequence_number({nm!r}) raised {e.type_name}: {e.message}; expected a "
                       f"ValueError ({what} after '-n_').\n{replay}")
                continue
            raise CheckFailure(f"sequence_number({nm!r}) returned {short(got)}; expected a "
                               f"ValueError: {what} after '-n_'. {ZK_FORM}\n{replay}")
    # Children with such suffixes are left out, like children without '-n_'.
    for r in range(10):
        guids = distinct_guids(rng, 6 + r // 2, plain_guid)
        items = candidates(rng, 3 + r // 2, wrapped=r % 2 == 1, guids=guids[:3 + r // 2])
        bad = malformed_suffixes(rng)
        strays = [(f"{g}{MARKER}{suffix}", g, what) for g, (suffix, what)
                  in zip(guids[len(items):], rng.sample(bad, 3))]
        children = [nm for nm, _, _ in items] + [nm for nm, _, _ in strays]
        rng.shuffle(children)
        want = by_number(items)
        shown = "".join(f"\n  {nm!r} has {what} after '-n_'" for nm, _, what in strays)
        rule = (f" These children are not candidates:{shown}\n  {ZK_FORM}\n"
                f"  children: {children}\n{replay}")
        got = call(lab.sort_candidates, list(children))
        expect(got == want, f"sort_candidates() returned {short(got, 2000)}; expected {want}.{rule}")
        for i, me in enumerate(want):
            p = call(lab.predecessor, list(children), me)
            expect(p == (want[i - 1] if i else None),
                   f"predecessor(children, {me!r}) returned {short(p)}; expected "
                   f"{want[i - 1] if i else None!r}.{rule}")
        for nm, g, _ in strays:
            got = call(lab.find_own, list(children), g)
            expect(got is None, f"find_own(children, {g!r}) returned {short(got)}; expected None: "
                                f"{nm!r} is a child, but not a candidate.{rule}")


# --- sort_candidates --------------------------------------------------------------------

def check_sort(lab, items, replay, why=""):
    children = [nm for nm, _, _ in items]
    want = by_number(items)
    got = call(lab.sort_candidates, list(children))
    if got != want:
        hint = ""
        if got == sorted(children):
            hint = " Your order is the names sorted as text; sort by the parsed number instead."
        raise CheckFailure(f"sort_candidates() must order children by sequence number, "
                           f"smallest first, whatever their guids.{why}\n"
                           f"  children: {children}\n  expected: {want}\n  got:      {short(got, 2000)}"
                           f"{hint}\n{replay}")


def test_sort_candidates_orders_by_number_not_by_name(lab, rng, replay):
    fixed = [("zz-top-n_0000000003", "zz-top", 3), ("alpha-n_0000000010", "alpha", 10),
             ("m-n_0000000001", "m", 1)]
    check_sort(lab, fixed, replay)
    for r in range(25):
        while True:
            items = candidates(rng, 3 + r // 4)
            if sorted(nm for nm, _, _ in items) != by_number(items):
                break                           # sorting by text must go wrong here
        check_sort(lab, items, replay)


def test_sort_candidates_handles_the_wrapped_negative_numbers(lab, rng, replay):
    fixed = [("a-n_2147483647", "a", INT_MAX), ("b-n_-2147483648", "b", INT_MIN),
             ("c-n_-000000001", "c", -1), ("d-n_0000000005", "d", 5)]
    check_sort(lab, fixed, replay, " Numbers past the wrap are negative.")
    for r in range(20):
        check_sort(lab, candidates(rng, 4 + r // 4, wrapped=True), replay,
                   " Numbers past the wrap are negative.")


# --- predecessor ------------------------------------------------------------------------

def check_predecessor(lab, items, replay, extra=()):
    children = [nm for nm, _, _ in items] + list(extra)
    order = by_number(items)
    for i, me in enumerate(order):
        want = order[i - 1] if i else None
        got = call(lab.predecessor, list(children), me)
        if got != want:
            hint = ""
            if i >= 2 and got == order[0]:
                hint = " You returned the first one (the leader); the predecessor is the one just before you."
            raise CheckFailure(
                f"predecessor(children, {me!r}) returned {short(got)}; expected "
                f"{want!r}, the candidate with the largest number below yours "
                f"(None if you are first).{hint}\n  children: {children}\n"
                f"  in order: {order}\n{replay}")


def test_predecessor_is_the_candidate_just_before(lab, rng, replay):
    fixed = [("zz-n_0000000007", "zz", 7), ("aa-n_0000000002", "aa", 2),
             ("mm-n_0000000011", "mm", 11), ("bb-n_0000000005", "bb", 5)]
    check_predecessor(lab, fixed, replay)
    for r in range(20):
        check_predecessor(lab, candidates(rng, 3 + r // 3, wrapped=r % 2 == 1), replay)


# --- find_own -----------------------------------------------------------------------------

def confusables(rng, guid) -> list[str]:
    """Other guids a careless match mistakes for ``guid``."""
    return [guid + str(rng.randrange(10)),                         # guid is a prefix of it
            f"{guid}-n_{rng.randrange(10**10):010d}",              # guid + the marker
            "x" + guid,                                            # guid inside it
            guid[:-1] if len(guid) > 1 else guid + "-"]            # a prefix of guid


def check_find_own(lab, items, guid, want, replay):
    children = [nm for nm, _, _ in items]
    got = call(lab.find_own, list(children), guid)
    expect(got == want,
           f"find_own(children, {guid!r}) returned {short(got)}; expected {want!r}: the child "
           f"whose guid (the text before the LAST '-n_') is exactly {guid!r}"
           f"{'' if want else ', and there is none'}.\n  children: {children}\n{replay}")


def test_find_own_matches_the_guid_exactly(lab, rng, replay):
    # The look-alike comes first, both in the list and in number order.
    fixed = [("worker-12-n_0000000001", "worker-12", 1), ("worker-1-n_0000000004", "worker-1", 4),
             ("worker-1-n_0000000002-n_0000000003", "worker-1-n_0000000002", 3)]
    check_find_own(lab, fixed, "worker-1", "worker-1-n_0000000004", replay)
    check_find_own(lab, fixed, "worker-1-n_0000000002", "worker-1-n_0000000002-n_0000000003", replay)
    check_find_own(lab, fixed, "worker", None, replay)
    for r in range(20):
        mine = random_guid(rng)
        others = [g for g in confusables(rng, mine) if g != mine]
        others += distinct_guids(rng, r % 4, random_guid)
        guids = list(dict.fromkeys([mine] + others))
        items = candidates(rng, len(guids), wrapped=r % 3 == 0, guids=guids)
        own = next(nm for nm, g, _ in items if g == mine)
        check_find_own(lab, items, mine, own, replay)
        rest = [t for t in items if t[1] != mine]
        check_find_own(lab, rest, mine, None, replay)


# --- children that are not candidates -------------------------------------------------------

def test_non_candidate_children_are_left_out(lab, rng, replay):
    for r in range(15):
        items = candidates(rng, 3 + r // 3, wrapped=r % 2 == 1)
        noise = rng.sample(NOISE, rng.randint(1, 3))
        children = [nm for nm, _, _ in items] + noise
        rng.shuffle(children)
        want = by_number(items)
        rule = (" Children without '-n_' in their name are not candidates: sort_candidates, "
                "predecessor and find_own leave them out.")
        got = call(lab.sort_candidates, list(children))
        expect(got == want,
               f"sort_candidates() returned {short(got, 2000)}; expected {want}.{rule}\n"
               f"  children: {children}\n{replay}")
        for i, me in enumerate(want):
            p = call(lab.predecessor, list(children), me)
            expect(p == (want[i - 1] if i else None),
                   f"predecessor(children, {me!r}) returned {short(p)}; expected "
                   f"{want[i - 1] if i else None!r}.{rule}\n  children: {children}\n{replay}")
        for nm, g, _ in items:
            got = call(lab.find_own, list(children), g)
            expect(got == nm, f"find_own(children, {g!r}) returned {short(got)}; expected {nm!r}."
                              f"{rule}\n  children: {children}\n{replay}")
        for n in noise:
            got = call(lab.find_own, list(children), n)
            expect(got is None, f"find_own(children, {n!r}) returned {short(got)}; expected None: "
                                f"{n!r} is a child, but not a candidate.{rule}\n"
                                f"  children: {children}\n{replay}")
