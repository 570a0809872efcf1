# Backchannel — `make run` serves the archive on SQLite; `make test` passes the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run install install-dev test lint format serve migrate load clean bench bench-clean bench-import bench-threading

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

# Creates what is new and never overwrites records edited or deleted in the admin (it lists
# them); `manage.py load_archive --overwrite …` replaces them and names each one.
load: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_archive fixtures/archive.json fixtures/editors-annotations.json

# The background worker (the admin's imports) runs beside the web server and stops with it
# (Ctrl-C, or the server exiting). --no-reload: the trap stops one process, and the reloader's
# child would outlive it; restart `make run` after changing task code.
run: load
	$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# One test process per core (pytest-xdist; each has its own test database and live servers).
test: install-dev
	$(BIN)/python -m pytest -n auto

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Production-style serving: DEBUG off; needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; HTTPS only
# unless DJANGO_ALLOW_PLAIN_HTTP=1. One background worker (the admin's imports) beside gunicorn,
# stopped with it; clean_attachments first removes what an import killed earlier left.
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py clean_attachments
	$(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn config.wsgi --bind 0.0.0.0:$(PORT) --workers $${WEB_CONCURRENCY:-3}

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

# Backchannel (gunicorn, 2 workers, DEBUG off) against Datasette on the same rows, and on
# PostgreSQL; archives are built once into var/bench/. Needs wrk (apt-get install wrk).
# BENCH_SIZES, BENCH_SECONDS, BENCH_RUNS, BENCH_CONCURRENCY, BENCH_SYSTEMS, BENCH_PAGES: see bench/__main__.py.
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || apt-get install -y wrk || { echo "wrk is needed: apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m bench

# A 50,000-message mbox (written once into var/bench/), imported into a fresh SQLite database:
# time and peak memory into bench/results/import-50000.md.
bench-import: install
	$(BIN)/python -m bench.import_mbox $(or $(IMPORT_MESSAGES),50000)

# Threads a generated mailbox whose true conversations are known, and reports how right it was.
bench-threading: install
	$(BIN)/python -m bench.mail_threading $(or $(IMPORT_MESSAGES),50000)

# Removes the cached benchmark archives (PostgreSQL databases bench_<size> stay until rebuilt).
bench-clean:
	rm -rf var/bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
