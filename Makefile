# Two commands on a fresh machine: `make run` and `make test` (README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # bytecode for a fast cold start, even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

run: $(STAMP)
	@echo "neurectomy web app: http://127.0.0.1:8000"
	$(BIN)/neurectomy serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# Debian's Chromium for the Playwright browser tests (Playwright's own browser download does not work here)
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium) \
		|| echo "chromium could not be installed: the browser tests (tests/e2e) will be skipped"

test: lint typecheck browser pytest

bench: $(STAMP)
	for b in lesion target localise stump cohort web; do $(BIN)/python benchmarks/bench_$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
