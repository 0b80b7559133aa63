"""What the servers sent a session beyond its replies (world/elections.py:
notification_counts), read from `cons` while pings come and go.

A ping received and not yet answered lowers sent - received by one; CI once read the
same slow ping twice, 20 ms apart, and kazoo's own lab 4 election looked notified by a
child it never watched. Here a scripted `cons` plays the servers' side.
"""
import time

from harness.world.elections import delivered, notification_counts

SID = 0x1000ab


def cons(recved: int, sent: int, port: int = 50001) -> str:
    return (f" /127.0.0.1:{port}[1](queued=0,recved={recved},sent={sent},sid=0x{SID:x},"
            "lop=PING,est=1,to=2000)\n")


class ScriptedServers:
    """ask_every_up('cons') answers with the next text of ``script`` (the last one
    for ever after)."""

    def __init__(self, script: list[str]):
        self.script, self.reads, self.times = script, 0, []

    def ask_every_up(self, word: str) -> dict:
        assert word == "cons"
        self.times.append(time.monotonic())
        text = self.script[min(self.reads, len(self.script) - 1)]
        self.reads += 1
        return {1: text}


def test_a_ping_in_flight_across_two_reads_is_not_a_notification():
    # before: two reads agree while a ping is in flight (10 received, 9 sent), then it is
    # answered; after: nothing was sent but that reply and the next ping's
    before = notification_counts(ScriptedServers([cons(10, 9), cons(10, 9), cons(10, 10)]),
                                 [SID])
    after = notification_counts(ScriptedServers([cons(11, 11)]), [SID])
    assert delivered(before, after) == {SID: 0}


def test_a_notification_is_counted_once():
    before = notification_counts(ScriptedServers([cons(10, 10)]), [SID])
    after = notification_counts(ScriptedServers([cons(11, 10), cons(11, 12)]), [SID])
    assert delivered(before, after) == {SID: 1}


def test_a_new_connection_starts_the_count_again():
    # the session moved to another port: the old connection's higher count is not kept
    counts = notification_counts(ScriptedServers([cons(30, 40, port=50001),
                                                  cons(2, 2, port=50002)]), [SID])
    assert counts == {SID: 0} and counts.conns == {SID: (1, 50002)}


def test_the_reads_span_the_window():
    servers = ScriptedServers([cons(1, 1)])
    notification_counts(servers, [SID], window=0.2)
    # however late each sleep wakes (less the last read's own microseconds)
    assert servers.times[-1] - servers.times[0] >= 0.19


def test_a_quick_mark_read_during_a_ping_only_hides_the_hint():
    # watch_mark reads quickly (window=0): a ping in flight makes the mark low, so a
    # session that got nothing looks notified once, and not_notified says nothing; it can
    # never make a session that was notified look as if it got nothing (a false hint)
    mark = notification_counts(ScriptedServers([cons(10, 9), cons(10, 9)]), [SID], window=0)
    after = notification_counts(ScriptedServers([cons(11, 11)]), [SID])
    assert delivered(mark, after) == {SID: 1}
