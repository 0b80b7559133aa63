"""harness/ensemble/fourlw.py: parsing ZooKeeper 3.8's srvr/mntr/wchp/wchc/cons; the whitelist."""
import pytest

from harness.ensemble import fourlw, topology
from harness.ensemble.fourlw import (
    FourLetterWordError,
    ask,
    parse_cons,
    parse_mntr,
    parse_srvr,
    parse_wchc,
    parse_wchp,
)

# What ZooKeeper 3.8 answers (trimmed); the exact whitespace matters to the parsers.
SRVR = """\
Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
Latency min/avg/max: 0/0.4857/12
Received: 1234
Sent: 1240
Connections: 4
Outstanding: 0
Zxid: 0x30000004e
Mode: leader
Node count: 57
Proposal sizes last/min/max: 48/32/310
"""

MNTR = """\
zk_version\t3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
zk_server_state\tfollower
zk_avg_latency\t0.4857
zk_packets_received\t1234
zk_znode_count\t57
zk_watch_count\t9
zk_sum_node_deleted_watch_count\t17
zk_sum_node_children_watch_count\t42
zk_quorum_size\t3
"""

SESSION_A, SESSION_B = 0x100000a3b2c0001, 0x200000f00d0002

WCHP = """\
/checks/ns-1/election/5b0c-n_0000000001
\t0x100000a3b2c0001
/checks/ns-1/election
\t0x100000a3b2c0001
\t0x200000f00d0002

"""

WCHC = """\
0x100000a3b2c0001
\t/checks/ns-1/election/5b0c-n_0000000001
\t/checks/ns-1/election
0x200000f00d0002
\t/checks/ns-1/election

"""

CONS = (
    " /127.0.0.1:53214[1](queued=0,recved=12,sent=13,sid=0x100000a3b2c0001,lop=PING,"
    "est=1733400000000,to=2000,lcxid=0x5,lzxid=0x30000004e,lresp=1733400012345,llat=0,"
    "minlat=0,avglat=0,maxlat=2)\n"
    " /127.0.0.1:53220[1](queued=0,recved=3,sent=3,sid=0x200000f00d0002,lop=GETC,"
    "est=1733400001000,to=4000,lcxid=0x1,lzxid=0xffffffffffffffff,lresp=1733400001100,llat=1,"
    "minlat=0,avglat=1,maxlat=1)\n"
    " /127.0.0.1:53230[0](queued=0,recved=1,sent=0)\n"       # no session yet
    "\n")


def test_srvr_gives_each_field_by_name():
    fields = parse_srvr(SRVR)
    assert fields["Mode"] == "leader"
    assert fields["Zxid"] == "0x30000004e"
    assert fields["Node count"] == "57"
    assert fields["Latency min/avg/max"] == "0/0.4857/12"


def test_srvr_keeps_colons_inside_a_value():
    assert parse_srvr(SRVR)["Zookeeper version"].endswith("built on 2024-02-12 22:16 UTC")


def test_srvr_of_a_server_not_serving_has_no_mode():
    assert parse_srvr("This ZooKeeper instance is not currently serving requests\n") == {}


def test_mntr_splits_at_the_tab():
    counters = parse_mntr(MNTR)
    assert counters["zk_server_state"] == "follower"
    assert counters["zk_sum_node_children_watch_count"] == "42"
    assert counters["zk_version"].startswith("3.8.4-") and "22:16 UTC" in counters["zk_version"]
    assert len(counters) == 9


def test_mntr_ignores_lines_without_a_tab():
    assert parse_mntr("zk_version 3.8.4\n\n") == {}


def test_wchp_maps_each_path_to_the_sessions_watching_it():
    assert parse_wchp(WCHP) == {
        "/checks/ns-1/election/5b0c-n_0000000001": {SESSION_A},
        "/checks/ns-1/election": {SESSION_A, SESSION_B},
    }


def test_wchc_maps_each_session_to_the_paths_it_watches():
    assert parse_wchc(WCHC) == {
        SESSION_A: {"/checks/ns-1/election/5b0c-n_0000000001", "/checks/ns-1/election"},
        SESSION_B: {"/checks/ns-1/election"},
    }


def test_members_indented_with_spaces_are_read_too():
    assert parse_wchc(WCHC.replace("\t", "    ")) == parse_wchc(WCHC)


def test_wchp_and_wchc_describe_the_same_watches():
    by_path = parse_wchp(WCHP)
    by_session = parse_wchc(WCHC)
    flipped = {}
    for sid, paths in by_session.items():
        for path in paths:
            flipped.setdefault(path, set()).add(sid)
    assert flipped == by_path


NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"


def test_a_server_not_serving_has_no_watches():
    assert parse_wchp(NOT_SERVING) == {} and parse_wchc(NOT_SERVING) == {}


def test_no_watches_parse_to_nothing():
    assert parse_wchp("") == {} and parse_wchc("\n") == {}


def test_wchc_skips_headers_that_are_not_session_ids():
    assert parse_wchc("watches by session:\n\t/x\n" + WCHC).keys() == {SESSION_A, SESSION_B}


def test_cons_gives_the_session_ids_of_the_connections():
    assert parse_cons(CONS) == {SESSION_A, SESSION_B}      # the third has no session yet


def test_cons_without_connections_is_empty():
    assert parse_cons("\n") == set()


@pytest.mark.parametrize("word", ["ruok", "stat", "dump", "SRVR", "srvr\n", "kill"])
def test_ask_refuses_a_word_outside_the_whitelist_without_opening_a_socket(word, monkeypatch):
    opened = []
    monkeypatch.setattr(fourlw.socket, "create_connection", lambda *a, **k: opened.append(a))
    with pytest.raises(FourLetterWordError, match="whitelist"):
        ask("127.0.0.1:1", word)
    assert opened == []


class ScriptedSocket:
    """A socket that answers with these chunks, then closes (no network)."""

    def __init__(self, chunks):
        self.chunks, self.sent = list(chunks), b""

    def sendall(self, data):
        self.sent += data

    def recv(self, _size):
        return self.chunks.pop(0) if self.chunks else b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def scripted(monkeypatch, chunks) -> list:
    """Make fourlw's sockets scripted ones; the list collects (address, socket)."""
    made = []

    def connect(address, timeout=None):
        made.append((address, ScriptedSocket(chunks)))
        return made[-1][1]
    monkeypatch.setattr(fourlw.socket, "create_connection", connect)
    return made


def test_ask_sends_the_word_and_reads_until_the_server_closes(monkeypatch):
    made = scripted(monkeypatch, [SRVR[:40].encode(), SRVR[40:].encode()])
    assert ask("127.0.0.1:2181", "srvr") == SRVR
    (address, sock), = made
    assert address == ("127.0.0.1", 2181) and sock.sent == b"srvr"


def test_ask_raises_when_the_server_refuses_a_word_it_does_not_whitelist(monkeypatch):
    scripted(monkeypatch, [b"wchc is not executed because it is not in the whitelist.\n"])
    with pytest.raises(FourLetterWordError, match="refused 'wchc'"):
        ask("127.0.0.1:2181", "wchc")


def test_the_whitelist_holds_exactly_the_words_the_parsers_read():
    assert set(topology.FOUR_LETTER_WORDS) == {"srvr", "mntr", "wchc", "wchp", "cons"}
