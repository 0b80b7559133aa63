"""The fault lock: graders and experiments that break servers never overlap.

Across processes it is flock's reader-writer lock. Within one process the
exclusive hold is re-entrant (the live view's Kill inside ``workshop.faults()``,
or inside a check marked ``faults``), a shared request under it is already
satisfied, and asking for it exclusively under a shared hold is refused rather
than left to wait for itself.
"""
import subprocess
import sys
import textwrap
import threading

import pytest

from harness.ensemble import faultlock

pytestmark = pytest.mark.timeout(60)

TRY_SHARED = textwrap.dedent('''
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        print("got it")
    except BlockingIOError:
        print("busy")
''')


@pytest.fixture
def private_lock(tmp_path, monkeypatch):
    path = tmp_path / "faults.lock"
    monkeypatch.setattr(faultlock, "lock_path", lambda: path)
    return path


def another_process_gets_it_shared(path) -> bool:
    out = subprocess.run([sys.executable, "-c", TRY_SHARED, str(path)],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    return out == "got it"


def in_a_thread(fn, timeout=5.0) -> bool:
    """Run fn; True if it returned within the timeout (False: it waited for ever)."""
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(timeout)
    return not t.is_alive()


def test_the_exclusive_hold_is_reentrant_and_shuts_out_other_processes(private_lock):
    assert another_process_gets_it_shared(private_lock)
    faultlock.acquire_exclusive()
    try:
        assert in_a_thread(faultlock.acquire_exclusive), "a second hold waited for the first"
        assert faultlock.held_here()
        assert not another_process_gets_it_shared(private_lock)
        faultlock.release_exclusive()
        assert faultlock.held_here()
        assert not another_process_gets_it_shared(private_lock), "released one hold too early"
    finally:
        faultlock.release_exclusive()
    assert not faultlock.held_here()
    assert another_process_gets_it_shared(private_lock)


def test_a_shared_request_under_this_process_exclusive_hold_does_not_wait(private_lock):
    def shared_inside():
        with faultlock.held(exclusive=True):
            with faultlock.held(exclusive=False):
                pass
    assert in_a_thread(shared_inside), "the process waited for its own exclusive hold"
    assert not faultlock.held_here()


def test_an_exclusive_request_under_a_shared_hold_is_refused_not_left_waiting(private_lock):
    with faultlock.held(exclusive=False):
        with pytest.raises(RuntimeError, match="shared"):
            faultlock.acquire_exclusive()
    assert in_a_thread(faultlock.acquire_exclusive)
    faultlock.release_exclusive()


HOLD = textwrap.dedent('''
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from harness.ensemble import faultlock
    faultlock.lock_path = lambda: Path(sys.argv[2])
    exclusive = sys.argv[3] == "exclusive"
    with faultlock.held(exclusive=exclusive):
        print("in", flush=True)
        time.sleep(float(sys.argv[4]))
    print("out", flush=True)
''')


def holder(path, how: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLD, str(faultlock.settings.PACKAGE.parent),
                             str(path), how, str(seconds)], stdout=subprocess.PIPE, text=True)


def test_a_waiting_exclusive_request_goes_before_later_shared_ones(private_lock):
    """flock alone lets readers in while a writer waits: a stream of long checks held a
    fault check off for minutes. Through the turnstile, a reader that comes after a
    waiting writer waits for it."""
    reader = holder(private_lock, "shared", 3)
    assert reader.stdout.readline().strip() == "in"
    writer = holder(private_lock, "exclusive", 1)
    import time
    time.sleep(0.5)                                   # the writer is waiting now
    late = holder(private_lock, "shared", 0)
    assert writer.stdout.readline().strip() == "in"   # after the first reader, before the late one
    assert late.poll() is None, "a reader that came after a waiting writer went first"
    assert late.stdout.readline().strip() == "in"
    for p in (reader, writer, late):
        p.wait(timeout=20)
