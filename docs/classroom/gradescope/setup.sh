#!/usr/bin/env bash
# Gradescope autograder set-up (runs once, as root, when the autograder image is built).
# Installs Java 17 + Debian/Ubuntu's zookeeper package + the workshop's Python environment.
# Built into the bundle by `make bundle`; AUTOGRADER_ROOT (default /autograder)
# lets the same script run under another root for a rehearsal.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless zookeeper \
    python3 python3-venv python3-pip ca-certificates >/dev/null
cd "$SRC"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
# Fail the image build now, not at the first submission, if anything is missing.
.venv/bin/python -c "import kazoo, pytest, pytest_timeout, harness.grading.platforms"
.venv/bin/python -c "from harness.ensemble import install; print(install.ensure_installed())"
