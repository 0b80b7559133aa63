"""What a learner and a grader see: short messages, a table, JSON, exit codes."""
import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.runs_checks, pytest.mark.timeout(300)]

from harness.manifest import REPO


def run_checks(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "pytest", "checks", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def test_a_starter_failure_is_a_short_message_not_a_traceback(tmp_path):
    out = tmp_path / "r.json"
    res = run_checks("-k", "lab1", "--submission", "labs", "--results-json", str(out),
                     "--junitxml", str(tmp_path / "r.xml"))
    assert res.returncode == 1
    assert "Traceback" not in res.stdout and "site-packages" not in res.stdout
    data = json.loads(out.read_text())
    lab1 = [c for c in data["checks"] if c["lab"] == "lab1"]
    assert lab1 and all(c["status"] == "failed" for c in lab1)
    for c in lab1:
        assert c["message"].startswith("Not done yet"), c["message"]
        assert "01_ephemeral_nodes.ipynb, cell" in c["message"], "the message says where to look"
        assert len(c["message"].splitlines()) <= 4
    assert "workshop score" in res.stdout and "0.0/10.0" in res.stdout
    assert (tmp_path / "r.xml").read_text().count("<testcase") == len(lab1)


def test_solutions_exit_zero_and_score_full(tmp_path):
    out = tmp_path / "r.json"
    res = run_checks("-k", "lab2", "--submission", "solutions", "--results-json", str(out))
    assert res.returncode == 0, res.stdout[-3000:]
    data = json.loads(out.read_text())
    assert data["labs"]["lab2"]["points"] == data["labs"]["lab2"]["max_points"] > 0
    assert data["total"]["infra_errors"] == 0 and isinstance(data["seed"], int)


def test_an_unreachable_ensemble_is_an_infrastructure_error_said_once(tmp_path):
    empty = tmp_path / "no-zookeeper"
    empty.mkdir()
    out = tmp_path / "r.json"
    res = run_checks("-k", "lab1", "--submission", "solutions", "--results-json", str(out),
                     env={"ZK_WORKSHOP_PORT_OFFSET": "25000", "ZK_WORKSHOP_STATE": str(tmp_path / "s"),
                          "ZOOKEEPER_HOME": str(empty)})
    assert res.returncode != 0
    details = res.stdout.split("short test summary info")[0]     # the summary repeats each error's first line
    assert details.count("ZooKeeper is not installed") == 1, res.stdout
    assert "not your code's fault" in res.stdout
    data = json.loads(out.read_text())
    assert {c["status"] for c in data["checks"]} == {"infra-error"}
    assert data["total"]["infra_errors"] == len(data["checks"]) > 0


def test_hidden_checks_count_in_their_lab(tmp_path):
    from harness.grading import submissions
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_lab2_hidden.py").write_text(
        "from harness.world import expect\n\n"
        "def test_hidden_big_number(lab):\n"
        "    expect(lab.sequence_number('x-n_2147483647') == 2147483647, 'hidden: the largest number')\n\n"
        "def test_hidden_that_fails(lab):\n"
        "    expect(False, 'hidden: an instructor check that fails on purpose')\n")
    run = submissions.grade(REPO / "solutions", labs=["lab2"], hidden=hidden)
    data = run["results"]
    assert data, run["output"][-2000:]
    names = {c["name"]: c["status"] for c in data["checks"] if c["lab"] == "lab2"}
    assert names["test_hidden_big_number"] == "passed" and names["test_hidden_that_fails"] == "failed"
    lab2 = data["labs"]["lab2"]
    assert lab2["total"] == lab2["passed"] + 1 and 0 < lab2["points"] < lab2["max_points"]


HANGS_IN_START = '''
from predecessor_watch import *          # the solution, except that start() never returns
import threading
class Candidate(Candidate):
    def start(self):
        threading.Event().wait()
'''


def test_hanging_code_is_cut_off_even_when_graded_from_a_worker_thread(tmp_path):
    # The plugin makes new threads block SIGALRM (pytest-timeout's signal must reach
    # the main thread). A batch grader's worker thread passes that mask on to the
    # pytest it starts: the child must unblock it, or hanging code is never cut off.
    from concurrent.futures import ThreadPoolExecutor

    from harness import manifest, notebooks
    from harness.grading import submissions
    from harness.tools import mutants
    lab4 = "".join(src for _, src in notebooks.solution_cells(
        REPO / "solutions" / manifest.by_key("lab4").notebook))
    sub = mutants.build(tmp_path / "sub", overrides={"lab4": lab4 + HANGS_IN_START})
    with ThreadPoolExecutor(1) as pool:      # a thread started under the plugin, like batch's
        run = pool.submit(submissions.grade, sub, ["lab4"], 150).result()
    assert run["exit_code"] == 1 and run["results"], run["output"][-2000:]
    lab = run["results"]["labs"]["lab4"]
    assert lab["points"] == 0 and "did not finish in time" in lab["first_failure"], lab


def test_randomized_trials_run_after_the_targeted_checks_of_their_lab():
    """The table's first failing check of a lab is then a targeted one-line hint."""
    def collected(*args):
        res = run_checks("--collect-only", "-q", "--submission", "labs", *args, timeout=120)
        return [line for line in res.stdout.splitlines() if "::" in line]
    ids = collected()
    trials = set(collected("-m", "trials"))
    assert any("invariants_hold_under_random_faults" in t for t in trials)
    for lab in ("lab3", "lab4", "lab5"):
        mine = [line for line in ids if f"test_{lab}_" in line]
        marked = [i for i, line in enumerate(mine) if line in trials]
        plain = [i for i, line in enumerate(mine) if line not in trials]
        if marked and plain:
            assert max(plain) < min(marked), (lab, mine)


def graded_with(tmp_path, overrides, lab):
    from harness import manifest
    from harness.tools import mutants
    sub = mutants.build(tmp_path / "sub", overrides={
        key: (manifest.WRONG / f"{name}.py").read_text()
        for key, name in overrides.items()})
    out = tmp_path / "r.json"
    run_checks("-k", lab, "--submission", str(sub), "--results-json", str(out))
    return [c for c in json.loads(out.read_text())["checks"] if c["lab"] == lab]


def test_a_later_lab_failing_because_of_a_wrong_lab_2_says_so(tmp_path):
    """Labs 3-5 use the learner's own lab 2: a wrong sort fails a correct lab 3, and the
    message names lab 2's function, what it returned, and what to fix first."""
    checks = graded_with(tmp_path, {"lab2": "lab2_lexicographic_sort"}, "lab3")
    failed = [c for c in checks if c["status"] == "failed"]
    assert failed, "a lab 3 that leans on a wrong sort should fail"
    note = "note: this lab uses your lab 2, and lab 2's sort_candidates is wrong"
    # A row that repeats an earlier row's message word for word says so in one line (seeded
    # guids sometimes make two checks see the same leaders); the row it names has the note.
    noted = {c["name"] for c in failed if note in c["message"]}
    for c in failed:
        if note not in c["message"]:
            assert c["message"].startswith("The same cause as "), c["message"]
            assert c["message"].split()[4] in noted, c["message"]
    assert "Fix lab 2 first" in failed[0]["message"]


def test_no_lab_2_note_when_lab_2_is_right(tmp_path):
    checks = graded_with(tmp_path, {"lab3": "lab3_never_rearms"}, "lab3")
    failed = [c for c in checks if c["status"] == "failed"]
    assert failed
    assert not any("uses your lab 2" in c["message"] for c in failed)


def test_what_your_code_printed_leaves_out_kazoos_reconnect_chatter():
    """The checks' own faults make kazoo log reconnects; the learner printed none of it.
    kazoo's ERROR lines stay: a callback of theirs that raised is one."""
    from types import SimpleNamespace

    from harness.grading.plugin.messages import printed
    lines = ["kazoo.client WARNING: Connection dropped: socket connection broken",
             "kazoo.client WARNING: Transition to CONNECTING",
             "candidate 2 leads",
             "kazoo.client INFO: Zookeeper connection established, state: CONNECTED",
             "kazoo.handlers.threading ERROR: Exception in worker queue thread (KeyError: 'x')"]

    def shown(text_lines):
        sandbox = SimpleNamespace(output=lambda since, lines: "\n".join(text_lines[-lines:]))
        return printed(sandbox, 0)

    text = shown(lines)
    assert "candidate 2 leads" in text and "KeyError" in text
    assert "Connection dropped" not in text and "connection established" not in text
    assert shown(lines[:2]) == "", "only kazoo's chatter: nothing to show"


def test_a_candidate_node_that_is_no_sequential_path_is_the_learners_failure(tmp_path):
    """A lab 2 volunteer() that returns the path it asked for ('...-n_') gives every lab 4
    candidate such a node: the checks that parse it say so, and none stops on an error of
    its own (the class of 30 found five that did: int('') in the grader)."""
    checks = graded_with(tmp_path, {"lab2": "lab2_returns_requested_path"}, "lab4")
    assert checks
    infra = [c["name"] for c in checks if c["status"] != "passed" and c["status"] != "failed"]
    assert not infra, infra
