"""A sandbox's process group is signalled by its number only while that number is its own
(sandbox/jail.py: signal_group, end_group).

A reaped leader's pid is free again, and pids wrap (at 32768 on these machines): a new
session leader given that number (a ZooKeeper server, JupyterLab, another sandbox: each
starts a session of its own) was killed when a sandbox that had already ended was closed,
or frozen when one was paused. The kernel is asked for the number here
(/proc/sys/kernel/ns_last_pid, root only), so the reuse is not left to chance.
"""
from __future__ import annotations

import os
import signal
import subprocess

import pytest

from harness.ensemble.processes import process_state as state
from harness.sandbox.jail import end_group, signal_group
from harness.waits import wait_until

LAST_PID = "/proc/sys/kernel/ns_last_pid"
STRANGER_UID = 62001          # outside the jail's slots (61000..61063)

needs_root = pytest.mark.skipif(os.geteuid() != 0 or not os.access(LAST_PID, os.W_OK),
                                reason="choosing the next pid needs root")


def session(args: list[str], **kwargs) -> subprocess.Popen:
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    return subprocess.Popen(args, start_new_session=True, stderr=subprocess.DEVNULL, **kwargs)


def reaped_leader() -> subprocess.Popen:
    proc = session(["sleep", "60"])
    proc.kill()
    proc.wait()
    return proc


def stranger_with_pid(pid: int) -> subprocess.Popen:
    """A new session leader whose pid (and so process group) is ``pid``."""
    for _ in range(50):                  # another process may take the number first
        with open(LAST_PID, "w") as f:
            f.write(str(pid - 1))
        stranger = session(["sleep", "60"])
        if stranger.pid == pid:
            return stranger
        stranger.kill()
        stranger.wait()
    pytest.fail(f"the kernel did not give pid {pid} again in 50 tries")


@needs_root
def test_ending_a_reaped_sandbox_spares_the_new_owner_of_its_number():
    gone = reaped_leader()
    stranger = stranger_with_pid(gone.pid)
    try:
        end_group(gone, uid=STRANGER_UID + 1)
        with pytest.raises(subprocess.TimeoutExpired):      # it is not killed
            stranger.wait(0.5)
    finally:
        stranger.kill()
        stranger.wait()


@needs_root
def test_pausing_a_reaped_sandbox_freezes_no_one_else():
    gone = reaped_leader()
    stranger = stranger_with_pid(gone.pid)
    try:
        signal_group(gone, signal.SIGSTOP, uid=None)
        assert wait_until(lambda: state(stranger.pid) == "T", 0.5) is None, \
            "signal_group stopped another process group"
    finally:
        stranger.kill()
        stranger.wait()


@needs_root
def test_what_a_reaped_leader_left_in_its_group_is_still_ended():
    # The leader forks a child into its group and exits: the child keeps the group's
    # number alive, and it runs as the sandbox's uid, so it is the sandbox's to end.
    leader = session(["sh", "-c", "sleep 60 & echo $!"], user=STRANGER_UID, group=STRANGER_UID,
                     extra_groups=[], stdout=subprocess.PIPE)
    child = int(leader.stdout.readline())
    leader.wait()
    leader.stdout.close()
    assert os.getpgid(child) == leader.pid
    end_group(leader, uid=STRANGER_UID)
    assert wait_until(lambda: not os.path.exists(f"/proc/{child}") or state(child) == "Z", 5)


def test_a_live_group_is_signalled_whole():
    leader = session(["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE)
    child = int(leader.stdout.readline())
    leader.stdout.close()
    end_group(leader, uid=None)
    assert leader.returncode == -signal.SIGKILL
    assert wait_until(lambda: not os.path.exists(f"/proc/{child}") or state(child) == "Z", 5)
