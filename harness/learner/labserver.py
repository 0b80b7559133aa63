"""JupyterLab as ``make lab`` starts it: on labs/, opening 00_start_here, with a terminal
in which the workshop's commands work as the notebooks write them.

The terminal JupyterLab opens (File > New > Terminal) must run ``pytest checks``, ``make
check`` and ``python -m harness ...`` as they are:

- It starts in the workshop's folder (checks/, the Makefile), not in JupyterLab's root
  (labs/), where ``pytest checks`` finds nothing. The front end asks for the folder its
  file browser shows; ``ServerApp.terminado_settings`` takes only the shell's command,
  so that command changes folder itself.
- This environment's bin (its python, pytest, jupyter) comes first on PATH, and
  VIRTUAL_ENV names it, as ``activate`` would. Setting them on the server is not enough:
  jupyter_server starts ``$SHELL -l`` when it has no terminal of its own (``make lab``
  piped, a service), and a login shell reads /etc/profile, which on Debian sets PATH
  anew; an interactive shell reads ~/.bashrc, which may put pyenv's or conda's python
  first. So the terminal is bash with an rc file of ours (``terminal_rc``): ~/.bashrc
  first, then this environment on top (Debian's bash reads /etc/bash.bashrc before it
  anyway). Without bash: ``$SHELL``, in the folder, with the server's environment.

The URL JupyterLab prints is its default URL: ``LabApp.default_url`` makes it (and ``/``)
open labs/00_start_here.ipynb rather than the Launcher.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from harness import manifest, settings

FIRST_NOTEBOOK = "00_start_here.ipynb"


def bin_dir() -> Path:
    """This environment's bin: where its python, pytest and jupyter are."""
    return Path(sys.executable).parent


def virtual_env() -> str | None:
    return sys.prefix if sys.prefix != sys.base_prefix else None


def environment(base: dict | None = None) -> dict[str, str]:
    """The server's environment (its kernels' and terminals'): ``base`` (default: ours)
    with this environment's bin first on PATH and VIRTUAL_ENV set when it is a venv."""
    env = dict(os.environ if base is None else base)
    first = str(bin_dir())
    rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != first]
    env["PATH"] = os.pathsep.join([first, *rest])
    if virtual_env():
        env["VIRTUAL_ENV"] = virtual_env()
    return env


def terminal_rc() -> Path:
    """Write the terminal's bash rc file (in the state folder) and return its path."""
    lines = ["# The workshop's terminal in JupyterLab, written by `make lab`",
             "# (harness/learner/labserver.py): your ~/.bashrc, then the workshop's environment.",
             'if [ -f ~/.bashrc ]; then . ~/.bashrc; fi']
    if virtual_env():
        lines.append(f"export VIRTUAL_ENV={shlex.quote(virtual_env())}")
    lines += [f'export PATH={shlex.quote(str(bin_dir()))}:"$PATH"',
              "hash -r",
              f"cd {shlex.quote(str(manifest.REPO))}", ""]
    path = settings.current().state_dir / "lab-terminal.bashrc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def shell_command(env: dict) -> list[str]:
    """The command each new terminal runs (see the module's docstring)."""
    bash = shutil.which("bash", path=env.get("PATH"))
    if bash:
        return [bash, "--rcfile", str(terminal_rc()), "-i"]
    shell = env.get("SHELL") or shutil.which("sh") or "/bin/sh"
    return ["/bin/sh", "-c", 'cd "$1" && exec "$0" -i', shell, str(manifest.REPO)]


def command(port: int, env: dict) -> list[str]:
    """The JupyterLab server ``make lab`` runs, on 127.0.0.1:``port``."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={manifest.STARTERS}",
           "--ip=127.0.0.1", f"--port={port}", "--no-browser",
           f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
           # no "notified about official Jupyter news?" toast over the first notebook,
           # and no update check from a machine that may be offline
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--ServerApp.terminado_settings=shell_command=" + shlex.join(shell_command(env))]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def run(port: int) -> None:
    """Become the JupyterLab server (``make lab``); never returns."""
    env = environment()
    cmd = command(port, env)
    os.execvpe(cmd[0], cmd, env)
