"""A check cut off by its time limit says how the learner's clients' connections went
(harness/grading/plugin/messages.py): a client that cannot reach the servers makes a
retrying loop hang, and the learner should see why. No sandbox: its events as data."""

from harness.grading.plugin.messages import connections_during


def test_a_cut_off_check_tells_how_the_clients_connections_went_if_one_broke():
    events = [{"kind": "state", "client": 1, "state": "CONNECTED", "t": 99.0},    # before
              {"kind": "state", "client": 2, "state": "CONNECTED", "t": 101.0},
              {"kind": "state", "client": 3, "state": "SUSPENDED", "t": 102.5},
              {"kind": "state", "client": 3, "state": "CONNECTED", "t": 104.0}]
    said = connections_during(events, since=100.0)
    assert "client 3: SUSPENDED at 2.5 s, CONNECTED at 4.0 s" in said, said
    assert "client 2" not in said and "client 1" not in said and "ConnectionLoss" in said
    assert connections_during(events[:2], since=100.0) == ""         # nothing broke: no line
    many = [{"kind": "state", "client": 4, "state": s, "t": 100.0 + n}
            for n, s in enumerate(["SUSPENDED", "CONNECTED"] * 5)]
    assert "(and 4 more)" in connections_during(many, since=100.0)
