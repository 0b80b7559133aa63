"""The pytest plugin behind ``pytest checks``: one module per job.

Loaded by the workshop's root ``conftest.py`` (and by ``python -m harness check``),
so that it also serves an instructor's hidden checks kept in another folder.

    options    the command line (--submission, --seed, ...), the checks' order
    fixtures   world, lab, clients, zk, ensemble, faults, rng, seed, namespace
    messages   what a learner reads when a check fails
    results    verdicts (failed, or infrastructure), the score table, the JSON
    state      what a run keeps between hooks (config.stash)

A check belongs to the lab its file is named after: ``test_lab3_*.py`` grades
``lab3`` (so an instructor's hidden ``test_lab3_extra.py`` counts there too).
pytest finds the hooks and fixtures below as this module's attributes.
"""
from harness.grading.plugin.fixtures import (
    _ensemble_lock,
    clients,
    ensemble,
    faults,
    grading,
    lab,
    namespace,
    namespace_acl,
    rng,
    seed,
    world,
    zk,
)
from harness.grading.plugin.options import (
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_report_header,
)
from harness.grading.plugin.results import (
    pytest_configure,
    pytest_runtest_makereport,
    pytest_terminal_summary,
)

__all__ = ["_ensemble_lock", "clients", "ensemble", "faults", "grading", "lab", "namespace",
           "namespace_acl", "pytest_addoption", "pytest_collection_modifyitems",
           "pytest_configure", "pytest_report_header", "pytest_runtest_makereport",
           "pytest_terminal_summary", "rng", "seed", "world", "zk"]
