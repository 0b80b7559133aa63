"""The workshop's harness: the ensemble, its faults, and the grading of notebooks."""
