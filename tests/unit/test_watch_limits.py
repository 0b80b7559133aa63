"""The watch bound's reading of ZooKeeper frames, without a server."""
import struct

from harness.ensemble.watch_limits import WatchLimits, watches_asked, watches_gone


def string(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">i", len(b)) + b


def request(op: int, body: bytes, xid: int = 7) -> bytes:
    inner = struct.pack(">ii", xid, op) + body
    return struct.pack(">i", len(inner)) + inner


def notification(event_type: int, path: str) -> bytes:
    inner = struct.pack(">iqi", -1, -1, 0) + struct.pack(">ii", event_type, 3) + string(path)
    return struct.pack(">i", len(inner)) + inner


def test_reads_with_a_watch_ask_for_one_of_their_kind():
    assert watches_asked(request(3, string("/a") + b"\x01")) == [("data", "/a")]      # exists
    assert watches_asked(request(4, string("/a") + b"\x01")) == [("data", "/a")]      # getData
    assert watches_asked(request(12, string("/a") + b"\x01")) == [("child", "/a")]    # getChildren2
    assert watches_asked(request(3, string("/a") + b"\x00")) == []                    # no watch
    assert watches_asked(request(1, string("/a") + string("x"))) == []                # create
    assert watches_asked(request(106, string("/p") + struct.pack(">i", 0))) == [("persistent", "/p")]


def test_set_watches_asks_for_every_path_it_lists():
    body = struct.pack(">q", 5)
    for paths in (["/d"], ["/e1", "/e2"], ["/c"]):
        body += struct.pack(">i", len(paths)) + b"".join(string(p) for p in paths)
    assert watches_asked(request(101, body, xid=-8)) == [
        ("data", "/d"), ("data", "/e1"), ("data", "/e2"), ("child", "/c")]


def test_a_truncated_request_still_counts():
    assert watches_asked(request(101, b"\x00" * 10)) == [("malformed", "")]


def test_events_end_the_watches_they_fire():
    assert watches_gone(notification(2, "/a")) == [("data", "/a"), ("child", "/a")]   # deleted
    assert watches_gone(notification(4, "/a")) == [("child", "/a")]
    assert watches_gone(notification(3, "/a")) == [("data", "/a")]
    reply = struct.pack(">i", 16) + struct.pack(">iqi", 7, 1, 0)
    assert watches_gone(reply) == []


def test_the_bound_is_over_all_connections_and_a_closed_one_gives_back_its_watches():
    limits = WatchLimits(max_watches=3, max_path_bytes=1000)
    for link in (1, 2):
        limits.opened(link)
    assert limits.allow(1, request(3, string("/a") + b"\x01"))
    assert limits.allow(1, request(3, string("/a") + b"\x01"))      # the same: not counted twice
    assert limits.allow(2, request(3, string("/a") + b"\x01"))      # another connection: counted
    assert limits.allow(2, request(8, string("/b") + b"\x01"))
    assert not limits.allow(1, request(3, string("/c") + b"\x01"))
    assert limits.watches == 3 and len(limits.violations) == 1
    limits.fired(2, notification(4, "/b"))
    assert limits.watches == 2
    limits.closed(1)
    assert limits.watches == 1 and limits.connections == 1 and limits.connections_peak == 2
    assert not limits.allow(2, request(3, string("/" + "x" * 1000) + b"\x01"))    # the bytes bound


def test_a_request_past_the_bound_is_refused_before_its_body_is_read():
    limits = WatchLimits(max_request_bytes=100)
    assert not limits.too_long(96)          # with its 4-byte length: 100
    assert limits.too_long(97)
    assert len(limits.violations) == 1 and "101 bytes" in limits.violations[0].text()


def test_only_the_lab_that_was_refused_pays_for_its_proxies():
    """A flood's proxy threads run in its sandbox's CPU share once its lab has been
    refused something; the next lab's threads do not (its traffic is its own)."""
    charged = []
    limits = WatchLimits(max_request_bytes=100)
    limits.charge_to = charged.append
    limits.new_lab()
    limits.charge()
    assert charged == []                    # nothing refused yet: the grader's own share
    assert limits.too_long(500)
    limits.charge()
    assert len(charged) == 1 and limits.refused_in_lab() == 1
    limits.new_lab()                        # lab 2 begins: lab 1's refusal is lab 1's
    limits.charge()
    assert len(charged) == 1 and limits.refused_in_lab() == 0
    assert len(limits.violations) == 1      # the results still count every refusal
