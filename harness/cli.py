"""One command line: ``python -m harness <verb>`` (or ``zk-workshop <verb>`` once installed).

Each verb parses its arguments here and calls one function of its layer; the
Makefile calls nothing else. ``--help`` on any verb says what it takes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _labs(text: str) -> list[str] | None:
    return [k for k in (text or "").split(",") if k] or None


# --- the ensemble ---------------------------------------------------------------------

def cmd_up(args) -> int:
    from harness.ensemble import startup
    startup.bring_up()
    return 0


def cmd_down(args) -> int:
    from harness.ensemble import startup
    startup.take_down()
    return 0


def cmd_status(args) -> int:
    from harness.ensemble import startup
    return 0 if startup.status() else 1


def cmd_image(args) -> int:
    from harness.ensemble import image
    if args.action == "build":
        image.build(rebuild=args.rebuild)
    elif args.action == "ensure":
        name, why = image.ensure()
        print(f"image: {name} ({why})")
    else:
        name, why = image.describe(image.connect(timeout=10))
        print(f"image: {name or '-'} ({why})")
        blocker = image.build_blocker()
        print("the workshop's own image can be built here" if not blocker
              else f"the workshop's own image cannot be built here: {blocker}")
    return 0


def cmd_compose(args) -> int:
    from harness.ensemble import topology
    sys.stdout.write(topology.dotenv() if args.dotenv else topology.compose_yaml(args.offset))
    return 0


# --- the learner's side ---------------------------------------------------------------

def cmd_lab(args) -> int:
    """JupyterLab on labs/, opening 00_start_here; its terminal has this environment."""
    from harness.learner import labserver
    labserver.run(args.port)
    return 0


def cmd_starters(args) -> int:
    """The starters from the solved notebooks, their pictures, and every file labs.toml
    implies."""
    from harness import manifest
    from harness.learner import pictures, starters
    from harness.tools import derived
    stale = starters.generate(manifest.SOLUTIONS, manifest.STARTERS, check=args.check)
    stale += derived.render(check=args.check)
    stale += pictures.write(check=args.check)
    if args.check and stale:
        print("out of date with solutions/ and labs.toml: " + ", ".join(stale)
              + "\nrun: python -m harness starters")
        return 1
    print("labs/ is up to date" if not stale else "wrote " + ", ".join(stale))
    return 0


def cmd_reset(args) -> int:
    from harness.learner import starters
    notebook, backup = starters.reset(args.lab)
    print(f"reset labs/{notebook} to its starting point")
    if backup is not None:
        try:
            shown = backup.relative_to(Path.cwd())
        except ValueError:
            shown = backup
        print(f"your previous version is kept in {shown}")
    return 0


def cmd_check(args) -> int:
    """``pytest checks`` with the workshop's plugin, from wherever the harness is installed."""
    import pytest

    from harness import manifest
    root = manifest.REPO
    files = [str(p) for key in (_labs(args.labs) or [lab.key for lab in manifest.labs()])
             for p in manifest.by_key(key).check_files()]
    more = [a for a in args.pytest_args if a != "--"]
    return pytest.main([*files, "--submission", str(args.submission), "--rootdir", str(root),
                        "-c", str(root / "pytest.ini"), *more])


# --- grading ---------------------------------------------------------------------------

def cmd_grade(args) -> int:
    if args.export:
        return _export(args)
    if args.compare:
        from harness.grading import regrade
        old, new = args.compare
        print(regrade.render(regrade.diff_class(regrade.load_class(old), regrade.load_class(new))))
        return 0
    if args.one:
        from harness.grading import autograde
        hidden = args.hidden if args.hidden and args.hidden.is_dir() else None
        report = autograde.autograde(args.submissions, args.gradescope, args.prairielearn,
                                     args.github_output, hidden=hidden, timeout=args.timeout,
                                     labs=_labs(args.labs), results_json=args.results_json)
        return 0 if report is not None else 3
    from harness.grading import batch, platforms
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    import time

    from harness.tools.cpu_split import CpuSplit
    t0 = time.monotonic()
    with CpuSplit() as cpu:         # computing or waiting: what could make it faster
        rows = batch.grade_class(args.submissions, args.out, hidden=args.hidden,
                                 jobs=args.jobs, ensembles=args.ensembles,
                                 timeout=args.timeout, labs=_labs(args.labs), seed=args.seed,
                                 regrade_old=args.regrade, log=_say)
    cpu_said = cpu.report(len(rows))
    _say(cpu_said)
    if args.publish:
        from harness.tools import figures
        figures.publish("class", "Grading a class", "python -m harness " + " ".join(sys.argv[1:]),
                        batch.summary(rows, time.monotonic() - t0) + "\n" + cpu_said)
    if args.lms_csv:
        for w in platforms.write_lms_csv(args.out, args.lms_csv, args.lms_columns, args.lms_roster):
            print(f"warning: {w}")
        print(f"wrote {args.lms_csv}")
    return 0


def cmd_lockdown(args) -> int:
    from harness.world import lockdown
    return lockdown.run(undo=args.undo, log=_say, grading_pid=args.for_grading)


def _export(args) -> int:
    import json

    from harness import manifest
    from harness.grading import platforms
    what, source, out = args.export[0], Path(args.export[1]), args.export[2:]
    if what == "lms-csv":
        for w in platforms.write_lms_csv(source, Path(out[0]), args.lms_columns, args.lms_roster):
            print(f"warning: {w}", file=sys.stderr)
        print(f"wrote {out[0]}")
        return 0
    report = platforms.load(source)
    if what == "github":
        keys = args.lab or [lab.key for lab in manifest.labs()]
        if args.decoded:
            print(json.dumps({k: platforms.github(report, k) for k in keys}, indent=2))
        else:
            sys.stdout.write(platforms.github_output_lines(report, keys))
        return 0
    fmt = platforms.gradescope if what == "gradescope" else platforms.prairielearn
    platforms.write_json(Path(out[0]), fmt(report))
    return 0


def cmd_bundle(args) -> int:
    from harness.grading import autograde
    print(f"wrote {autograde.bundle(args.out, args.hidden)}")
    return 0


def cmd_platforms(args) -> int:
    from harness.tools import platform_images
    return platform_images.run(args.action, rebuild=args.rebuild, submission=args.submission,
                               out=args.out, labs=args.labs)


# --- maintainers ----------------------------------------------------------------------------

def cmd_bench(args) -> int:
    if args.restarts:
        from harness.tools import restart_bench
        return restart_bench.run(args.runs, publish=args.publish)
    from harness.tools import bench
    return bench.main(args)


def cmd_flaky(args) -> int:
    from harness.tools import flaky
    return flaky.run(args.runs, _labs(args.labs), args.out, log=_say, publish=args.publish)


def cmd_classgen(args) -> int:
    from harness.tools import classgen
    expected = classgen.build_class(args.dest, args.size, args.seed)
    print(f"wrote {len(expected)} submissions to {args.dest / 'submissions'} "
          f"and {args.dest / 'expected.json'}")
    return 0


def cmd_mutants(args) -> int:
    from harness.tools import mutants
    return mutants.report([Path(f) for f in args.files], runs=args.runs, log=_say)


def cmd_store(args) -> int:
    from harness.store import service
    service.serve(args.log, args.port, fenced=not args.unfenced, writers=args.writers,
                  announce=lambda text: print(text, flush=True))
    return 0


def cmd_test(args) -> int:
    from harness.tools import testloop
    return testloop.run(workers=args.workers, extra=args.pytest_args, publish=args.publish)


def _say(text: str) -> None:
    print(text, flush=True)


# --- the parser ----------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m harness",
        description="The ZooKeeper leader-election workshop: its ensemble, its labs, its grader.",
        epilog="`python -m harness VERB --help` says what a verb takes.")
    verbs = ap.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name, fn, help_):
        p = verbs.add_parser(name, help=help_, description=help_)
        p.set_defaults(fn=fn)
        return p

    for add in (_ensemble_verbs, _learner_verbs, _grading_verbs, _maintainer_verbs):
        add(verb)
    return ap


def _ensemble_verbs(verb) -> None:
    verb("up", cmd_up, "start the ensemble (or reuse it), saying which backend and why")
    verb("down", cmd_down, "stop the ensemble; no process or container is left behind")
    verb("status", cmd_status, "who leads, who follows (exit 1 without a quorum)")
    p = verb("image", cmd_image, "the Docker image of the servers (the workshop's own from Debian)")
    p.add_argument("action", nargs="?", choices=["status", "ensure", "build"], default="status")
    p.add_argument("--rebuild", action="store_true", help="build it again from scratch")
    p = verb("compose", cmd_compose, "print docker-compose.yml (or .env) as the topology renders it")
    p.add_argument("--offset", type=int, default=0, help="port offset (a private ensemble)")
    p.add_argument("--dotenv", action="store_true", help="print .env instead")


def _learner_verbs(verb) -> None:
    p = verb("lab", cmd_lab, "JupyterLab on labs/, opening 00_start_here")
    p.add_argument("--port", type=int, default=8888)
    p = verb("starters", cmd_starters, "write the starter notebooks (labs/) from solutions/, "
                                       "and the notebooks' pictures")
    p.add_argument("--check", action="store_true", help="exit 1 if labs/ is out of date")
    p = verb("reset", cmd_reset, "a fresh starter for one lab (the learner's copy is kept beside)")
    p.add_argument("lab", help="lab1, lab2, ...")
    p = verb("check", cmd_check, "grade a folder of lab notebooks (pytest checks)")
    p.add_argument("--submission", type=Path, default=None, help="default: labs/")
    p.add_argument("--labs", default="", help="comma-separated lab keys (default: all)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="more pytest arguments")


def _grading_verbs(verb) -> None:
    p = verb("grade", cmd_grade, "grade a class (or --one submission, or --export results)")
    p.add_argument("submissions", type=Path, nargs="?",
                   help="a folder of submissions (folders or .zip of notebooks); with --one, "
                        "one submission")
    p.add_argument("--out", type=Path, default=Path("results/grades"))
    p.add_argument("--hidden", type=Path, default=None, help="folder of extra test_labN_*.py checks")
    p.add_argument("--jobs", type=int, default=None, help="submissions at once (default: "
                   "what the class and the machine make worth it)")
    p.add_argument("--ensembles", type=int, default=None, help="ensembles side by side (default: "
                   "one per job, as memory allows)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per submission")
    p.add_argument("--labs", default="", help="comma-separated lab keys (default: all)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--regrade", action="store_true",
                   help="keep OUT's earlier results in OUT/history/<time>/ and print what changed")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"),
                   help="only compare two result folders")
    p.add_argument("--lms-csv", type=Path, default=None, help="also write a Canvas gradebook CSV")
    p.add_argument("--publish", action="store_true", help="write the class's figures to "
                   "docs/performance.md")
    p.add_argument("--lms-columns", choices=["per-lab", "total"], default="per-lab")
    p.add_argument("--lms-roster", type=Path, default=None, help="a Canvas gradebook export")
    p.add_argument("--one", action="store_true", help="grade ONE submission, as a platform's "
                   "container does, and write the platforms' files")
    p.add_argument("--gradescope", type=Path, help="(--one) Gradescope's results.json here")
    p.add_argument("--prairielearn", type=Path, help="(--one) PrairieLearn's results.json here")
    p.add_argument("--github-output", type=Path, help="(--one) labN=<base64> lines here")
    p.add_argument("--results-json", type=Path, help="(--one) the results JSON here")
    p.add_argument("--export", nargs="+", metavar="ARG",
                   help="FORMAT RESULTS [OUT]: gradescope|prairielearn|github|lms-csv from results")
    p.add_argument("--lab", action="append", default=None, help="(--export github) only this lab")
    p.add_argument("--decoded", action="store_true", help="(--export github) JSON, not base64")
    p = verb("lockdown", cmd_lockdown, "make the ensemble a grading one: all but the checks' "
             "namespaces read-only")
    p.add_argument("--undo", action="store_true", help="give the playground back")
    p.add_argument("--for-grading", type=int, default=None, metavar="PID",
                   help="(the class grader) locked for the time of grading PID only")
    p = verb("bundle", cmd_bundle, "Gradescope's autograder zip")
    p.add_argument("out", type=Path)
    p.add_argument("--hidden", type=Path, default=None)
    p = verb("platforms", cmd_platforms, "Gradescope's and PrairieLearn's graders in containers")
    p.add_argument("action", choices=["status", "build", "gradescope", "prairielearn"])
    p.add_argument("submission", type=Path, nargs="?")
    p.add_argument("out", type=Path, nargs="?")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--labs", default="")


def _maintainer_verbs(verb) -> None:
    p = verb("bench", cmd_bench, "what the herd and a failover cost, measured on the servers")
    p.add_argument("--sizes", default="10,100,500", help="comma-separated N (default 10,100,500)")
    p.add_argument("--failovers", type=int, default=20, help="resignations per N (default 20)")
    p.add_argument("--crashes", type=int, default=None,
                   help="session expiries per N (default: as many as --failovers)")
    p.add_argument("--impls", default=None, help="comma-separated (default: every lab's "
                   "candidate class, as labs.toml names it, and kazoo's Election)")
    p.add_argument("--submission", default=None, help="notebooks measured (default solutions/)")
    p.add_argument("--out", default=None, help="folder for bench.json and bench.png (results/)")
    p.add_argument("--learner-loop", action="store_true",
                   help="time the learner's loop instead: the checks on the solutions, whole "
                        "and per lab, and a private ensemble's up")
    p.add_argument("--publish", action="store_true", help="write the figures to "
                   "docs/performance.md")
    p.add_argument("--restarts", action="store_true", help="what a server's restart costs instead")
    p.add_argument("--fencing", action="store_true", help="what a fenced write costs instead "
                   "(lab 6): store unfenced/fenced, zk set/guarded multi")
    p.add_argument("--writes", type=int, default=500, help="(--fencing) writes of each kind")
    p.add_argument("--runs", type=int, default=5, help="(--restarts) restarts each way")
    p = verb("flaky", cmd_flaky, "the check suite on the solutions N times: failures per check")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--labs", default="")
    p.add_argument("--out", type=Path, default=Path("results/flaky.json"))
    p.add_argument("--publish", action="store_true", help="write the figure to docs/performance.md")
    p = verb("classgen", cmd_classgen, "a class of submissions with known marks (expected.json)")
    p.add_argument("dest", type=Path)
    p.add_argument("--size", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p = verb("mutants", cmd_mutants, "grade wrong solutions and name the checks that catch each")
    p.add_argument("files", nargs="*", help="default: every file of solutions/wrong/")
    p.add_argument("--runs", type=int, default=1, help="grade each this many times, fresh seeds")
    p = verb("store", cmd_store, "the fencing lab's storage service (a check or a notebook "
             "starts it: harness/store)")
    p.add_argument("--log", type=Path, required=True, help="the append-only log of every write")
    p.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    p.add_argument("--writers", type=Path, default=None, help="JSON {writer: secret}")
    p.add_argument("--unfenced", action="store_true", help="accept every write (an experiment)")
    p = verb("test", cmd_test, "the whole developer suite: fast tier, checks, then the rest")
    p.add_argument("--workers", type=int, default=None, help="test files at once, each on an "
                   "ensemble of its own (default: 4)")
    p.add_argument("--publish", action="store_true", help="write the times to docs/performance.md")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.verb == "check" and args.submission is None:
        from harness import manifest
        args.submission = manifest.STARTERS
    if args.verb == "grade" and not args.export and not args.compare and args.submissions is None:
        parser().parse_args(["grade", "--help"])
    from harness.ensemble import EnsembleError
    from harness.ensemble.image import ImageError
    try:
        return args.fn(args) or 0
    except (EnsembleError, ImageError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
