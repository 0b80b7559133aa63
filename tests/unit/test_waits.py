"""waits.wait_until: quick to see what comes at once, cheap while waiting out a deadline."""
import time

from harness.waits import wait_until


def test_what_comes_at_once_is_seen_at_once():
    t0 = time.monotonic()
    assert wait_until(lambda: time.monotonic() - t0 > 0.2, 5) is True
    assert time.monotonic() - t0 < 0.25


def test_a_predicate_that_never_holds_is_read_a_few_dozen_times_not_hundreds():
    reads = []
    t0 = time.monotonic()
    assert wait_until(lambda: reads.append(1), 3) is None
    assert 2.95 < time.monotonic() - t0 < 3.2          # the deadline, kept
    assert 20 < len(reads) < 100, len(reads)           # every 10 ms it would be 300
