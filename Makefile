# Two commands: `make run` serves the demo site, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
SHARED_GRANTS := ../shared/data/uspto/grants

.PHONY: run test test-floors lint install serve-prod worker bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Mail links (password resets) are built on the public address, never on a request's Host.
# HOST is where the server listens; a wildcard (0.0.0.0, ::) is no address a browser can use,
# so the public one is then 127.0.0.1 (PUBLIC_HOST=192.168.1.5 for a phone on the network).
PUBLIC_HOST ?= $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
run: export REVIEWAPP_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)

run: $(STAMP)
	$(BIN)/reviewapp db upgrade
	$(BIN)/reviewapp demo
	$(BIN)/reviewapp index rebuild
	$(BIN)/reviewapp ranker bootstrap --if-missing $(wildcard $(SHARED_GRANTS))
	$(BIN)/reviewapp ranker train
	REVIEWAPP_HUEY_IMMEDIATE=1 REVIEWAPP_MAIL_TO_LOG=1 $(BIN)/reviewapp run --host $(HOST) --port $(PORT)

test: lint
	./scripts/ensure-chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and import order (ruff), types: strict in scoring/ and search/, ordinary elsewhere.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict scoring search
	$(BIN)/mypy reviewapp

# The declared lower bounds are true: the suite passes on the oldest versions setup.cfg admits.
FLOORS := .venv-floors
test-floors:
	test -x $(FLOORS)/bin/python || $(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install --quiet --upgrade pip packaging
	$(FLOORS)/bin/python scripts/floors.py > $(FLOORS)/floors.txt
	$(FLOORS)/bin/python -m pip install --quiet -c $(FLOORS)/floors.txt -e '.[test]'
	$(FLOORS)/bin/python -m pip check
	./scripts/ensure-chromium
	$(FLOORS)/bin/python -m pytest $(PYTEST_ARGS)

serve-prod: $(STAMP)
	./scripts/serve-prod

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(FLOORS) build *.egg-info
