"""Ensemble.wait_all_serving: the steady wait after a start is paid once, not at every heal.

No servers here: the backend is a stand-in and all_in_sync() is what the test says, so
the test judges only the waiting (the servers' part is tests/test_ensemble.py's).
"""
from __future__ import annotations

import time

import pytest

from harness.ensemble import control, topology


class Backend:
    servers = topology.SERVERS

    def start(self, i):
        pass


@pytest.fixture
def ens(monkeypatch):
    monkeypatch.setattr(topology, "SYNC_LIMIT", 2)        # 2 ticks of 200 ms: 0.4 s steady
    monkeypatch.setattr(control, "STEADY_POLL", 0.05)
    e = control.Ensemble(Backend())
    e.in_sync, e.asked = True, 0

    def all_in_sync():
        e.asked += 1
        return e.in_sync
    monkeypatch.setattr(e, "all_in_sync", all_in_sync)
    return e


def took(fn) -> float:
    t0 = time.monotonic()
    fn()
    return time.monotonic() - t0


def test_a_wait_after_a_start_holds_the_servers_steady(ens):
    ens.start(1)
    assert took(ens.wait_all_serving) >= 0.4


def test_a_second_wait_with_no_start_between_does_not_wait_again(ens):
    ens.start(1)
    ens.wait_all_serving()
    ens.asked = 0
    ens.wait_all_serving()
    assert ens.asked == 1          # in sync at the first look: returned at once


def test_a_start_after_the_held_wait_makes_the_next_one_wait_again(ens):
    ens.start(1)
    ens.wait_all_serving()
    ens.start(2)
    assert took(ens.wait_all_serving) >= 0.4


def test_a_wait_that_never_held_is_not_counted(ens):
    ens.start(1)
    ens.in_sync = False
    with pytest.raises(control.EnsembleError):
        ens.describe_trouble = lambda what: what
        ens.wait_all_serving(timeout=0.2)
    ens.in_sync = True
    assert took(ens.wait_all_serving) >= 0.4
