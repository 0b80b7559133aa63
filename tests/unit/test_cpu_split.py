"""The class grader's CPU split files a process's CPU under its kind (tools/cpu_split.py)."""
import subprocess
import sys

from harness.tools import cpu_split
from harness.waits import wait_until

BURN = ("import time\n"
        "while time.process_time() < 0.8: pass\n"
        "time.sleep(3 * {interval})\n")          # alive long enough to be read once more


def test_a_process_born_inside_is_counted_under_its_kind():
    with cpu_split.CpuSplit() as split:
        burner = subprocess.Popen([sys.executable, "-c", BURN.format(interval=cpu_split.INTERVAL),
                                   "zookeeper-like", "java"])
        assert burner.wait() == 0
    mine = split.of_pid[burner.pid]     # the machine's own servers may be busy beside it
    assert 0.7 <= mine <= 1.5, split.of_pid
    servers = split.seconds["ZooKeeper servers"]      # "java" and "zookeeper" on its line
    assert servers >= mine, split.seconds
    assert split.busy >= servers - 0.1 and 0 < split.share <= 1
    said = split.report(2)
    assert f"ZooKeeper servers {servers:.0f} ({servers / 2:.1f} a submission)" in said, said


def test_kinds_come_from_the_command_line():
    for args, kind in [(["java", "zookeeper"], "ZooKeeper servers"),
                       (["pytest", "checks"], "graders (pytest)"),
                       (["-m", "harness", "grade"], "the class grader and its verbs"),
                       (["plain"], "other")]:
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)", *args])
        try:        # just after fork its command line may still be empty: None until then
            assert wait_until(lambda pid=p.pid: cpu_split.kind_of(pid), 5) == kind, args
        finally:
            p.kill()
            p.wait()
    assert cpu_split.kind_of(10**9) is None
