# The workshop's pytest plugin (fixtures, short messages for learners, the score
# table) is loaded from the repository root so that it also serves an
# instructor's hidden checks kept in another folder.
pytest_plugins = ["harness.grading.plugin",
                  "harness.grading.platforms"]   # --gradescope, --prairielearn, --github-output
