"""Grade a class: many submissions, each in its own process, one CSV.

    python -m harness grade SUBMISSIONS [--out results/grades] [--hidden DIR]
                            [--jobs N] [--ensembles N] [--timeout 900] [--labs lab1,lab3]

SUBMISSIONS is a folder holding one entry per learner: a folder of lab
notebooks, or a .zip of one. For each entry only the lab notebooks named in
labs.toml are copied into a fresh folder (a shipped conftest.py or checks/
never reaches the grader), then graded by the grader's own checks in a separate
pytest process with its own time limit and its own ZooKeeper namespace. A
submission that crashes, hangs or prints garbage scores zero for what it
broke; the others are not affected.

Writes OUT/grades.csv (one row per submission: a column per lab, the total,
a status) and OUT/<submission>.json (every check, with its message).
--regrade keeps OUT's earlier results in OUT/history/<time>/ and prints, per
submission, the marks that changed and the checks that flipped (regrade.py).
By default as many submissions at once, and as many ensembles side by side, as
the class and the machine make worth it (``parallelism``).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from harness import manifest, notebooks, settings
from harness.ensemble import side
from harness.grading import again, regrade, submissions
from harness.world import lockdown
from harness.world.grading_run import CPU_NOTED, SOLUTIONS_CPU, pressed  # noqa: F401


def unpack(entry: Path, dest: Path) -> Path:
    """Copy the lab notebooks of a folder or zip entry into ``dest``; nothing else."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {lab.notebook for lab in manifest.labs()}
    if entry.is_dir():
        for name in wanted:
            found = sorted(entry.rglob(name), key=lambda p: len(p.parts))
            if found and found[0].is_file():
                shutil.copy(found[0], dest / name)
    elif entry.suffix == ".zip":
        with zipfile.ZipFile(entry) as zf:
            members = sorted(zf.namelist(), key=lambda n: n.count("/"))
            for name in wanted:
                match = next((m for m in members if m.rsplit("/", 1)[-1] == name), None)
                if match:     # read by name: no path from the zip is ever written
                    (dest / name).write_bytes(zf.read(match))
    return dest


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if (p.is_dir() and not p.name.startswith(".")) or p.suffix == ".zip")


def attempted(sub: Path) -> list[str]:
    """The labs whose solution cells are not the starter's own (those fail at once)."""
    found = []
    for lab in manifest.labs():
        try:
            mine = notebooks.solution_cells(sub / lab.notebook)
            if mine and mine != notebooks.solution_cells(manifest.STARTERS / lab.notebook):
                found.append(lab.key)
        except (OSError, notebooks.NotebookError):
            pass
    return found


def longest_first(subs: dict[Path, Path]) -> list[Path]:
    """Entries in the order to grade them: the longest expected first (labs.toml's
    ``seconds`` of each lab attempted), so that the quick ones (starters, half-done)
    fill the end instead of one long grading running on alone while the other jobs idle."""
    cost = {e: sum(manifest.by_key(k).seconds for k in attempted(sub)) for e, sub in subs.items()}
    return sorted(subs, key=lambda e: (-cost[e], e.name))


MAX_JOBS = 8            # a grading mostly waits (session timeouts); more starve two cores
ENSEMBLE_MB = 700       # what three more local JVMs take, with room


def parallelism(submissions: int, cores: int | None = None, free_mb: int | None = None):
    """(jobs, ensembles) for a class of ``submissions`` here.

    Each job waits most of its time (lab 5's real session timeouts), so jobs run
    several per core, up to MAX_JOBS; each gets an ensemble of its own while the
    memory allows (its fault checks then never wait for another's), because
    gradings on one ensemble queue behind each other's fault lock. Measured on 2
    cores: a class of 12 took 62 s a submission two at a time on one ensemble,
    about 9 s eight at a time on eight."""
    cores = cores or os.cpu_count() or 1
    free_mb = _free_mb() if free_mb is None else free_mb
    jobs = max(1, min(submissions, 4 * cores, MAX_JOBS))
    ensembles = max(1, min(jobs, 1 + len(side.OFFSETS), free_mb // ENSEMBLE_MB))
    return jobs, ensembles


def _free_mb() -> int:
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) // 1024
    except (OSError, KeyError, ValueError):
        return 2048


def grade_one(entry: Path, sub: Path, out: Path, labs: list[str] | None, hidden: Path | None,
              timeout: float, seed: int | None, envs=None, earlier: dict | None = None) -> dict:
    """Grade ``sub`` (the lab notebooks unpacked from ``entry``) in a process of its own.

    ``earlier``: the row of its last grading, when this one grades again only ``labs``
    (those that met a broken ensemble); their results replace the last grading's."""
    name = entry.stem if entry.suffix == ".zip" else entry.name
    t0 = time.monotonic()
    env = envs.get() if envs is not None else {}       # an ensemble of its own while it grades
    try:
        run = submissions.grade(sub, labs=labs, timeout=timeout, hidden=hidden, seed=seed, env=env)
    finally:
        if envs is not None:
            envs.put(env)
    seconds = time.monotonic() - t0
    data, code = run["results"], run["exit_code"]
    if data is None:
        data = {"error": "timed out" if code == -1 else "crashed",
                "output_tail": run["output"][-4000:]}
    else:
        data["ensemble_port_offset"] = int(env.get("ZK_WORKSHOP_PORT_OFFSET", 0))
    if earlier is not None:         # the labs graded again join the last grading's others
        seconds += earlier["seconds"]
        last = json.loads((out / f"{name}.json").read_text())
        if "error" not in last:
            data = last if "error" in data else again.merge(last, data, labs)
        labs = earlier["labs"]
    (out / f"{name}.json").write_text(json.dumps(data, indent=2))
    return dict(row_of(name, data, code, seconds, labs), labs=labs,
                graded_again=len(data.get("graded_again", [])))


def row_of(name: str, data: dict, exit_code: int, seconds: float,
           labs: list[str] | None) -> dict:
    """grades.csv's row of one submission, from its results (``data``) and exit code."""
    row = {"submission": name, "seconds": round(seconds, 1)}
    graded = [lab for lab in manifest.labs() if not labs or lab.key in labs]
    if "error" in data:
        for lab in graded:
            row[lab.key] = 0.0
        row.update(total=0.0, status=f"{data['error']}: no results", infra_errors=0)
    else:
        for lab in graded:
            row[lab.key] = round(data["labs"].get(lab.key, {}).get("points", 0.0), 2)
        row["total"] = data["total"]["points"]
        row["infra_errors"] = data["total"]["infra_errors"]
        row["broke_in"] = again.labs_to_grade(data)     # None: every lab (again.py)
        row["status"] = ("timed out: partial results" if exit_code == -1
                         else f"crashed (exit {exit_code}): partial results"
                         if exit_code not in (0, 1)
                         else "infrastructure errors: regrade" if row["infra_errors"] else "graded")
    row["pressed"] = pressed(data.get("load") or {})
    return row


def clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def progress(done: int, total: int, elapsed: float) -> str:
    """'3 done in 1m05s, 2.8/min, about 2m30s left': the rate so far, applied to what is left."""
    rate = done / elapsed * 60 if elapsed > 0 else 0.0
    left = (total - done) * elapsed / done if done else 0.0
    tail = f"about {clock(left)} left" if done < total else "all done"
    return f"{done} done in {clock(elapsed)}, {rate:.1f}/min, {tail}"


class Turns:
    """A class's gradings on a pool of jobs: every submission once, in the order given;
    then, the labs that met a broken ensemble again, in the turn again.py gives them.

    ``grade(entry, labs, last_row)`` grades one submission (``labs`` None: all) and
    returns its row; ``last_row`` is its last grading's when this one grades again."""

    def __init__(self, pool, grade, labs: list[str] | None, log=print):
        self.pool, self.grade, self.labs, self.log = pool, grade, labs, log
        self.rows: dict[Path, dict] = {}
        self.turns: dict[Path, list[str]] = {}        # each one's gradings again so far
        self.running: dict[concurrent.futures.Future, Path] = {}
        self.at_the_end: list[Path] = []
        self.done = self.started = 0
        self.t0 = time.monotonic()

    def run(self, order: list[Path]) -> dict[Path, dict]:
        for e in order:
            self.turns[e] = []
            self.start(e)
        self.drain()
        # A check that met a broken ensemble gave no verdict: its labs are graded again
        # before anything is written, so a class's marks do not depend on what broke
        # beside them. again.py says when; here, those left for the end, in turns.
        for group in again.groups(self.at_the_end, self.rows):
            self.log(f"grading again {len(group)} submission(s) whose checks met a broken "
                     f"ensemble: " + ", ".join(self.rows[e]["submission"] for e in group))
            for e in group:
                self.start(e)
            self.drain()
        return self.rows

    def start(self, e: Path) -> None:
        only, last = self.labs, None
        if self.turns[e]:               # only the labs that met the break (again.py)
            row = self.rows[e]
            broke = row["broke_in"]
            if broke is not None:
                only, last = broke, row
            self.log(f"grading again {', '.join(broke) if broke else 'every lab'} of "
                     f"{row['submission']}, {self.turns[e][-1]}: checks there met a broken "
                     f"ensemble")
        self.started += 1
        self.running[self.pool.submit(self.grade, e, only, last)] = e

    def finish(self, e: Path, row: dict) -> None:
        self.rows[e] = row
        self.done += 1
        self.log(f"[{self.done}/{self.started}] {row['submission']}: {row['total']:.1f} points "
                 f"({row['status']}, {row['seconds']:.0f} s"
                 + (f"; pressed on its limits: {row['pressed']}" if row.get("pressed") else "")
                 + ") | " + progress(self.done, self.started, time.monotonic() - self.t0))
        turn = again.when(self.turns[e], row.get("pressed", "")) if row.get("infra_errors") else None
        if turn is not None:
            self.turns[e].append(turn)
            self.start(e) if turn == again.AT_ONCE else self.at_the_end.append(e)

    def drain(self) -> None:
        while self.running:
            ended, _ = concurrent.futures.wait(self.running,
                                               return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in ended:
                self.finish(self.running.pop(fut), fut.result())


def grade_class(folder: Path, out: Path, hidden: Path | None = None, jobs: int | None = None,
                ensembles: int | None = None, timeout: float = 900, labs: list[str] | None = None,
                seed: int | None = None, regrade_old: bool = False, log=print) -> list[dict]:
    """Grade every submission in ``folder``; write OUT/grades.csv and one JSON each."""
    todo = entries(folder)
    if not todo:
        raise ValueError(f"{folder} holds no submission (folders or .zip files)")
    auto_jobs, auto_ensembles = parallelism(len(todo))
    jobs = jobs or auto_jobs
    ensembles = ensembles or min(jobs, auto_ensembles)
    out.mkdir(parents=True, exist_ok=True)
    earlier = regrade.snapshot(out) if regrade_old else None
    log(f"grading {len(todo)} submission(s), {jobs} at a time"
        + (f", on {ensembles} ensembles" if ensembles > 1 else ""))
    with tempfile.TemporaryDirectory(prefix="batch-") as tmp, \
            side.side_by_side(ensembles, log=log) as envs, \
            locked_down(envs.all, log), \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        subs = {e: unpack(e, Path(tmp) / f"{n:04d}") for n, e in enumerate(todo)}

        def grade(e: Path, only: list[str] | None, last: dict | None) -> dict:
            return grade_one(e, subs[e], out, only, hidden, timeout, seed, envs, last)

        rows = Turns(pool, grade, labs, log).run(longest_first(subs))
    rows = list(rows.values())
    rows.sort(key=lambda r: r["submission"])
    write_csv(out / "grades.csv", rows, labs)
    log(f"wrote {out / 'grades.csv'}")
    if regrade_old:
        if earlier is None:
            log(f"regrade: {out} held no earlier results; nothing to compare")
        else:
            regrade.report_changes(earlier, out, write_to=out)
    return rows


@contextlib.contextmanager
def locked_down(envs: list[dict], log=print):
    """Grade on locked ensembles (world/lockdown.py): a submission writes nowhere but in
    its namespaces, under their quotas. An ensemble that was open before is opened again
    afterwards (the usual one is also the learner's and the instructor's playground)."""
    opened = []

    def lock(env: dict):
        was_locked = lockdown.kept_locked(settings.read(dict(os.environ, **env)).state_dir)
        if not env:                 # side ensembles are up already (side_by_side started them)
            side.run_verb("up", env)
        return was_locked, side.run_verb("lockdown", env, 120, "--for-grading", str(os.getpid()))

    def unlock(env: dict) -> None:
        run = side.run_verb("lockdown", env, 120, "--undo")
        if run.returncode != 0:
            log("could not give the ensemble's playground back (python -m harness lockdown "
                "--undo): " + (run.stderr or run.stdout).strip()[-300:])

    # every ensemble at once (one at a time took a second each); said in their order
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(envs))) as pool:
        try:
            failed = []
            for env, fut in zip(envs, [pool.submit(lock, env) for env in envs]):
                was_locked, run = fut.result()
                if not was_locked:
                    opened.append(env)
                if run.returncode != 0:
                    failed.append((run.stderr or run.stdout).strip()[-500:])
                else:
                    log(run.stdout.strip())
            if failed:
                raise RuntimeError("could not lock the ensemble down: " + failed[0])
            yield
        finally:
            list(pool.map(unlock, opened))


def summary(rows: list[dict], seconds: float) -> str:
    """A class's grading in one paragraph: how long, how many, how each went."""
    each = sorted(r["seconds"] for r in rows)
    again_ = sum(bool(r.get("graded_again")) for r in rows)
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return (f"{len(rows)} submissions in **{clock(seconds)}** ({len(rows) / seconds * 60:.1f} a "
            f"minute); each took {each[len(each) // 2]:.0f} s (median), at most {each[-1]:.0f} s; "
            f"statuses: {statuses}; {again_} graded again (the labs that met a broken "
            f"ensemble).\n")


def write_csv(path: Path, rows: list[dict], labs: list[str] | None = None) -> None:
    graded = [lab.key for lab in manifest.labs() if not labs or lab.key in labs]
    fields = ["submission", *graded, "total", "status", "infra_errors", "seconds"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
