# Ideabox: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EMPLOYEES ?= 4573
SEED ?= 1

.PHONY: run test install system-deps node-deps lint messages bench bench-quick backup restore clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %s)" % sys.version.split()[0])'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

## make run: set up .venv, migrate, load the demo organisation, serve http://127.0.0.1:8000 (websockets too)
run: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py seed_demo --employees $(EMPLOYEES) --seed $(SEED) --if-empty
	@echo "Serving on http://127.0.0.1:8000 — stop with Ctrl-C"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium and tests/deploy validates docker-compose.yml with Debian's
# docker-compose; install what is missing when we may (root, apt-get).
SYSTEM_PACKAGES := chromium docker-compose
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's$$missing for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing:$$missing: install these Debian packages (the browser and compose tests need them)"; exit 1; fi; \
	fi

# The SSO test runs a real OpenID Connect provider (node-oidc-provider) with Node.js >= 20.
OIDC_DIR := tests/deploy/oidc
$(OIDC_DIR)/node_modules/.package-lock.json: $(OIDC_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the SSO test needs Node.js 20 or later with npm"; exit 1; }
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error

node-deps: $(OIDC_DIR)/node_modules/.package-lock.json

## make test: the whole suite (SQLite by default; Postgres and Redis when DATABASE_URL and REDIS_URL are set)
test: install system-deps node-deps
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 IDEABOX_TESTING=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

messages: install
	DEBUG=1 $(PY) manage.py makemessages -l fr -l en --ignore=.venv --ignore=node_modules
	DEBUG=1 $(PY) manage.py makemessages -d djangojs -l fr -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore="frontend/static/vendor/*"
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

## make bench / bench-quick: load and scale benchmarks on Postgres (see bench/README.md)
bench: install
	$(PY) bench/run.py --sizes 5000 50000 200000

bench-quick: install
	$(PY) bench/run.py --sizes 5000 --quick

## make backup / restore: pg_dump custom format plus media (DATABASE_URL must point at Postgres)
backup: install
	$(PY) manage.py backup $(if $(DEST),--dest $(DEST),)

restore: install
	$(PY) manage.py restore $(FROM) $(if $(YES),--yes,)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
