"""The interface's contracts, from the side of a correct implementation written another way.

`docs/lab-interface.md`: after `resign()`, `node` is None or the path of the
deleted node, both accepted. The solutions keep the path (labs 3-4); here the
same solutions set `node = None` after deleting, and must keep full marks in
every lab 3 and lab 4 check (none may read `node` after `resign()`).
"""
import json
import subprocess
import sys

import pytest

from harness.manifest import REPO
from harness.tools import mutants

pytestmark = [pytest.mark.runs_checks, pytest.mark.slow, pytest.mark.timeout(600)]

FORGET_NODE = [(
    "                self.zk.delete(self.node)\n"
    "            except NoNodeError:\n"
    "                pass\n",
    "                self.zk.delete(self.node)\n"
    "            except NoNodeError:\n"
    "                pass\n"
    "            self.node = None       # it has no node any more\n",
)]


def test_node_is_none_after_resign_is_accepted(tmp_path):
    sub = tmp_path / "node-none"
    mutants.build(sub, overrides={"lab3": f"MUTATIONS = {FORGET_NODE!r}",
                                      "lab4": f"MUTATIONS = {FORGET_NODE!r}"})
    out = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "pytest", "checks", "-q", "-k", "lab3 or lab4",
                          "--submission", str(sub), "--results-json", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=500)
    data = json.loads(out.read_text())
    failed = [f"{c['name']}: {c['message'][:300]}" for c in data["checks"] if c["status"] != "passed"]
    assert not failed, "\n".join(failed)
    assert res.returncode == 0, res.stdout[-2000:]
    for lab in ("lab3", "lab4"):
        assert data["labs"][lab]["points"] == data["labs"][lab]["max_points"] > 0
