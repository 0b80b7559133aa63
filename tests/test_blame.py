"""Blame lands on the right line: the learner's hang says where, the grader's own error
is the grader's, and no thread stacks reach a learner.

Each grades a real submission (solutions with lab 1 replaced) with an
instructor-style extra check file, as the batch grader runs hidden checks.
"""
import contextlib
import json
import subprocess
import sys
import textwrap

import pytest

from harness.manifest import REPO
from harness.sandbox.host import LearnerTimeout
from harness.tools import mutants
from harness.world.grading_run import Grading

pytestmark = [pytest.mark.runs_checks, pytest.mark.timeout(300)]

SLEEPY_LAB1 = '''
import time

def register(zk, path, data=b""):
    time.sleep(600)          # the hang
    return path

def owner_session(zk, path):
    return None
'''


def grade_with(tmp_path, check_source: str, lab1: str | None = None):
    sub = tmp_path / "submission"
    mutants.build(sub, overrides={"lab1": lab1} if lab1 else None)
    check = tmp_path / "test_lab1_extra.py"
    check.write_text(textwrap.dedent(check_source))
    out = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "pytest", str(check), "-q", "-p", "harness.grading.plugin",
                          "--submission", str(sub),
                          "--results-json", str(out), "--rootdir", str(REPO),
                          "-c", str(REPO / "pytest.ini"), "--confcutdir", str(REPO)],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    data = json.loads(out.read_text())
    return res, data["checks"][0], data


def test_an_error_of_the_checks_own_is_the_checks_problem(tmp_path):
    res, check, data = grade_with(tmp_path, '''
        def test_lab1_broken(lab):
            settings = {}
            return settings["missing"]
        ''')
    assert check["status"] == "infra-error", check
    assert "stopped on an error of its own (KeyError" in check["message"], check["message"]
    assert "test_lab1_extra.py, line 4" in check["message"], check["message"]
    assert "not a verdict on your code" in check["message"]
    assert "Your code raised" not in check["message"]
    assert data["total"]["infra_errors"] == 1
    assert "Traceback" not in res.stdout


@contextlib.contextmanager
def lab1_sandbox(ensemble, tmp_path, lab1: str):
    """A sandbox with this lab 1 code imported, ended afterwards."""
    sub = tmp_path / "submission"
    mutants.build(sub, overrides={"lab1": lab1})
    run = Grading(ensemble, sub)
    try:
        sandbox = run.sandbox_for("ephemeral_nodes")
        sandbox.request("import", module="ephemeral_nodes", timeout=60)
        yield sandbox
    finally:
        run.close()


def test_a_hung_call_says_on_which_notebook_line(ensemble, tmp_path):
    with lab1_sandbox(ensemble, tmp_path, SLEEPY_LAB1) as sandbox:
        with pytest.raises(LearnerTimeout) as caught:
            sandbox.request("call", module="ephemeral_nodes", name="register",
                            args=[None, "/x"], timeout=2, what="register()")
    text = caught.value.learner_text()
    assert "Your register() did not return within 2 s" in text, text
    assert "where: 01_ephemeral_nodes.ipynb, cell" in text, text
    assert "time.sleep(600)" in text, text


def test_a_check_cut_off_by_its_time_limit_says_where_and_keeps_stacks_in_a_log(tmp_path):
    res, check, _ = grade_with(tmp_path, '''
        import pytest

        @pytest.mark.timeout(4)
        def test_lab1_cut_off(lab):
            lab.register(None, "/x", timeout=120)
        ''', lab1=SLEEPY_LAB1)
    assert check["status"] == "failed", check
    assert "did not finish in time" in check["message"], check["message"]
    assert "where your code is now: 01_ephemeral_nodes.ipynb, cell" in check["message"], check["message"]
    assert "time.sleep(600)" in check["message"]
    # pytest-timeout's dump of every thread's stack went to the log, named in one line
    assert "Stack of" not in res.stdout + res.stderr
    said = [line for line in (res.stdout + res.stderr).splitlines() if "thread stacks of the cut-off" in line]
    assert said, res.stdout[-2000:]
    log = said[0].rsplit(": ", 1)[1].strip(") \n")
    assert "threads when a check was cut off" in open(log).read()


RETRYING_LAB1 = '''
import time
from kazoo.exceptions import ConnectionLoss

def register(zk, path, data=b""):
    while True:              # retries ConnectionLoss for as long as it lasts
        try:
            return zk.create(path, data, ephemeral=True, makepath=True)
        except ConnectionLoss:
            time.sleep(0.1)

def owner_session(zk, path):
    return None
'''


def test_a_check_cut_off_while_a_client_was_cut_off_says_so(tmp_path):
    """A loop that retries ConnectionLoss hangs while its client cannot reach the servers:
    the message says how the client's connection went, so the learner sees why."""
    res, check, _ = grade_with(tmp_path, '''
        import pytest

        @pytest.mark.timeout(6)
        def test_lab1_cut_off_while_disconnected(world, lab):
            zk = world.client(proxied=True, timeout=4.0)
            world.cut(zk)        # closed, and every new connection closed until heal()
            lab.register(zk, "/x", timeout=120)
        ''', lab1=RETRYING_LAB1)
    assert check["status"] == "failed" and "did not finish in time" in check["message"], check
    assert "your clients' connections meanwhile (from the check's start): client" in \
        check["message"], check["message"]
    assert "SUSPENDED at " in check["message"] and "ConnectionLoss" in check["message"]

NOISY_LAB1 = '''
import logging, threading

def _fail():
    raise ValueError("from a thread of the learner's")

def register(zk, path, data=b""):
    t = threading.Thread(target=_fail, name="learner-thread")
    t.start()
    t.join()
    try:
        {}["key"]
    except KeyError:
        logging.getLogger("kazoo.handlers.threading").exception("Exception in worker queue thread")
    return path

def owner_session(zk, path):
    return None
'''


def test_thread_and_logged_exceptions_print_one_line_each_not_a_traceback(ensemble, tmp_path):
    from harness.waits import wait_until
    with lab1_sandbox(ensemble, tmp_path, NOISY_LAB1) as sandbox:
        sandbox.request("call", module="ephemeral_nodes", name="register", args=[None, "/x"], timeout=10)
        wait_until(lambda: "worker queue" in sandbox.output(), 5)
        printed = sandbox.output()
    assert "Traceback" not in printed, printed
    lines = printed.splitlines()
    thread_line = [line for line in lines if "learner-thread" in line]
    assert thread_line and "ValueError: from a thread of the learner's" in thread_line[0], printed
    assert "01_ephemeral_nodes.ipynb, cell" in thread_line[0], printed
    logged = [line for line in lines if "worker queue" in line]
    assert logged and "KeyError" in logged[0], printed


HOLDS_THE_SOCKET = '''
import os, time
if os.fork() == 0:                  # a detached grandchild keeps the sandbox's socket open
    os.setsid()
    time.sleep(60)
    os._exit(0)
def register(zk, path):
    return path
'''


def test_a_killed_sandbox_lets_go_of_its_connection_while_a_fork_still_holds_it(ensemble, tmp_path):
    """The reader thread alone closes the connection, after kill() shuts it down.

    Closing the descriptor from another thread would not wake a reader blocked on
    it while a fork of the learner's still holds the other end, and it would free
    the descriptor's number while a read may be about to use it: the next
    sandbox's socket, given that number, would lose bytes to this reader (a CI
    run lost a correct lab 2 to "the process running your code stopped answering").
    """
    with lab1_sandbox(ensemble, tmp_path, HOLDS_THE_SOCKET) as sandbox:
        sandbox.kill("the test ended it")
        sandbox._reader.join(timeout=5)
        assert not sandbox._reader.is_alive(), "the reader still waits on a socket a fork holds"
        assert sandbox.conn.closed
        assert sandbox.gone.startswith("Your code was stopped: the test ended it")
