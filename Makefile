# The workshop in two commands:
#   make lab    the ensemble + JupyterLab on labs/
#   make test   every test (the checks on the solutions, then the developer suite)
# Other targets: make up | down | status | check | grade | starters | reset | bench

VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
SUB    ?= labs

.PHONY: lab test up down status check grade starters reset bench install zookeeper

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

# ZooKeeper: nothing to do when the Docker ensemble runs; otherwise find it, or
# install Debian's package (root + apt), or say what to install.
zookeeper: install
	@if $(PY) -c "from harness.ensemble import docker_ensemble_running as d; raise SystemExit(not d())"; then \
	  echo "using the Docker ensemble (docker compose)"; \
	else $(PY) -m harness.launcher install; fi

up: zookeeper
	@if $(PY) -c "from harness.ensemble import docker_ensemble_running as d; raise SystemExit(not d())"; then \
	  docker compose up -d --wait; \
	else $(PY) -m harness.launcher up; fi

down: install
	$(PY) -m harness.launcher down

status: install
	$(PY) -m harness.launcher status

lab: up
	$(VENV)/bin/jupyter lab --notebook-dir=labs --ip=127.0.0.1 --port=$(PORT) --no-browser \
	  --ServerApp.default_url=/lab/tree/00_start_here.ipynb

test: up
	$(PY) -m pytest checks --submission solutions
	$(PY) -m pytest tests

# grade a folder of notebooks: make check SUB=path/to/folder
check: up
	$(PY) -m pytest checks --submission $(SUB)

starters: install
	$(PY) -m harness.nbgen

# give a learner a fresh starter: make reset LAB=lab3
reset: install
	$(PY) -m harness.nbgen --reset $(LAB)

# grade a class: make grade SUBMISSIONS=folder [HIDDEN=folder]
grade: up
	$(PY) -m harness.grading.batch $(SUBMISSIONS) --out results/grades $(if $(HIDDEN),--hidden $(HIDDEN))

bench: up
	$(PY) -m harness.bench
