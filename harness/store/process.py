"""A store as the grader (or a notebook) runs it: its own process, its own log file.

    with StoreProcess.started(folder, fenced=True, writers=["c1", "c2"]) as store:
        store.address            # "127.0.0.1:40123"
        store.secret("c1")       # what writer c1's client must present
        store.log()              # every write it accepted or refused, oldest first

The log lives in ``folder`` (the grader's: 0700), and the service answers no
request for it: only whoever started the store reads it.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets as random_secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import settings
from harness.store.client import StoreError


class StoreProcess:
    def __init__(self, folder: Path, fenced: bool = True, writers=()):
        self.folder = Path(folder)
        self.fenced = fenced
        self._secrets = {w: random_secrets.token_hex(16) for w in writers}
        self.log_path = self.folder / "store.log"
        secrets_file = self.folder / "writers.json"
        secrets_file.write_text(json.dumps(self._secrets))
        os.chmod(secrets_file, 0o600)
        cmd = [sys.executable, "-m", "harness", "store", "--log", str(self.log_path),
               "--writers", str(secrets_file)] + ([] if fenced else ["--unfenced"])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True,
                                     cwd=settings.current().root, start_new_session=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise StoreError(f"the store did not start: {line or 'no output'}")
        self.address = line.split()[-1]

    @classmethod
    @contextlib.contextmanager
    def started(cls, folder: Path | None = None, fenced: bool = True, writers=()):
        with contextlib.ExitStack() as stack:
            if folder is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zk-store-")))
            store = cls(folder, fenced, writers)
            stack.callback(store.stop)
            yield store

    def secret(self, writer: str) -> str:
        return self._secrets.get(writer, "")

    def add_writer(self, writer: str) -> str:
        """A new writer's secret (the store re-reads its writers file at each hello)."""
        self._secrets[writer] = random_secrets.token_hex(16)
        (self.folder / "writers.json").write_text(json.dumps(self._secrets))
        return self._secrets[writer]

    def log(self) -> list[dict]:
        """Every write the store accepted or refused so far, in the order it decided."""
        try:
            lines = self.log_path.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.proc.stdout.close()
