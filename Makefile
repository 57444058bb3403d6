# Two set-up commands on a fresh machine: `make demo` and `make test` (see README.md).
# Each creates the virtual environment, installs rawengine editable with its extras, and
# starts the engines (scripts/engine-up) before doing its job.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv engine lint test unit demo bench soak clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

engine:
	bash scripts/engine-up

lint: venv
	$(VENV)/bin/ruff check rawengine tests scripts
	$(VENV)/bin/ruff format --check rawengine tests
	$(VENV)/bin/mypy

unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test: venv engine lint
	$(PY) -m pytest $(PYTEST_ARGS)

demo: venv engine
	$(PY) -m rawengine.demo $(DEMO_ARGS)

bench: venv engine
	$(PY) -m rawengine.bench $(BENCH_ARGS)

soak: venv engine
	$(PY) scripts/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
