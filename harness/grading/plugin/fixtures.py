"""The fixtures a check is written with: world, lab, clients, zk, ensemble, faults, rng, seed.

A check (or an instructor's hidden check) asks for ``world`` and drives
everything through it; the others are there for what a world does not cover.
Every check runs under the fault lock: shared, or alone when marked ``faults``.
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from harness import manifest
from harness.ensemble import SERVING_MODES, Ensemble, EnsembleError, faultlock
from harness.grading.plugin.messages import log_trace
from harness.grading.plugin.options import lab_of
from harness.grading.plugin.state import OUTPUT, STARTED, run_state
from harness.recipe import SESSION_TIMEOUT, close_quietly
from harness.world import World, namespaces
from harness.world.grading_run import Grading

MAX_HEALS = 3      # per run: an ensemble that cannot be healed is not tried before every check


@pytest.fixture(scope="session")
def ensemble(request):
    """The running ensemble; a local one is started if none answers."""
    ens = Ensemble()
    run_state(request.config).ensemble = ens        # for heal_if_broken
    if not ens.has_quorum():
        try:
            ens.backend.up()
        except EnsembleError as e:
            raise EnsembleError(f"the ZooKeeper ensemble is not running and could not be "
                                f"started: {e} Start it with `make up`.") from None
    ens.wait_for_quorum(timeout=30)
    if len(ens.serving()) < len(ens.servers):
        # A run cut off in the middle of a fault check may have left a server
        # down or paused: every run starts from three healthy servers.
        with faultlock.held(exclusive=True):
            ens.heal()
    return ens


def ensemble_trouble(config) -> str:
    """'' while every server of the run's ensemble serves (leads or follows); else what
    is wrong with it (its modes). Asked only after something went wrong: it costs one
    four-letter word per server."""
    ens = run_state(config).ensemble
    if ens is None:
        return ""
    try:
        modes = ens.modes()
        if all(m in SERVING_MODES for m in modes.values()):
            return ""
        return ", ".join(f"zoo{i} {m}" for i, m in modes.items())
    except Exception as e:          # asking failed: that says enough
        return f"the servers could not be asked ({type(e).__name__})"


def heal_if_broken(config) -> None:
    """Before the next check, after one that met a broken ensemble: heal it.

    Only fault checks break the ensemble, and they heal it afterwards. When it breaks
    otherwise (a server's JVM died, someone ran `make down` or killed one by hand),
    every later check would wait out its time limits on it, an infrastructure error
    each: a class grading lost 8 minutes and 33 checks of one submission that way. One
    outside break now costs the check that met it, not the rest of the run.
    """
    state = run_state(config)
    if state.ensemble is None or state.heals >= MAX_HEALS:
        return
    with faultlock.held(exclusive=True):
        why = ensemble_trouble(config)
        if not why:
            return
        state.heals += 1
        try:
            state.ensemble.heal()
            log_trace(config, "healed the ensemble before the next check", f"it was: {why}")
        except Exception as e:
            log_trace(config, "the ensemble could not be healed", f"it was: {why}\n{e}")


@pytest.fixture(autouse=True)
def _ensemble_lock(request):
    """Fault checks run alone (exclusive); every other check shares the ensemble."""
    state = run_state(request.config)
    request.node.stash[STARTED] = time.time()
    lab = lab_of(request.node)
    if lab in state.hung_labs:
        # Hanging code would cost a full time limit per check: one is enough.
        pytest.fail(f"Not run: an earlier {lab} check did not finish in time; fix that one first.",
                    pytrace=False)
    if request.node.get_closest_marker("runs_checks"):
        yield       # it runs checks itself, which take the lock (flock does not nest)
        return
    exclusive = request.node.get_closest_marker("faults") is not None
    if state.heal_first:
        state.heal_first = False
        heal_if_broken(request.config)
    with faultlock.held(exclusive):
        yield


@pytest.fixture
def faults(ensemble, request):
    """The ensemble, for a check that breaks it; healed afterwards whatever happens."""
    if request.node.get_closest_marker("faults") is None:
        raise RuntimeError("a check using `faults` must be marked @pytest.mark.faults")
    ensemble.heal()
    yield ensemble
    ensemble.heal()


@pytest.fixture(scope="session")
def seed(request) -> int:
    """The run's seed (printed; replay a run with --seed N)."""
    return run_state(request.config).seed


@pytest.fixture
def rng(request, seed):
    """A random generator seeded from the run's seed and the check's name."""
    return random.Random(f"{seed}:{request.node.nodeid}")


@pytest.fixture(scope="session")
def grading(ensemble, request):
    """The run's sandboxes (the learner's code runs there) and its ZooKeeper credentials."""
    cells = request.config.getoption("cells")
    override = {}
    if cells:
        data = json.loads(Path(cells).read_text())
        override = {m: [tuple(c) for c in v] for m, v in data.items()}
    run = Grading(ensemble, Path(request.config.getoption("submission")), override)
    run_state(request.config).grading = run
    yield run
    run.close()


@pytest.fixture
def namespace_acl(grading):
    """The ACL of a check's namespace and of the grader's nodes in it: the grader's and
    this run's learner credential, nobody else's."""
    return grading.namespace_acl()


@pytest.fixture
def namespace(ensemble, grading, namespace_acl, request):
    """A fresh znode for this check only; it and everything under it is deleted after."""
    with namespaces.namespace(ensemble, grading, request.config.getoption("namespace"),
                              request.node.name, namespace_acl) as path:
        yield path


@pytest.fixture
def clients(ensemble, namespace, namespace_acl, grading):
    """Factory of the GRADER's own started kazoo clients, chrooted to the namespace.

    ``clients()`` -> one client; ``clients(5)`` -> a list of five. These never
    reach the learner's code: for that, use ``world.client()``.
    """
    made = []

    def make(n=None, timeout=SESSION_TIMEOUT, **kwargs):
        out = []
        for _ in range(1 if n is None else n):
            c = ensemble.client(chroot=namespace, timeout=timeout,
                                auth_data=[grading.grader.auth],
                                default_acl=namespace_acl, **kwargs)
            made.append(c)
            c.start(timeout=15)
            out.append(c)
        return out[0] if n is None else out

    make.namespace = namespace
    yield make
    for c in made:
        close_quietly(c)


@pytest.fixture
def zk(clients):
    """A started kazoo client of the grader's, in this check's own namespace (a chroot)."""
    return clients()


def lab_module(request) -> str:
    info = manifest.by_key(lab_of(request.node))
    if info is None:
        raise RuntimeError(f"{request.node.fspath} is not named test_labN_*.py")
    return info.module


@pytest.fixture
def lab(request, grading):
    """The learner's module for the lab this check file grades, as it runs in the sandbox."""
    module = lab_module(request)
    error = grading.load(module)
    if error:
        pytest.fail(f"Your lab could not be loaded: {error}", pytrace=False)
    sandbox = grading.sandbox_for(module)
    request.node.stash[OUTPUT] = (sandbox, sandbox.output_total)
    return sandbox.lab(module)


@pytest.fixture
def world(lab, grading, namespace, request, seed):
    """The check's world (harness/world): sandbox clients, candidates, the truth, faults.
    A check marked ``faults`` starts from three healthy servers and may break them."""
    may_break = request.node.get_closest_marker("faults") is not None
    if may_break:
        grading.ensemble.heal()
    w = World(grading, lab_module(request), namespace, seed=f"{seed}:{request.node.nodeid}",
              may_break=may_break)
    yield w
    w.close()
    if w.notes:
        log_trace(request.config, f"grader notes: {request.node.nodeid}", "\n".join(w.notes))
