# Resonance developer commands. `make run` and `make test` are the README's first two commands.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup run run-local test test-fast lint format bench lock clean

$(STAMP):
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt Cython 'setuptools>=77'  # setup.py's build step
	RESONANCE_EXTENSIONS=later $(PIP) install -q -c constraints.txt --no-build-isolation -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# The identity hot paths compiled with Cython (setup.py), in place: all of them after a new
# install, then each one whose source changed.
COMPILED := $(VENV)/.compiled
$(COMPILED): $(STAMP) setup.py $(wildcard services/identity/*/*.py)
	$(PY) setup.py -q build_ext --inplace
	touch $@

setup: $(STAMP) $(COMPILED)

## Everything in one process: embedded PostgreSQL, in-memory broker, demo data.
run: setup
	$(PY) -m launcher embedded --demo

## Every service as its own process against the local RabbitMQ and PostgreSQL.
run-local: setup
	$(PY) -m launcher local

## The whole suite: unit, integration (real PostgreSQL + RabbitMQ) and end-to-end.
test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not e2e"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(PIP) install -q -c constraints.txt -e '.[dev,bench]'
	$(PY) bench/pipeline.py

lock: setup
	$(PIP) freeze --exclude-editable | sed '1i # Pinned versions of every dependency (pip install -c constraints.txt ...); regenerate with `make lock`.' > constraints.txt

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache build
	find services -name "*.so" -delete
