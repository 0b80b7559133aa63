"""recipe.quiesce, the event the election checks wait for instead of sleeping.

Labs 3 and 4 check that a single leader *stays* single, and count the
notifications a change caused, once every candidate has handled everything
ZooKeeper told it. These tests prove that "handled" means handled: a slow
callback has returned, and a callback that never returns is named.
"""
import threading
import time

import pytest

from harness.recipe import NotQuiet, quiesce

pytestmark = pytest.mark.timeout(60)


def test_quiesce_returns_only_after_a_slow_watch_callback_has_run(clients):
    watcher, writer = clients(2)
    writer.create("/n", b"")
    handled = []

    def slow(event):
        time.sleep(0.5)             # a candidate that takes its time deciding
        handled.append(event.type)

    watcher.get("/n", watch=slow)
    writer.delete("/n")             # the watcher's server may not have applied it yet
    quiesce([watcher])
    assert handled == ["DELETED"], "quiesce returned before the watch callback had run"


def test_quiesce_waits_for_async_completions_too(clients):
    zk, = clients(1)
    zk.create("/m", b"x")
    done = []

    def slow_completion(result):
        time.sleep(0.5)
        done.append(result.get()[0])

    zk.get_async("/m").rawlink(slow_completion)
    quiesce([zk])
    assert done == [b"x"], "quiesce returned before an async completion had run"


def test_quiesce_names_a_callback_that_never_returns(clients):
    watcher, writer = clients(2)
    writer.create("/n", b"")
    watcher.sync("/n")                  # another session: catch up with the writer first
    release = threading.Event()
    watcher.get("/n", watch=lambda event: release.wait(20))
    writer.delete("/n")
    try:
        with pytest.raises(NotQuiet, match="had not returned"):
            quiesce([watcher], timeout=1)
    finally:
        release.set()


def test_quiesce_skips_stopped_clients(clients):
    live, gone = clients(2)
    gone.stop()
    quiesce([live, gone])           # nothing to wait for on a closed session
