"""The grader's hiccup meter notes a real stall of its process, and only then."""
import json
import os
import signal
import subprocess
import sys
import time

from harness.grading.plugin.hiccups import HiccupMeter, stalled_here

METER = """
import json, sys, time
from harness.grading.plugin.hiccups import HiccupMeter
m = HiccupMeter().start()
print("ready", flush=True)
time.sleep(2.5)
print(json.dumps(list(m.late)), flush=True)
"""


def test_a_process_stopped_for_a_second_notes_one_stall_of_about_a_second():
    child = subprocess.Popen([sys.executable, "-c", METER], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGSTOP)          # the machine "held it off the CPU"
    time.sleep(1.0)
    os.kill(child.pid, signal.SIGCONT)
    late = json.loads(child.stdout.readline())
    child.wait(10)
    assert len(late) == 1, late
    assert 0.7 <= late[0][1] <= 2.0, late


def test_only_stalls_since_the_check_began_are_said():
    meter = HiccupMeter()
    meter.late.extend([(100.0, 0.9), (200.0, 1.4), (201.0, 0.6)])
    assert stalled_here(meter, 300.0) == ""
    said = stalled_here(meter, 150.0)
    assert "1.4 s (2 times)" in said and "too loaded" in said
    assert stalled_here(None, 150.0) == ""             # no meter (a run without one)
