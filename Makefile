# Deskpilot: `make run` sets up and runs everything; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install lint bench test-deps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py rundev

# Chromium from Debian for the browser tests (playwright's own browser download does not work offline)
# and redis-server for the production-broker reliability tests.
test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing:$$missing; run 'sudo apt-get install -y$$missing'" >&2; exit 1; fi; \
	fi

# Two passes, both always run (the target fails if either does): the tests that start no worker,
# browser or server of their own in TEST_PROCESSES processes (pytest-xdist, a test database each);
# then the browser, worker and reliability tests, whose timeouts and faults are timed, one at a
# time on a machine that does nothing else. Each pass lists its slowest tests; the whole run is
# meant to stay under 25 minutes on two cores.
TEST_PROCESSES ?= 2
SERIAL_TESTS := reliability or browser or worker
test: install test-deps lint
	@status=0; \
	$(PY) -m pytest -n $(TEST_PROCESSES) --durations=20 -m "not ($(SERIAL_TESTS))" || status=1; \
	$(PY) -m pytest --durations=10 -m "$(SERIAL_TESTS)" || status=1; \
	exit $$status

# Benchmarks print figures and write bench/results.json; they use a throwaway database.
bench: install
	$(PY) manage.py bench

# ruff (lint and format) and import-linter: imports flow dashboard → triage → knowledge → triage.text.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache
