# Practica. `make run` starts the demo, `make test` runs every check CI runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Re-install only when pyproject.toml changed since the last install.
STAMP := $(VENV)/.installed
# Root installs packages itself; anyone else goes through sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# The suite runs on every core (pytest-xdist, one test database and one Redis cache database
# per worker); the browser journeys run after it, one at a time.
PYTEST_WORKERS ?= auto

.PHONY: run test install lint migrate seed clean

# The web server, a Celery worker and beat (so reminders and digests go out), on Redis when
# REDIS_URL is set, else on a broker kept in files under var/celery/. Ctrl-C stops all three.
run: seed
	$(MANAGE) rundev 127.0.0.1:8000

# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
test: install lint
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not e2e"
	$(BIN)/pytest -m e2e

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[dev]"
	touch $(STAMP)

# ruff for the code, import-linter for the layers (the contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

migrate: install
	$(MANAGE) migrate --noinput

# Idempotent; prints the URL and the demo logins.
seed: migrate
	$(MANAGE) seed_demo

# Leaves db.sqlite3 and var/ (the dev database and its emails) alone.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info build var/staticfiles
