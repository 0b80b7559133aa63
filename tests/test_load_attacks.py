"""The load attacks: a submission cannot break the ensemble, the machine or the class.

tests/test_attacks.py proves a submission cannot forge its grade; this file
proves it cannot take down what every submission is graded on. Each attack is
lab 1's correct code whose ``register()`` first floods something for
``WINDOW`` seconds on four threads or forked processes (the check waits for
it, so the flood runs while the class is graded) and then does its job. The
whole class, two honest submissions and every attack, is graded eight at a
time on ONE ensemble (``--ensembles 1``): every flood meets the honest
gradings on the same servers. Then:

- no server died or stopped serving, and none logged an OutOfMemoryError;
- the honest submissions keep full marks, with no infrastructure error (their
  time beside the floods and alone is printed, not asserted: machines are noisy);
- each attack keeps nothing it did not earn, and is graded (not "regrade");
- the attack's limit is named in its results (the culprit, in the class's log);
- after the grading no node of theirs exists outside the namespaces, and no
  file of any sandbox is left.

Root only (the limits are the sandbox's uid, its cgroups, its mount namespace
and iptables); as another user this suite is skipped with that reason.
"""
import csv
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from kazoo.client import KazooClient

from harness import cli, manifest, notebooks
from harness.ensemble import Ensemble, topology
from harness.grading import batch
from harness.manifest import REPO
from harness.sandbox.jail import SLOTS, UID_BASE
from harness.tools import mutants

pytestmark = [pytest.mark.runs_checks, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's own uid needs a root grader")]

LABS = ["lab1", "lab2", "lab3", "lab4"]
POINTS = {lab.key: lab.points for lab in manifest.labs()}
WINDOW = 10          # seconds each flood runs (enough to meet every limit; a request may take 30)
MARK = "zkflood"     # in every name an attack creates: what must not be left anywhere

LAB1 = "".join(src for _, src in notebooks.solution_cells(REPO / "solutions" / manifest.by_key("lab1").notebook))

# register() floods first, on four threads, then does its job. `zk` is the client the
# grader opened for it (its check's namespace, its credential); `raw` one of its own.
HOLD = f'''
import threading, time, os
_real_register = register
_flooded = []
WINDOW, MARK = {WINDOW}, {MARK!r}
def _raw():
    from kazoo.client import KazooClient
    hosts = ",".join(f"{{h}}:{{p}}" for h, p in zk_hosts)
    c = KazooClient(hosts=hosts, timeout=10)
    c.start(timeout=15)
    return c
def _tally(what, fn):
    try:
        fn(); _counts[what + " ok"] = _counts.get(what + " ok", 0) + 1
    except Exception as e:
        k = what + " " + type(e).__name__
        _counts[k] = _counts.get(k, 0) + 1
_counts = {{}}
def _until(end):                 # the forks flood; the thread that made them waits
    while time.time() < end:
        time.sleep(0.5)
def register(zk, path, data=b""):
    global zk_hosts
    if not _flooded:
        _flooded.append(1)
        zk_hosts = zk.hosts
        end = time.time() + WINDOW
        threads = [threading.Thread(target=_flood, args=(zk, end, i), daemon=True) for i in range(4)]
        for t in threads: t.start()
        for t in threads: t.join(WINDOW + 4)
        print("flood done:", sorted(_counts.items()))
    return _real_register(zk, path, data)
'''

ATTACKS = {
    # nodes as big as a request may be, everywhere the attack can think of
    "big_nodes": '''
def _flood(zk, end, i):
    raw = _raw()
    parent = zk.chroot.rsplit("/", 1)[0]
    n = 0
    while time.time() < end:
        n += 1
        for data in (b"x" * 15000, b"y" * 200000):
            for c, p in ((zk, f"/{MARK}{i}-{n}"), (raw, f"/{MARK}{i}-{n}"),
                         (raw, f"/zookeeper/{MARK}{i}-{n}"), (raw, f"{parent}/{MARK}{i}-{n}"),
                         (raw, f"/grading/{MARK}{i}-{n}")):
                _tally(p.split("/")[1][:9], lambda: c.create(p, data))
''',
    # many small nodes with the longest names a request allows, in and out of the namespace
    "small_nodes": '''
def _flood(zk, end, i):
    raw = _raw()
    n = 0
    long = MARK + "n" * 15000
    while time.time() < end:
        n += 1
        _tally("inside", lambda: zk.create(f"/{long}{i}-{n}", b""))
        _tally("sequence", lambda: zk.create(f"/{MARK}-", b"", sequence=True))
        _tally("root", lambda: raw.create(f"/{MARK}{i}-{n}", b""))
''',
    # watches on made-up long paths: no node, no ACL, no quota
    "watch_flood": '''
def _flood(zk, end, i):
    raw = _raw()
    n = 0
    long = "/" + MARK + "w" * 15000
    while time.time() < end:
        batch = []
        for _ in range(200):
            n += 1
            for c in (zk, raw):
                batch.append(c.exists_async(f"{long}{i}-{n}", watch=lambda e: None))
        for a in batch:
            _tally("exists", lambda: a.get(timeout=10))
''',
    # reads as fast as kazoo can send them: no node, no watch, no quota; only the rate
    "read_flood": '''
def _flood(zk, end, i):
    raw = _raw()
    while time.time() < end:
        batch = [c.get_children_async("/") for c in (zk, raw) for _ in range(200)]
        for a in batch:
            _tally("read", lambda: a.get(timeout=10))
''',
    # thousands of connections, from sixteen processes
    "connection_flood": '''
def _flood(zk, end, i):
    import socket
    ports = [p for _, p in zk.hosts] + [2181, 2182, 2183]
    for _ in range(4):
        if os.fork() == 0:
            held = []
            while time.time() < end:
                for port in ports:
                    s = socket.socket()
                    s.settimeout(1)
                    try:
                        s.connect(("127.0.0.1", port)); held.append(s)
                    except OSError:
                        s.close()
            os._exit(0)
    _until(end)
''',
    # memory: as much as each of four processes can take
    "memory_hog": '''
def _flood(zk, end, i):
    if os.fork() == 0:
        hoard = []
        while time.time() < end:
            try:
                hoard.append(bytearray(64 << 20))
            except MemoryError:
                time.sleep(0.1)
        os._exit(0)
    _until(end)
''',
    # CPU: eight processes spinning
    "cpu_hog": '''
def _flood(zk, end, i):
    for _ in range(2):
        if os.fork() == 0:
            while time.time() < end:
                pass
            os._exit(0)
    _until(end)
''',
    # disk: fill every folder it can write, from a child that outlives the check
    "disk_fill": '''
def _flood(zk, end, i):
    if os.fork() == 0:
        os.setsid()
        for folder in ("/tmp", "/var/tmp", "/dev/shm", os.getcwd(), os.environ.get("HOME", ".")):
            for n in range(10_000):
                try:
                    with open(f"{folder}/{MARK}-{i}-{n}", "wb") as f:
                        f.write(b"z" * (8 << 20))
                except OSError:
                    break
        time.sleep(600)
        os._exit(0)
    _until(end)
''',
    # processes: as many as it may fork
    "fork_bomb": '''
def _flood(zk, end, i):
    while time.time() < end:
        try:
            if os.fork() == 0:
                time.sleep(WINDOW)
                os._exit(0)
        except OSError:
            time.sleep(0.05)
''',
}


def out_of_memory() -> set[str]:
    """Every OutOfMemoryError in the local servers' logs (rotated ones too), each named by
    the last timestamped line before it: a name that survives the log's rotation when a
    fault check restarts a server."""
    from harness import settings
    found = set()
    for log in settings.current().state_dir.glob("zoo*/server.log*"):
        last = ""
        for line in log.read_text(errors="replace").splitlines():
            if line[:2].isdigit() and line[2:3] == ":":
                last = line
            elif "OutOfMemoryError" in line:
                found.add(f"{log.parent.name}: {last[:120]}")
    return found


def tree(zk, path="/") -> set[str]:
    out = set()
    todo = [path]
    while todo:
        p = todo.pop()
        out.add(p)
        try:
            todo += [f"{p.rstrip('/')}/{c}" for c in zk.get_children(p)]
        except Exception:
            pass
    return out


def sandbox_files() -> list[str]:
    """Files owned by a sandbox uid in the places a sandbox could write without its own
    tmpfs: the machine's world-writable folders. (The jails' homes, made by the grader
    for the sandboxes running now, in this run or in another beside it, are left out:
    each sandbox sees its own tmpfs there.)"""
    found = []
    uids = range(UID_BASE, UID_BASE + SLOTS)
    for top in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(folder, name)
                try:
                    if os.lstat(p).st_uid in uids:
                        found.append(p)
                except OSError:
                    pass
    return found


# 1: every flood on the same servers as the honest gradings (the hardest case for the
# servers). LOAD_ENSEMBLES=8 grades as the class grader does where memory allows, one
# ensemble per job: the figure for the honest submissions' time (docs/performance.md).
ENSEMBLES = os.environ.get("LOAD_ENSEMBLES", "1")


def grade(subs: Path, out: Path, jobs: int) -> dict:
    code = cli.main(["grade", str(subs), "--out", str(out), "--labs", ",".join(LABS),
                     "--jobs", str(jobs), "--ensembles", ENSEMBLES if jobs > 1 else "1",
                     "--timeout", "600"])
    assert code == 0
    with open(out / "grades.csv") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded():
    root = Path(tempfile.mkdtemp(prefix="loaded-class-"))
    os.chmod(root, 0o755)
    alone, subs = root / "alone", root / "submissions"
    alone.mkdir()
    subs.mkdir()
    mutants.build(alone / "a_honest")
    for n in (1, 2):
        mutants.build(subs / f"a_honest_{n}")
    for name, attack in ATTACKS.items():
        mutants.build(subs / f"b_{name}", base=REPO / "labs",
                      overrides={"lab1": LAB1 + "\n" + HOLD + "\n" + attack})
    ens = Ensemble()
    admin = KazooClient(hosts=ens.hosts, timeout=10)
    admin.start(timeout=15)
    before = {"oom": out_of_memory(), "tree": tree(admin), "files": set(sandbox_files())}
    t0 = time.monotonic()
    alone_rows = grade(alone, root / "out-alone", jobs=1)
    alone_seconds = time.monotonic() - t0
    rows = grade(subs, root / "out", jobs=8)
    after = {"oom": out_of_memory(), "tree": tree(admin), "modes": ens.modes()}
    admin.stop()
    admin.close()
    print(f"honest alone: {alone_rows['a_honest']['seconds']} s (whole run {alone_seconds:.0f} s); "
          f"beside the attacks: " + ", ".join(f"{k} {rows[k]['seconds']} s" for k in rows
                                              if k.startswith("a_")))
    yield {"rows": rows, "out": root / "out", "before": before, "after": after}


def results(graded, name) -> dict:
    return json.loads((graded["out"] / f"{name}.json").read_text())


def test_no_server_died(graded):
    modes = graded["after"]["modes"]
    assert all(m in ("leader", "follower") for m in modes.values()), modes
    new = graded["after"]["oom"] - graded["before"]["oom"]
    assert not new, f"OutOfMemoryError after: {sorted(new)}"


@pytest.mark.parametrize("n", [1, 2])
def test_the_honest_submissions_keep_full_marks(graded, n):
    row = graded["rows"][f"a_honest_{n}"]
    failed = [c for c in results(graded, f"a_honest_{n}")["checks"] if c["status"] != "passed"]
    said = f"{row}\nthe checks it failed:\n" + "\n".join(      # a str: pytest shows it whole
        f"{c['nodeid']}: {c['status']}: {c.get('message', '')[:3000]}" for c in failed)
    assert row["status"] == "graded", said
    assert float(row["total"]) == sum(POINTS[k] for k in LABS), said


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_keeps_nothing_it_did_not_earn_and_is_graded(graded, name):
    row = graded["rows"][f"b_{name}"]
    assert float(row["lab1"]) <= POINTS["lab1"] + 1e-6, row
    assert sum(float(row[k]) for k in LABS[1:]) == 0.0, row        # starters: nothing to earn
    assert row["status"] == "graded", row


@pytest.mark.parametrize("name, pressed", [("big_nodes", "quota_reached"),
                                           ("small_nodes", "quota_reached"),
                                           ("watch_flood", "refusals"),
                                           ("read_flood", "paced_requests")])
def test_the_limit_an_attack_met_is_named_in_its_results(graded, name, pressed):
    load = results(graded, f"b_{name}").get("load", {})
    assert load.get(pressed), load


def test_a_cpu_hog_is_named_by_the_cpu_its_sandbox_used(graded):
    """Eight spinning processes for WINDOW seconds: what its slot's cpuacct group counted
    is past what the class log names (the solutions' six labs take 3.2 s)."""
    load = results(graded, "b_cpu_hog").get("load", {})
    assert (load.get("sandbox_cpu_seconds") or 0) > batch.CPU_NOTED, load
    assert "of CPU in its sandboxes" in batch.pressed(load), load
    honest = results(graded, "a_honest_1").get("load", {})
    assert (honest.get("sandbox_cpu_seconds") or 0) <= batch.CPU_NOTED, honest


def test_no_node_of_theirs_is_left_anywhere(graded):
    left = [p for p in graded["after"]["tree"] if MARK in p]
    assert not left, left[:5]
    # what the grader itself leaves: the folders its namespaces and their quotas lived in
    new = {p for p in graded["after"]["tree"] - graded["before"]["tree"]
           if not (p in ("/grading", "/zookeeper/quota/grading")
                   or p.startswith(("/grading/", "/zookeeper/quota/grading/")))}
    assert not new, sorted(new)[:10]


def test_no_file_of_a_sandbox_is_left(graded):
    left = sorted(set(sandbox_files()) - graded["before"]["files"])
    assert not left, left[:10]
    assert not [p for p in Path("/tmp").glob(f"{MARK}*")]
