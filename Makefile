# The workshop in two commands:
#   make lab    the ensemble + JupyterLab on labs/
#   make test   every test (the checks on the solutions, then the developer suite)
# Other targets: make up | down | status | check | grade | regrade | gradescope-bundle | starters | reset | bench | docker-image

VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
SUB    ?= labs

.PHONY: lab test browser up down status check grade regrade gradescope-bundle starters reset bench install docker-image

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

# The ensemble: Docker Compose when a Docker engine answers and the image is
# here or can be built (or this project's containers exist), otherwise three
# local JVMs, installing Debian's zookeeper package if needed (root + apt) or
# saying what to install. It prints which backend it chose and why;
# ZK_BACKEND=docker|local forces one (make up ZK_BACKEND=local).
up: install
	$(PY) -m harness.ensemble up

down: install
	$(PY) -m harness.ensemble down

status: install
	$(PY) -m harness.ensemble status

# The Docker ensemble's image where the official zookeeper:3.9.4 cannot be pulled:
# zk-workshop/zookeeper:debian, from Debian's packages (root, debootstrap; reused
# once built). `make docker-image REBUILD=1` builds it again from scratch.
docker-image: install
	$(PY) -m harness.dockerimage build $(if $(REBUILD),--rebuild)

lab: up
	$(VENV)/bin/jupyter lab --notebook-dir=labs --ip=127.0.0.1 --port=$(PORT) --no-browser \
	  --ServerApp.default_url=/lab/tree/00_start_here.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

test: up browser
	$(PY) -m pytest checks --submission solutions
	$(PY) -m pytest tests --durations=15

# The browser test drives Debian's chromium (never a downloaded browser):
# installed here when we are root with apt, otherwise that one test is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	  else echo "note: chromium is not installed; the browser test will be skipped"; fi; }

# grade a folder of notebooks: make check SUB=path/to/folder
check: up
	$(PY) -m pytest checks --submission $(SUB)

starters: install
	$(PY) -m harness.nbgen

# give a learner a fresh starter: make reset LAB=lab3 (their version is kept
# beside it as <notebook>.bak-YYYYmmdd-HHMMSS; nbgen prints where)
reset: install
	$(PY) -m harness.nbgen --reset $(LAB)

# grade a class: make grade SUBMISSIONS=folder [HIDDEN=folder]
grade: up
	$(PY) -m harness.grading.batch $(SUBMISSIONS) --out results/grades $(if $(HIDDEN),--hidden $(HIDDEN)) $(if $(JOBS),--jobs $(JOBS)) $(if $(ENSEMBLES),--ensembles $(ENSEMBLES)) $(if $(SEED),--seed $(SEED))

# grade the class again after the checks changed: the earlier results are kept in
# results/grades/history/<time>/, and what changed (marks, flipped checks) is printed
regrade: up
	$(PY) -m harness.grading.batch $(SUBMISSIONS) --out results/grades --regrade $(if $(HIDDEN),--hidden $(HIDDEN)) $(if $(JOBS),--jobs $(JOBS)) $(if $(ENSEMBLES),--ensembles $(ENSEMBLES)) $(if $(SEED),--seed $(SEED))

# Gradescope's autograder zip (setup.sh, run_autograder, the grader; hidden checks
# from HIDDEN=folder): upload dist/gradescope-autograder.zip. See docs/classroom.md.
gradescope-bundle: install
	$(PY) -m harness.grading.platforms bundle dist/gradescope-autograder.zip $(if $(HIDDEN),--hidden $(HIDDEN))

bench: up
	$(PY) -m harness.bench
