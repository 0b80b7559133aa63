"""Lab 2's order hint claims only what it verified (issue 28: a learner who sorted by the
plain signed number was told "Your order is the names sorted as text")."""
import importlib.util

from harness import manifest


def _ordering():
    path = manifest.REPO / "checks" / "test_lab2_ordering.py"
    spec = importlib.util.spec_from_file_location("lab2_ordering_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ordering = _ordering()


def case(*named):
    return ordering.Case([(f"{g}-n_{n:010d}", g, n) for g, n in named])


def test_an_order_that_is_both_text_and_signed_is_called_both():
    # past the wrap these three sort the same as text and as signed numbers
    c = case(("wvw", 2105818147), ("worker-206", 2009537562), ("c0-2496ca35", -2119449482))
    got = sorted(c.want, key=c.number.get)
    assert got == sorted(c.want)                       # the two orders agree here
    hint = ordering.order_hint(c, got)
    assert "signed" in hint and "text" in hint and "agree" in hint, hint


def test_a_signed_order_alone_is_never_called_text():
    c = case(("a", -1), ("z", -2), ("m", 3), ("b", 5))
    got = sorted(c.want, key=c.number.get)
    assert got != sorted(c.want)
    hint = ordering.order_hint(c, got)
    assert "signed" in hint and "text" not in hint, hint


def test_a_suffix_text_order_is_called_so():
    c = case(("a", -1), ("z", -2), ("m", 5))
    got = sorted(c.want, key=lambda x: x.rsplit("-n_", 1)[1])
    hint = ordering.order_hint(c, got)
    assert "after '-n_' sorted as text" in hint and "signed" not in hint, hint


def test_a_text_order_alone_is_never_called_signed():
    c = case(("a", 10), ("b", 9))
    hint = ordering.order_hint(c, sorted(c.want))
    assert "as text" in hint and "signed" not in hint, hint


def test_an_order_nothing_explains_claims_no_cause():
    c = case(("a", 1), ("b", 2), ("c", 3))
    got = [c.want[1], c.want[0], c.want[2]]
    assert ordering.order_hint(c, got) == ""
