# Two commands on a fresh machine: `make run` and `make test` (README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean browser reliability screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,strength]'
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

# The registry and the server under attack and faults (issue 19): kill -9 rounds and concurrent writers, backups
# under load, the hostile-input corpus, sign-in throttling, shutdown under load; slow tests included, bounded to
# 15 minutes. The PostgreSQL variants run when NEURECTOMY_TEST_POSTGRES_URL is set (.ci/run shows how to start a
# server). Ends with the figures: writes acknowledged and lost, 5xx answers, backups inconsistent and restored.
RELIABILITY_TESTS ?= tests/test_registry_reliability.py tests/test_registry_backup.py tests/test_registry_hostile.py \
	tests/test_registry_accounts.py tests/test_server_shutdown.py tests/test_bounded_core.py tests/test_bounded_web.py \
	tests/test_bounded_jobs.py tests/test_bounded_workers.py tests/test_openapi_conformance.py
reliability: SHELL := /bin/bash
reliability: .SHELLFLAGS := -o pipefail -c
reliability: $(STAMP)
	@[ -n "$$NEURECTOMY_TEST_POSTGRES_URL" ] || echo "NEURECTOMY_TEST_POSTGRES_URL is not set: SQLite only"
	timeout 900 $(BIN)/pytest -s -p no:cacheprovider $(RELIABILITY_TESTS) 2>&1 | tee $(VENV)/reliability.log; \
		status=$$?; $(BIN)/python -m tests.test_registry_support $(VENV)/reliability.log; \
		grep -ho 'BOUNDED-WORK:.*' $(VENV)/reliability.log || true; exit $$status

# A screenshot of every page at 1366x900 and 390x844 (public pages and the registry signed in as an admin), taken
# while axe-core checks each page for serious or critical accessibility violations (tests/e2e/test_a11y.py).
SHOTS ?= build/screenshots
screenshots: $(STAMP) browser
	NEURECTOMY_SHOTS=$(abspath $(SHOTS)) $(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_a11y.py
	@echo "screenshots in $(SHOTS)/"

bench: $(STAMP)
	for b in lesion target localise stump cohort function web; do $(BIN)/python benchmarks/bench_$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
