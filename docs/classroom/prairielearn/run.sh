#!/usr/bin/env bash
# PrairieLearn external-grading entrypoint: the learner's files are in /grade/student,
# PrairieLearn reads /grade/results/results.json (gradable false when the grader failed).
set -uo pipefail
GRADE="${PL_GRADE_ROOT:-/grade}"
SRC="${ZK_WORKSHOP_SRC:-/opt/zk-workshop}"
cd "$SRC"
mkdir -p "$GRADE/results"
export ZK_BACKEND=local
.venv/bin/python -m harness status >/dev/null 2>&1 || .venv/bin/python -m harness up
.venv/bin/python -m harness grade --one "$GRADE/student" \
    --prairielearn "$GRADE/results/results.json" --labs "${ZK_WORKSHOP_LABS:-}"
test -s "$GRADE/results/results.json" || echo '{"gradable": false, "message": "The grader failed before writing results: not your code'"'"'s fault."}' > "$GRADE/results/results.json"
exit 0
