"""How fast one submission's connections may send requests: a token bucket.

The quotas bound what a submission keeps on the servers, the watch limits what
they remember for it; neither bounds how often it asks. Reads are served from a
server's memory and need no quota, so sixteen threads reading in a loop cost
the servers (two cores here, shared with every grading beside it) as much as
the rest of the class together. The grader's proxies carry every request of a
submission (``proxy.FaultProxy``), so they pace them: each request takes a
token; tokens come back at ``rate`` a second, up to ``burst`` saved. A request
without a token waits in the proxy: the submission's own requests are slowed,
nobody else's, and nothing is refused (a request refused would be a lost
connection in correct code that happened to be quick).

``peak`` is measured either way: the most requests the submission asked for in
one wall-clock second, for the results file, and what sized ``RATE``.
"""
from __future__ import annotations

import threading
import time

RATE = 2000         # requests a second, over all of a submission's connections: the
                    # solutions' six labs asked for at most 339 in a second (grade, seed 5)
BURST = 1000        # requests that may go at once after a quiet spell


class RequestPace:
    def __init__(self, rate: float = RATE, burst: float = BURST):
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._tokens, self._at = float(burst), time.monotonic()
        self._second, self._count = 0, 0
        self.peak = 0                   # most requests asked for in one second
        self.paced = 0                  # requests that had to wait
        self.paced_seconds = 0.0        # how long they waited, summed

    def take(self) -> float:
        """Wait until one more request may go; the seconds waited (0.0 mostly)."""
        with self._lock:
            now = time.monotonic()
            second = int(now)
            self._second, self._count = second, (self._count + 1 if second == self._second else 1)
            self.peak = max(self.peak, self._count)
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate) - 1
            self._at = now
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            if wait:
                self.paced += 1
                self.paced_seconds += wait
        if wait:
            time.sleep(wait)
        return wait
