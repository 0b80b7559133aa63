"""A submission's requests are paced, not refused: a burst goes at once, then the rate."""
import threading
import time

from harness.ensemble.request_pace import RequestPace


def test_a_burst_goes_at_once_and_what_follows_waits_for_the_rate():
    pace = RequestPace(rate=200, burst=50)
    t0 = time.monotonic()
    waits = [pace.take() for _ in range(50)]
    assert max(waits) == 0.0 and time.monotonic() - t0 < 0.2
    t1 = time.monotonic()
    for _ in range(40):                     # 40 more at 200 a second: about 0.2 s
        pace.take()
    took = time.monotonic() - t1
    assert 0.15 <= took <= 1.0, took
    assert pace.paced >= 35 and pace.paced_seconds > 0


def test_threads_share_one_rate():
    pace = RequestPace(rate=400, burst=10)
    t0 = time.monotonic()
    threads = [threading.Thread(target=lambda: [pace.take() for _ in range(50)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0            # 190 requests past the burst, at 400 a second
    assert took >= 0.4, took


def test_the_peak_counts_requests_in_one_second():
    pace = RequestPace(rate=10**6, burst=10**6)
    for _ in range(123):
        pace.take()
    assert pace.peak >= 62 and pace.paced == 0          # 123 within at most two seconds
