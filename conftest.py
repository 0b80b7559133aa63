# The workshop's pytest plugin (fixtures, short messages for learners, the score
# table) is loaded from the repository root so that it also serves an instructor's
# hidden checks kept in another folder.
from harness.tools import testloop

testloop.enter_worker_ensemble()    # `python -m harness test`: a worker's own ensemble

pytest_plugins = ["harness.grading.plugin",
                  "harness.grading.autograde"]   # --gradescope, --prairielearn, --github-output


def pytest_unconfigure(config):
    # Only the xdist worker itself (config.workerinput): a grading run it starts
    # inherits its environment, and must leave the worker's ensemble up.
    if hasattr(config, "workerinput"):
        testloop.leave_worker_ensemble()
