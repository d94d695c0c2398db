# Seams: `make run` serves the shop on embedded defaults; `make test` runs every CI check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: venv run test test-slow bench up lint clean

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

venv: $(BIN)/.installed

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/python manage.py modules contracts --check
	$(BIN)/python manage.py modules docs --check
	$(BIN)/lint-imports --no-cache importlinter.ini
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check --fail-level WARNING

test: lint
	$(BIN)/pytest

test-slow: venv
	$(BIN)/pytest -m slow

bench: venv
	$(BIN)/pytest -m bench -p no:cacheprovider bench

up: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/honcho start -f Procfile

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
