# Everything a developer does, each in one command. `make run` and `make test` set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The newest Python 3.12+ on PATH; pyenv picks 3.13 from .python-version.
PYTHON ?= $(shell for p in python3.13 python3.12; do $$p -c '' 2>/dev/null && echo $$p && break; done)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
MANAGE := $(VENV)/bin/python manage.py
# The browser and HTML tests' tools (axe-core, the Nu HTML Checker), pinned in package-lock.json.
# --ignore-scripts: vnu-jar's install script would fetch a Java of its own; Debian's is used.
NODE_MODULES := node_modules/.package-lock.json
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
# Compile the dependencies' bytecode at install, as the Dockerfile does: where Python may not write
# it (PYTHONDONTWRITEBYTECODE), every process would otherwise compile Django again, about 2 s each.
export UV_COMPILE_BYTECODE := 1

.PHONY: help install run test lint format bench weight lock clean system-run system-test system-bench

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.13 or python3.12 on PATH)." >&2; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced  ## Create .venv with the locked dependencies

# The Debian packages each needs (listed in .ci/debian-packages), installed when missing.
system-run:
	@.ci/install-packages run

system-test:
	@.ci/install-packages run test

system-bench:
	@.ci/install-packages run bench

$(NODE_MODULES): package.json package-lock.json | system-test
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

.env:
	cp .env.example .env

run: system-run install .env  ## Set up SQLite with the seed qualification and serve at http://127.0.0.1:$(PORT)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_seed
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Serving qualsite at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT)

test: system-test install $(NODE_MODULES)  ## Run the whole test suite, browser tests too (DATABASE_URL picks PostgreSQL)
	$(VENV)/bin/pytest

lint: install  ## Lint and check formatting of the Python and the Dockerfile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install  ## Fix what the linters can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install system-bench  ## Print the benchmarks' figures (every bench/*.py in turn)
	@for script in bench/*.py; do echo "== $$script"; $(VENV)/bin/python $$script || exit 1; done

weight: install  ## Print what the qualification page weighs, compressed, with its CSS and fonts
	$(VENV)/bin/pytest tests/test_static_assets.py -k weighs -q -s

lock: $(UV)  ## Re-resolve uv.lock after changing pyproject.toml
	$(UV) lock --python $(PYTHON)

clean:  ## Remove the environments and collected static files (keeps db.sqlite3 and .env)
	rm -rf .tools $(VENV) node_modules staticfiles
