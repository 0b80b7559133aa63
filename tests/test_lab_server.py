"""The room around the notebook (issue 28): JupyterLab started as ``make lab`` starts it
prints a URL that opens 00_start_here, and the terminal it opens runs the workshop's
commands: this environment's python (kazoo imports), its pytest, in the workshop's
folder (where checks/ is).

The server is started the hard way: no venv on PATH, no VIRTUAL_ENV, output piped (so
jupyter_server would start a login shell, whose /etc/profile sets PATH anew), and a
~/.bashrc that puts another `python` and `pytest` first, as pyenv's or conda's would.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from harness.manifest import REPO

pytestmark = pytest.mark.slow
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def impostor_home(tmp_path: Path) -> Path:
    """A HOME whose ~/.bashrc puts a `python` and a `pytest` without kazoo first on PATH."""
    home, fake = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    fake.mkdir()
    for name in ("python", "pytest"):
        (fake / name).write_text("#!/bin/sh\necho 'not the workshop environment' >&2\nexit 3\n")
        (fake / name).chmod(0o755)
    (home / ".bashrc").write_text(f'export PATH="{fake}:$PATH"\n')
    return home


@pytest.fixture
def lab_server(tmp_path):
    """`python -m harness lab --port P` (what `make lab` runs after `make up`): (base URL,
    token, the URL it printed)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(PATH="/usr/bin:/bin", HOME=str(impostor_home(tmp_path)), SHELL="/bin/bash")
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "harness", "lab", "--port", str(port)], cwd=REPO,
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        found = None
        while found is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S*token=(\w+)", log.read_text())
        assert found, f"no URL printed:\n{log.read_text()[-3000:]}"
        yield f"http://127.0.0.1:{port}", found.group(1), found.group(0)
    finally:
        if server.poll() is not None:          # it ended under the test: say how
            print(f"JupyterLab ended ({server.returncode}) during the test:\n"
                  f"{log.read_text()[-3000:]}")
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)


async def terminal_says(base: str, token: str, command: str, until: str,
                        timeout: float = 30.0) -> str:
    """Open a terminal through the REST API, type ``command``, return what it printed
    once ``until`` appears (or the timeout passes)."""
    request = urllib.request.Request(f"{base}/api/terminals", data=b"{}", method="POST",
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    name = json.loads(urllib.request.urlopen(request, timeout=15).read())["name"]
    ws = await websocket_connect(f"{base.replace('http', 'ws', 1)}/terminals/websocket/{name}"
                                 f"?token={token}")
    try:
        await ws.write_message(json.dumps(["stdin", command + "\r"]))
        seen, deadline = "", time.monotonic() + timeout
        while until not in seen and time.monotonic() < deadline:
            try:
                msg = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
            if msg is None:
                break
            kind, *rest = json.loads(msg)
            if kind == "stdout":
                seen += rest[0]
        return seen
    finally:
        ws.close()


@pytest.mark.timeout(180)
def test_make_lab_opens_start_here_and_its_terminal_runs_the_workshops_commands(lab_server):
    base, token, printed = lab_server
    assert "/lab/tree/00_start_here.ipynb" in printed, printed

    # what is printed differs from what is typed (the terminal echoes that): sep, $..., ''
    command = ("python -c \"import kazoo, os; print('kazoo', 'imports in', os.getcwd(), sep='|')\";"
               " echo \"pytest=$(command -v pytest) venv=$VIRTUAL_ENV\"; ls -d checks;"
               " echo 'all'' done'")
    out = asyncio.run(terminal_says(base, token, command, until="all done"))
    assert "all done" in out, f"the terminal did not finish:\n{out[-2000:]}"
    assert "not the workshop environment" not in out, out[-2000:]
    assert f"kazoo|imports in|{REPO}" in out, f"python there is not this environment's, or the " \
                                              f"terminal is not in {REPO}:\n{out[-2000:]}"
    assert f"pytest={VENV_BIN / 'pytest'} venv={sys.prefix}" in out, out[-2000:]
    assert "No such file" not in out, out[-2000:]          # checks/ is there


def test_make_lab_asks_no_news_question_over_the_first_notebook(lab_server):
    """JupyterLab's "notified about official Jupyter news?" toast covered 00_start_here on a
    learner's first open (the walk of 2026-12-07): the page says news is off."""
    base, token, _ = lab_server
    page = urllib.request.urlopen(f"{base}/lab?token={token}", timeout=15).read().decode()
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert config.get("news") == {"disabled": True}, config.get("news")
