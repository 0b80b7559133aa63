"""What every part of the benchmark shares: its windows and time limits, where it
writes, and the one error it raises."""
from __future__ import annotations

from harness import manifest

REPO = manifest.REPO
RESULTS = REPO / "results"
BASE_PATH = "/bench"
SESSION_TIMEOUT = 4.0     # s, what the candidates' sessions ask for
# The herd's own join storm (about N*N/2 notifications, each followed by a read of up to
# N children) keeps one Python process busy for tens of seconds at N=500: with 4 s
# sessions its clients miss their heartbeats and lose their sessions. Measured here, so
# the herd gets sessions long enough to survive it (the ensemble grants up to 30 s).
SESSION_TIMEOUTS = {"herd": 30.0}
QUIET = 0.1               # s without any request in flight = the candidates have settled
STEP_TIMEOUT = 60.0       # s, the longest one join / failover / settle may take
POLL = 0.005              # s between two looks at a condition (waits.wait_until's interval)
POOL = 32                 # threads that connect / start / close clients concurrently


class BenchError(RuntimeError):
    pass
