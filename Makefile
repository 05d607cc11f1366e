# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make demo   — virtualenv, install, migrate, demo organisation and data, serve with the logins printed
#   make test   — the same set-up, then the migration check and the whole test suite
# `make lint` runs ruff and mypy. DATABASE_URL selects PostgreSQL; SQLite (var/db.sqlite3) otherwise.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run on every core (pytest-xdist); PYTEST_ARGS= (empty) runs them in one process.
PYTEST_ARGS ?= -n auto
ECHARTS := static/vendor/echarts/echarts.min.js

.PHONY: demo test lint format install assets migrate messages clean serve

demo: install assets migrate
	$(PY) manage.py demo --force
	@echo "正在启动 / serving on http://$(HOST):$(PORT)/  (Ctrl-C 停止 / to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install assets
	$(PY) manage.py makemigrations --check --dry-run
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
		echo "注意: 未找到 Chromium，跳过浏览器端到端测试 / note: no Chromium found, end-to-end browser tests will be skipped"; fi
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

install: $(VENV)/.installed .env

# A fresh Debian has Python 3.11 but maybe not its venv module; install it where we are allowed to.
$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
			$(PYTHON) -m venv $(VENV); \
		else echo "需要 python3-venv：sudo apt-get install python3-venv (python3-venv is needed)"; exit 1; fi; }

$(VENV)/.installed: $(VENV)/bin/python requirements.txt requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -U pip 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v '^WARNING: Location'; test $${PIPESTATUS[0]} -eq 0
	touch $@

# Development settings: a random secret key of this checkout's own, and DEBUG on. Never committed.
.env:
	@printf 'SECRET_KEY=%s\nDEBUG=true\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "已生成 .env (development settings written to .env)"

# ECharts comes from the npm registry, pinned in package.json / package-lock.json, and is served as
# one of our own static files.
assets: $(ECHARTS)

$(ECHARTS): package.json package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		else echo "需要 npm：sudo apt-get install npm (npm is needed to install ECharts)"; exit 1; fi; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/echarts/dist/echarts.min.js $@

migrate: install
	$(PY) manage.py migrate --noinput -v0

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var .pytest_cache .mypy_cache .ruff_cache
