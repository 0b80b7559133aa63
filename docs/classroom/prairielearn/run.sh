#!/usr/bin/env bash
# PrairieLearn external-grading entrypoint: the learner's files are in /grade/student,
# PrairieLearn reads /grade/results/results.json (gradable false when the grader failed).
set -uo pipefail
GRADE="${PL_GRADE_ROOT:-/grade}"
SRC="${ZK_WORKSHOP_SRC:-/opt/zk-workshop}"
cd "$SRC"
mkdir -p "$GRADE/results"
export ZK_BACKEND=local
.venv/bin/python -c 'import sys; from harness.ensemble import Ensemble; sys.exit(0 if Ensemble().has_quorum() else 1)' \
    || .venv/bin/python -m harness.ensemble up
.venv/bin/python -m harness.grading.platforms autograde "$GRADE/student" \
    --prairielearn "$GRADE/results/results.json" --labs "${ZK_WORKSHOP_LABS:-}"
test -s "$GRADE/results/results.json" || echo '{"gradable": false, "message": "The grader failed before writing results: not your code'"'"'s fault."}' > "$GRADE/results/results.json"
exit 0
