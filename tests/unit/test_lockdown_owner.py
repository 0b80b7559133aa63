"""Who keeps a grading ensemble locked: a lock a killed grader left is nobody's."""
import os

from harness.world import lockdown


def test_a_lock_by_hand_or_by_a_running_grading_is_kept(tmp_path):
    (tmp_path / lockdown.OWNER).write_text("hand")
    assert lockdown.kept_locked(tmp_path)
    (tmp_path / lockdown.OWNER).write_text(f"grading {os.getpid()}")
    assert lockdown.kept_locked(tmp_path)


def test_a_lock_left_by_a_grading_that_is_gone_is_taken_over(tmp_path):
    (tmp_path / lockdown.RECORD).write_text("{}")
    (tmp_path / lockdown.OWNER).write_text("grading 999999999")
    assert not lockdown.kept_locked(tmp_path)


def test_no_lock_is_nobodys_and_an_older_lock_without_an_owner_was_by_hand(tmp_path):
    assert not lockdown.kept_locked(tmp_path)
    (tmp_path / lockdown.RECORD).write_text("{}")
    assert lockdown.kept_locked(tmp_path)
