"""Lab 2 — reading and ordering candidate names (no ZooKeeper needed).

Every input is random, drawn from the ``rng`` fixture: guids of many shapes
(uuid hex, uuids with dashes, names with dashes and digits, guids that contain
"-n_" themselves), random order, small and huge sequence numbers, and numbers
past the signed 32-bit wrap ("-n_-2147483648"). So no answer can be
hard-coded, and sorting names as text fails. Names whose number is not
written the way ZooKeeper writes it ("-n_+000000042", "-n_42", "-n_0_000000042")
are not candidates. A failure message shows the first input that went wrong and
the seed that replays it.

Creation order. The counter wraps (2147483647 -> -2147483648, and -1 -> 0), so
candidates are ordered by serial-number arithmetic (RFC 1982, SERIAL_BITS = 32):
a was made before b when (b - a) mod 2**32 lies in 1 .. 2**31 - 1. That order is
defined for a set whose numbers span fewer than 2**31, and every set of live
candidates these checks build does (``window``), so every correct comparison
(a distance from any one member, a cmp_to_key, ...) gives the same answer.

Root causes. When a function fails, the checks look for the first function of
the lab that is wrong on the same children (sequence_number, then
sort_candidates) and name it: "`predecessor` is wrong because `sort_candidates`
is: ...". Candidates are shown by their sequence number; the full names are
listed once, at the end of the message.
"""
from __future__ import annotations

import string
import uuid

import pytest

from harness.recipe import HALF, INT_MAX, INT_MIN, MARKER, SERIAL, creation_order
from harness.sandbox.host import LearnerError, LearnerTimeout, SandboxGone
from harness.world.verdicts import CheckFailure, expect, short

NOISE = ["lock", "config", "readme.txt", "n_0000000003", "leader", "0000000007", "state-n"]
RFC1982 = ("The counter wraps (2147483647 -> -2147483648, and -1 -> 0): compare numbers with "
           "serial-number arithmetic (RFC 1982): a was made before b when (b - a) % 2**32 is "
           "between 1 and 2**31 - 1.")


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
    """One number ZooKeeper may write (for the parser's checks)."""
    kind = rng.randrange(4 if wrapped else 3)
    if kind == 0:
        return rng.randrange(0, 1000)
    if kind == 1:
        return rng.randrange(10**6, 10**9)
    if kind == 2:
        return rng.randrange(INT_MAX - 10**6, INT_MAX + 1)
    return rng.randrange(INT_MIN, 0)


def signed32(u: int) -> int:
    u %= SERIAL
    return u - SERIAL if u >= HALF else u


def serial_distance(a: int, b: int) -> int:
    """The grader's own RFC 1982 distance: how many numbers after a, b was made."""
    return (b - a + HALF) % SERIAL - HALF


WRAPS = {"sign": INT_MAX, "zero": -1}      # the last number before each wrap


def window(rng, n, across=None) -> list[int]:
    """n distinct numbers of live candidates, OLDEST FIRST, as ZooKeeper hands them out.

    They span fewer than 2**31 numbers (far more than any election needs), so
    their creation order is well defined. across="sign": some were made before the
    counter passed 2147483647 -> -2147483648, the rest after; across="zero": the
    same around -1 -> 0; None: no wrap inside (all non-negative, or all negative).
    """
    width = rng.choice([rng.randrange(n, 4 * n + 20), rng.randrange(n, 10**6),
                        rng.randrange(n, HALF)])              # largest offset, < 2**31
    if across is None:
        if rng.random() < 0.7:
            start = rng.randrange(0, INT_MAX - width + 1)
        else:
            start = rng.randrange(INT_MIN, -width)
        return [start + o for o in sorted(rng.sample(range(width + 1), n))]
    before = rng.randint(1, n - 1)                 # how many were made before the wrap
    a = rng.randrange(before - 1, width - (n - before) + 1)   # offset of the wrap's last number
    offsets = sorted(rng.sample(range(a + 1), before) + rng.sample(range(a + 1, width + 1), n - before))
    return [signed32(WRAPS[across] - a + o) for o in offsets]


def name(guid: str, number: int) -> str:
    return f"{guid}{MARKER}{number:010d}"       # what ZooKeeper makes: %010d


def candidates(rng, n, wrapped=False, guids=None):
    """[(name, guid, number)] of live candidates, in random order.

    wrapped: their numbers straddle one of the counter's wraps.
    """
    guids = guids or distinct_guids(rng, n)
    numbers = window(rng, n, rng.choice(["sign", "zero"]) if wrapped else None)
    items = [(name(g, k), g, k) for g, k in zip(guids, numbers)]
    rng.shuffle(items)
    return items


def in_creation_order(items) -> list[str]:
    """The names of [(name, guid, number)], oldest first (RFC 1982: recipe.creation_order)."""
    if not items:
        return []
    ref = items[0][2]
    dist = [serial_distance(ref, k) for _, _, k in items]
    assert max(dist) - min(dist) < HALF, "check bug: a set spanning 2**31"
    return creation_order([nm for nm, _, _ in items])


@pytest.fixture
def replay(seed):
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


# --- one input: its children, short labels, and the root cause of a failure -------------

class Case:
    """The children handed to the learner's functions, and what each one is.

    items:  [(name, guid, number)] of the candidates;
    others: [(name, why it is not a candidate)].
    """

    def __init__(self, items, others=(), rng=None, replay=""):
        self.items, self.others = list(items), list(others)
        self.children = [nm for nm, _, _ in self.items] + [nm for nm, _ in self.others]
        if rng is not None:
            rng.shuffle(self.children)
        self.number = {nm: k for nm, _, k in self.items}
        self.why_not = dict(self.others)
        self.want = in_creation_order(self.items)
        self.replay = replay

    # How a child is shown: a candidate by its sequence number, a non-candidate by
    # its (shortened) name, anything else (not one of the children) as it is.
    def label(self, x) -> str:
        if isinstance(x, str) and x in self.number:
            return str(self.number[x])
        if isinstance(x, str) and x in self.why_not:
            if len(x) > 24 and MARKER in x:
                return repr("..." + x[x.rindex(MARKER):])
            return repr(x)
        return short(x, 120)

    def show(self, xs) -> str:
        if isinstance(xs, list):
            return "[" + ", ".join(self.label(x) for x in xs) + "]"
        return self.label(xs)

    def tail(self) -> str:
        legend = ("\n  (each candidate is shown by its sequence number; the children, as "
                  f"passed: {self.children})")
        return f"{legend}\n{self.replay}"

    # --- the first earlier function that is wrong on these children ----------------
    def number_fault(self, lab) -> str | None:
        """sequence_number on these children: the first answer that is wrong, or None.

        Candidates first (a parser that drops or misreads a valid name is the usual
        cause), then the children that are not candidates.
        """
        order = self.want + [nm for nm, _ in self.others]
        for nm in order:
            try:
                got = lab.sequence_number(nm)
            except NotImplementedError:
                return None                         # not written yet: nothing to blame
            except (LearnerTimeout, SandboxGone):
                raise
            except LearnerError as e:
                if nm in self.number:
                    return (f"sequence_number({nm!r}) raised {e.type_name}: {e.message}; expected "
                            f"{self.number[nm]}, as ZooKeeper wrote it")
                if e.type_name != "ValueError":
                    return (f"sequence_number({nm!r}) raised {e.type_name}; expected a ValueError: "
                            f"{self.why_not[nm]}")
                continue
            if nm not in self.number:
                return (f"sequence_number({nm!r}) returned {short(got)}; expected a ValueError: "
                        f"{self.why_not[nm]}")
            if got != self.number[nm] or not isinstance(got, int) or isinstance(got, bool):
                return f"sequence_number({nm!r}) returned {short(got)}; expected {self.number[nm]}"
        return None

    def sort_fault(self, lab) -> str | None:
        try:
            got = lab.sort_candidates(list(self.children))
        except NotImplementedError:
            return None
        except (LearnerTimeout, SandboxGone):
            raise
        except LearnerError as e:
            return f"sort_candidates(children) raised {e.type_name}: {e.message}"
        if got != self.want:
            return (f"sort_candidates(children) returned {self.show(got)}; expected "
                    f"{self.show(self.want)}, oldest first.{order_hint(self, got)}").rstrip(".")
        return None

    def blame(self, lab, fn: str, upto=("sequence_number", "sort_candidates")) -> str:
        """'`fn` is wrong because `g` is: ...' for the first earlier g that is wrong; '' if none."""
        for g in upto:
            fault = self.number_fault(lab) if g == "sequence_number" else self.sort_fault(lab)
            if fault:
                return f"`{fn}` is wrong because `{g}` is: {fault}. Fix {g} first."
        return ""


def fail(case, blame, what, rule=""):
    """A failure whose first line is the root cause when there is one."""
    if blame:
        raise CheckFailure(f"{blame}\n  Seen as: {what}{case.tail()}")
    raise CheckFailure(f"{what}{rule}{case.tail()}")
# --- sequence_number ------------------------------------------------------------------

def check_numbers(lab, cases, replay, rule):
    for nm, want in cases:
        try:
            got = call(lab.sequence_number, nm)
        except CheckFailure as e:           # it raised: the rule says what it missed
            raise CheckFailure(f"{e}\n  {rule}\n{replay}") from None
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


# --- sort_candidates --------------------------------------------------------------------

def run(case, fn, *args):
    """(value, None), or (None, what went wrong) when the learner's function raised."""
    try:
        return fn(*args), None
    except NotImplementedError:
        raise
    except (LearnerTimeout, SandboxGone) as e:
        raise CheckFailure(e.learner_text()) from None
    except LearnerError as e:
        where = f"\n  where: {e.where}" if e.where else ""
        return None, f"{fn.__name__}() raised {e.type_name}: {e.message}{where}"


def order_hint(case, got) -> str:
    """What a wrong candidate order looks like it did: only what ``got`` verifiably is.

    Three orders a learner plausibly writes: the names as text, the plain signed
    number, the number read as unsigned. On some children two of them agree (past
    the wrap, 'c0-..-n_-2119449482' < 'worker-..-n_2009537562' both as text and as
    signed numbers): then the hint names every order that fits, never one guess (a
    learner sorting by the signed number was once told "the names sorted as text").
    """
    want, number = case.want, case.number
    if not isinstance(got, list) or not all(isinstance(x, str) for x in got):
        return " Return a list of the children's names."
    if set(got) != set(want) or len(got) != len(want):
        return ""
    fits = []
    if got == sorted(want) or got == sorted(case.children):
        fits.append("text")
    if got == sorted(want, key=number.get):
        fits.append("signed")
    if got == sorted(want, key=lambda x: number[x] % SERIAL):
        fits.append("unsigned")
    if got == sorted(want, key=lambda x: x.rsplit(MARKER, 1)[1]):
        fits.append("suffix")
    if fits == ["suffix"]:
        return (" Your order is the text after '-n_' sorted as text: a minus sign sorts "
                "before the digits, and '-000000002' before '-000000001', so the wrapped "
                f"(negative) numbers come out in the wrong order. {RFC1982}")
    if fits == ["text"]:
        return " Your order is the names sorted as text; sort by the parsed number instead."
    if fits == ["signed"]:
        first, oldest = got[0], want[0]
        two = (f": {number[first]} would lead while {number[oldest]}, made before it and "
               f"still alive, leads too: two leaders" if first != oldest else "")
        return (f" Your order is by the plain signed number. Past the wrap the newest "
                f"candidates carry the smallest numbers{two}. {RFC1982}")
    if fits == ["unsigned"]:
        return (" Your order reads the numbers as unsigned: right across 2147483647 -> "
                f"-2147483648, wrong across -1 -> 0. {RFC1982}")
    if fits:
        said = {"text": "the names sorted as text", "signed": "the plain signed numbers",
                "unsigned": "the numbers read as unsigned",
                "suffix": "the text after '-n_' sorted as text"}
        names = [said[f] for f in fits]
        both = ", ".join(names[:-1]) + " and " + names[-1]
        return (f" Your order is {both} alike (on these children those orders agree), and "
                f"none of them is creation order: past the wrap the newest candidates carry "
                f"the smallest numbers. {RFC1982}")
    return ""
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    parts = []
    if missing:
        parts.append(f" You left out {case.show(missing)}, which "
                     f"{'is a candidate' if len(missing) == 1 else 'are candidates'}.")
    for x in extra[:3]:
        if x in case.why_not:
            parts.append(f" {case.label(x)} is not a candidate: {case.why_not[x]}.")
        else:
            parts.append(f" {short(x, 120)} is not one of the children.")
    return "".join(parts)


def check_sort(lab, case, why="", rule=""):
    got, raised = run(case, lab.sort_candidates, list(case.children))
    if raised is None and got == case.want:
        return
    blame = case.blame(lab, "sort_candidates", upto=("sequence_number",))
    if raised is not None:
        fail(case, blame, raised, rule)
    if case.others and not blame:
        # Not the non-candidates' fault if the candidates alone come out wrong too.
        alone = Case(case.items, (), None, case.replay)
        got_alone, raised_alone = run(alone, lab.sort_candidates, list(alone.children))
        if raised_alone is not None or got_alone != alone.want:
            what = raised_alone or (f"sort_candidates() returned {alone.show(got_alone)}; expected "
                                    f"{alone.show(alone.want)}, oldest first.{order_hint(alone, got_alone)}")
            fail(alone, "", f"sort_candidates() is wrong even with no other child among the "
                            f"candidates: {what}")
    fail(case, blame,
         f"sort_candidates() returned {case.show(got)}; expected {case.show(case.want)}: the "
         f"candidates in creation order, oldest first, whatever their guids.{why}"
         f"{order_hint(case, got)}", rule)


def test_sort_candidates_orders_by_number_not_by_name(lab, rng, replay):
    fixed = [("zz-top-n_0000000003", "zz-top", 3), ("alpha-n_0000000010", "alpha", 10),
             ("m-n_0000000001", "m", 1)]
    check_sort(lab, Case(fixed, (), rng, replay))
    for r in range(25):
        while True:
            items = candidates(rng, 3 + r // 4)
            if sorted(nm for nm, _, _ in items) != in_creation_order(items):
                break                           # sorting by text must go wrong here
        check_sort(lab, Case(items, (), rng, replay))


def test_sort_candidates_handles_the_wrapped_negative_numbers(lab, rng, replay):
    fixed = [("a-n_-000000005", "a", -5), ("b-n_-000000001", "b", -1),
             ("c-n_0000000000", "c", 0), ("d-n_0000000003", "d", 3)]
    why = " Numbers past the wrap are negative; ZooKeeper counts on from -2147483648 up to -1, then 0."
    check_sort(lab, Case(fixed, (), rng, replay), why)
    for r in range(20):
        check_sort(lab, Case(candidates(rng, 4 + r // 4, wrapped=True), (), rng, replay), why)


# --- the newcomer past the wrap ------------------------------------------------------------

def unwrapped(case):
    """The same candidates numbered 1, 2, 3 ... in creation order: no wrap to get wrong."""
    guid = {nm: g for nm, g, _ in case.items}
    return Case([(name(guid[nm], i + 1), guid[nm], i + 1) for i, nm in enumerate(case.want)],
                (), None, case.replay)


def check_leader(lab, case, story=""):
    """sort_candidates(children)[0] is the oldest live candidate, and so is nobody's predecessor."""
    check_sort(lab, case, story)
    oldest, newest = case.want[0], case.want[-1]
    got, raised = run(case, lab.predecessor, list(case.children), newest)
    want = case.want[-2] if len(case.want) > 1 else None
    first_got, first_raised = run(case, lab.predecessor, list(case.children), oldest)
    newest_wrong = raised is not None or got != want
    oldest_wrong = first_raised is not None or first_got is not None
    if newest_wrong or oldest_wrong:
        # Say the wrap is the cause only if predecessor() is right without it.
        check_predecessors(lab, unwrapped(case), rule=" (This goes wrong with no wrap at all: "
                                                      "the numbers 1, 2, 3 ...)")
    if newest_wrong:
        fail(case, case.blame(lab, "predecessor"),
             raised or (f"predecessor(children, me) for me = {case.label(newest)}, the newest "
                        f"candidate, returned {case.show(got)}; expected {case.show(want)}, made "
                        f"just before it.{story} {RFC1982}"))
    if oldest_wrong:
        fail(case, case.blame(lab, "predecessor"),
             first_raised or (f"predecessor(children, me) for me = {case.label(oldest)}, the "
                              f"oldest candidate (the leader), returned {case.show(first_got)}; "
                              f"expected None: nobody alive was made before it, so it leads."
                              f"{story} {RFC1982}"))


def test_the_newcomer_after_the_wrap_does_not_lead_while_an_older_candidate_lives(lab, rng, replay):
    for numbers in ([2147483646, 2147483647, -2147483648, -2147483647],
                    [2147483647, -2147483648], [-2, -1, 0, 1]):
        guids = distinct_guids(rng, len(numbers), plain_guid)
        check_leader(lab, Case([(name(g, k), g, k) for g, k in zip(guids, numbers)], (), rng, replay),
                     f" {numbers[0]} was made first, then {', '.join(map(str, numbers[1:]))}.")
    # An election whose counter passes the wrap: candidates join one after the other
    # (other children take numbers in between) and the leader leaves now and then; at
    # every step the oldest one alive leads.
    for trial in range(3):
        counter = rng.choice([INT_MAX, -1]) - rng.randrange(2, 12)
        live: list[tuple[str, str, int]] = []
        history: list[str] = []
        for step in range(14):
            for _ in range(rng.randint(1, 2)):
                counter = signed32(counter + rng.randint(1, 3))
                g = plain_guid(rng) + f"-{trial}-{step}-{len(live)}"
                live.append((name(g, counter), g, counter))
                history.append(f"+{counter}")
            if len(live) > 2 and rng.random() < 0.4:
                history.append(f"-{live[0][2]}")
                live.pop(0)                    # the leader leaves
            check_leader(lab, Case(live, (), rng, replay),
                         f" Joins (+) and leaves (-) so far: {' '.join(history)}.")


# --- predecessor ------------------------------------------------------------------------

def check_predecessors(lab, case, rule=""):
    for i, me in enumerate(case.want):
        want = case.want[i - 1] if i else None
        got, raised = run(case, lab.predecessor, list(case.children), me)
        if raised is None and got == want:
            continue
        blame = case.blame(lab, "predecessor")
        stray = raised is None and isinstance(got, str) and got in case.why_not
        if case.others and not blame and not stray:
            # Not the non-candidates' fault if it goes wrong among the candidates alone.
            alone = Case(case.items, (), None, case.replay)
            got_alone, raised_alone = run(alone, lab.predecessor, list(alone.children), me)
            if raised_alone is not None or got_alone != want:
                case, got, raised = alone, got_alone, raised_alone
                rule = " (This goes wrong with no other child among the candidates, too.)"
        hint = ""
        if raised is None and i >= 2 and got == case.want[0]:
            hint = " You returned the first one (the leader); the predecessor is the one just before you."
        elif raised is None and i + 1 < len(case.want) and got == case.want[i + 1]:
            hint = (" You returned the candidate made just after it; the predecessor is the "
                    "one just before.")
        elif stray:
            hint = f" {case.label(got)} is not a candidate: {case.why_not[got]}."
        elif sorted(case.want, key=case.number.get) != case.want:
            hint = f" {RFC1982}"
        fail(case, blame,
             raised or (f"predecessor(children, me) for me = {case.label(me)} returned "
                        f"{case.show(got)}; expected {case.show(want)}, the candidate made just "
                        f"before it (None when it is first). The candidates, oldest first: "
                        f"{case.show(case.want)}.{hint}"), rule)


# After the sort checks: a wrong sort fails first in a check named for the sort (a
# learner's walk met its message here, under a name about sequence numbers).
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
        n = 3 + r // 2
        guids = distinct_guids(rng, n + 3, plain_guid)
        items = candidates(rng, n, wrapped=r % 2 == 1, guids=guids[:n])
        strays = [(f"{g}{MARKER}{suffix}", f"it has {what} after '-n_'")
                  for g, (suffix, what) in zip(guids[n:], rng.sample(malformed_suffixes(rng), 3))]
        case = Case(items, strays, rng, replay)
        rule = f"\n  {ZK_FORM}"
        check_sort(lab, case, rule=rule)
        check_predecessors(lab, case, rule=rule)
        for (nm, why), g in zip(strays, guids[n:]):
            check_find_own(lab, case, g, None, f"{nm!r} is a child, but not a candidate: {why}.{rule}")


def test_predecessor_is_the_candidate_just_before(lab, rng, replay):
    fixed = [("zz-n_0000000007", "zz", 7), ("aa-n_0000000002", "aa", 2),
             ("mm-n_0000000011", "mm", 11), ("bb-n_0000000005", "bb", 5)]
    check_predecessors(lab, Case(fixed, (), rng, replay))
    for r in range(20):
        check_predecessors(lab, Case(candidates(rng, 3 + r // 3, wrapped=r % 2 == 1), (), rng, replay))


# --- find_own -----------------------------------------------------------------------------

def confusables(rng, guid) -> list[str]:
    """Other guids a careless match mistakes for ``guid``."""
    return [guid + str(rng.randrange(10)),                         # guid is a prefix of it
            f"{guid}-n_{rng.randrange(10**10):010d}",              # guid + the marker
            "x" + guid,                                            # guid inside it
            guid[:-1] if len(guid) > 1 else guid + "-"]            # a prefix of guid


def check_find_own(lab, case, guid, want, why=""):
    got, raised = run(case, lab.find_own, list(case.children), guid)
    if raised is None and got == want:
        return
    fault = case.number_fault(lab)
    blame = (f"`find_own` is wrong, and so is `sequence_number`, which decides what is a "
             f"candidate and where its guid ends: {fault}. Fix sequence_number first.") if fault else ""
    fail(case, blame,
         raised or (f"find_own(children, {guid!r}) returned {short(got)}; expected {want!r}: "
                    f"the candidate whose guid (the text before the LAST '-n_') is exactly "
                    f"{guid!r}{'' if want else ', and there is none'}. {why}").rstrip())


def test_find_own_matches_the_guid_exactly(lab, rng, replay):
    # The look-alike comes first, both in the list and in number order.
    fixed = [("worker-12-n_0000000001", "worker-12", 1), ("worker-1-n_0000000004", "worker-1", 4),
             ("worker-1-n_0000000002-n_0000000003", "worker-1-n_0000000002", 3)]
    case = Case(fixed, (), None, replay)
    check_find_own(lab, case, "worker-1", "worker-1-n_0000000004")
    check_find_own(lab, case, "worker-1-n_0000000002", "worker-1-n_0000000002-n_0000000003")
    check_find_own(lab, case, "worker", None)
    for r in range(20):
        mine = random_guid(rng)
        others = [g for g in confusables(rng, mine) if g != mine]
        others += distinct_guids(rng, r % 4, random_guid)
        guids = list(dict.fromkeys([mine] + others))
        items = candidates(rng, len(guids), wrapped=r % 3 == 0, guids=guids)
        own = next(nm for nm, g, _ in items if g == mine)
        check_find_own(lab, Case(items, (), None, replay), mine, own)
        rest = [t for t in items if t[1] != mine]
        check_find_own(lab, Case(rest, (), None, replay), mine, None)


# --- children that are not candidates -------------------------------------------------------

def test_non_candidate_children_are_left_out(lab, rng, replay):
    rule = ("\n  Children without '-n_' and a number in their name are not candidates: "
            "sort_candidates, predecessor and find_own leave them out.")
    for r in range(15):
        items = candidates(rng, 3 + r // 3, wrapped=r % 2 == 1)
        noise = [(n, "there is no '-n_' and number in its name")
                 for n in rng.sample(NOISE, rng.randint(1, 3))]
        case = Case(items, noise, rng, replay)
        check_sort(lab, case, rule=rule)
        check_predecessors(lab, case, rule=rule)
        for nm, g, _ in items:
            check_find_own(lab, case, g, nm, rule.strip())
        for n, why in noise:
            check_find_own(lab, case, n, None, f"{n!r} is a child, but not a candidate: {why}.{rule}")
