"""workshop.faults(): an experiment's log shows its own faults, not other users'.

The servers are shared: someone else's fault breaks this kernel's connections too.
A ``faults()`` block holds the fault lock and ends only once its own aftermath is
over (every ``workshop.client()`` connected again and done reacting), so
``during_own_faults(t)`` tells an event of the learner's experiment from one of
somebody else's.
"""
import time
import uuid

import pytest
from kazoo.protocol.states import KazooState

from harness.learner import workshop
from harness.waits import wait_until


@pytest.mark.runs_checks      # not under the suite's shared lock: faults() takes it exclusively
@pytest.mark.timeout(90)
def test_a_faults_block_holds_its_own_aftermath_and_nothing_after(monkeypatch):
    monkeypatch.setattr(workshop, "_fault_windows", [])
    chroot = f"/playground/test-faults-{uuid.uuid4().hex[:8]}"
    c = workshop.client(chroot=chroot, timeout=2.0)
    states = []
    c.add_listener(lambda s: states.append((time.monotonic(), s)))
    try:
        assert workshop.fault_experiments() == 0 and not workshop.during_own_faults()
        with workshop.faults() as ens:
            assert workshop.during_own_faults()
            before = len(states)               # other users' faults while we waited for the lock
            ens.expire_session(c)              # this learner's own fault
        # The block ended only once the client was back with its new session.
        assert c.connected
        assert not any(workshop.during_own_faults(t) for t, _ in states[:before]), states
        own = states[before:]
        assert KazooState.LOST in [s for _, s in own] and own[-1][1] == KazooState.CONNECTED
        assert all(workshop.during_own_faults(t) for t, _ in own), own
        own = list(states)
        assert workshop.fault_experiments() == 1 and not workshop.during_own_faults()
        # Someone else's fault, after the experiment: not this learner's.
        ens.expire_session(c)
        assert wait_until(lambda: c.connected and len(states) > len(own) + 1, 20)
        later = states[len(own):]
        assert later and not any(workshop.during_own_faults(t) for t, _ in later), later
    finally:
        try:
            c.delete(c.chroot, recursive=True)
        except Exception:
            pass
        c.stop()
        c.close()
