# The workshop in two commands:
#   make lab    the ensemble + JupyterLab on labs/
#   make test   every test: the fast tier, the checks on the solutions, the developer suite
# Every target is one verb of `python -m harness` (`python -m harness --help` lists them all).
# Others: make up | down | status | check | grade | regrade | bundle | starters | reset | bench | docker-image

VENV   ?= .venv
PY     := $(VENV)/bin/python
H      := $(PY) -m harness
PORT   ?= 8888
SUB    ?= labs
GRADE_OPTS = $(if $(HIDDEN),--hidden $(HIDDEN)) $(if $(JOBS),--jobs $(JOBS)) \
             $(if $(ENSEMBLES),--ensembles $(ENSEMBLES)) $(if $(SEED),--seed $(SEED))

.PHONY: lab test browser install up down status check grade regrade bundle starters reset bench docker-image

# What a learner installs (requirements.txt: the harness and the notebooks), and what
# only the developer suite and the maintainers' tools need (the `dev` extras).
$(VENV)/.installed: requirements.txt pyproject.toml setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The ensemble: Docker Compose when a Docker engine answers and the image is here or
# can be built, otherwise three local JVMs (Debian's zookeeper package, installed as
# root if needed). `up` says which and why; ZK_BACKEND=docker|local forces one.
up: install
	$(H) up

down: install
	$(H) down

status: install
	$(H) status

# The Docker ensemble's image where the official one cannot be pulled (REBUILD=1: from scratch).
docker-image: install
	$(H) image build $(if $(REBUILD),--rebuild)

lab: up
	$(H) lab --port $(PORT)

test: $(VENV)/.dev up browser
	$(H) test

# The browser test drives Debian's chromium (never a downloaded browser): installed here
# when we are root with apt, otherwise that one test is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	  else echo "note: chromium is not installed; the browser test will be skipped"; fi; }

# grade a folder of notebooks: make check SUB=path/to/folder
check: up
	$(H) check --submission $(SUB)

# grade a class: make grade SUBMISSIONS=folder [HIDDEN=folder] [JOBS=n ENSEMBLES=n SEED=n]
grade: up
	$(H) grade $(SUBMISSIONS) --out results/grades $(GRADE_OPTS)

# grade it again after the checks changed: earlier results kept, what flipped printed
regrade: up
	$(H) grade $(SUBMISSIONS) --out results/grades --regrade $(GRADE_OPTS)

# Gradescope's autograder zip (hidden checks from HIDDEN=folder): dist/gradescope-autograder.zip
bundle: install
	$(H) bundle dist/gradescope-autograder.zip $(if $(HIDDEN),--hidden $(HIDDEN))

starters: install
	$(H) starters

# a fresh starter for a learner: make reset LAB=lab3 (their version is kept beside it)
reset: install
	$(H) reset $(LAB)

bench: $(VENV)/.dev up
	$(H) bench
