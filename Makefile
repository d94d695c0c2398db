# Seams: `make run` serves the shop on embedded defaults; `make test` runs every CI check.
# Both create .venv and install the locked dependencies first; nothing else is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: venv lock run seed generate test test-split test-changed test-module test-tutorial test-tooling lint bandit audit fuzz test-slow chaos drills bench bench-checkout bench-floor acceptance up up-split up-env clean

# Two hash-checked locks: requirements.lock (runtime: all the image installs) and
# requirements-dev.lock (test and lint tools, pinned to the runtime lock's versions).
LOCKS := requirements.lock requirements-dev.lock
# The locks are complete (uv compiles every dependency in), so pip installs exactly them
# (--no-deps) and `pip check` proves nothing is missing: pip's own resolver would pull an
# extra's requirement (pip-audit's `CacheControl[filecache]`) as an unpinned newer release.
PIP_SYNC = $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	--require-hashes $(addprefix -r ,$(LOCKS)) && $(BIN)/python -m pip check --quiet

$(BIN)/.installed: $(LOCKS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	    { echo "make: Seams needs Python 3.11+; $(PYTHON) is $$($(PYTHON) --version 2>&1). Set PYTHON=python3.11 or newer." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_SYNC)
	touch $@

venv: $(BIN)/.installed

# Re-lock both after editing pyproject.toml (ADR 0010): the runtime lock first, then the dev
# lock constrained to it, so a package in both has one version. uv keeps existing pins unless
# asked: `make lock UPGRADE=--upgrade` moves everything to the newest allowed versions.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --generate-hashes --no-header \
	--python-version 3.11 $(UPGRADE) pyproject.toml
lock: venv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock
	$(PIP_SYNC)
	touch $(BIN)/.installed

# The shop on embedded defaults: SQLite, no Redis, events delivered in process. Prints the
# front door's links (and the demo logins) before it serves.
run: seed
	$(BIN)/python manage.py frontdoor http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# Demo data (idempotent) in the database DATABASE_URL names (SQLite without it): a customer, a
# member of staff who may view every module's data in the admin, products with stock.
seed: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

# Every generated file, one line each (a new generated file adds its line here). Each drift
# check in `lint` and the tests names its own line when it fails; this rewrites them all.
generate: venv
	$(BIN)/python manage.py modules contracts --write
	$(BIN)/python manage.py modules docs --write
	$(BIN)/python manage.py modules api-contracts --write
	$(BIN)/python manage.py events contracts --write
	$(BIN)/python manage.py spectacular --file docs/openapi.yaml --validate
	$(BIN)/python manage.py topology edge --topology split --output docker/edge/split.conf
	$(BIN)/python manage.py topology k8s --write

# Every check CI runs. DATABASE_URL / REDIS_URL select real services; CI=true makes a test
# that needs one of them and cannot reach it a failure instead of a skip.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py modules contracts --check
	$(BIN)/python manage.py modules docs --check
	$(BIN)/python manage.py modules api-contracts --check
	$(BIN)/python manage.py topology k8s --check
	$(BIN)/kubernetes-validate --strict --quiet deploy/k8s/*/*.yaml
	$(BIN)/python manage.py events contracts
	$(BIN)/lint-imports --no-cache importlinter.ini
	$(BIN)/python manage.py topology edge --topology split --check docker/edge/split.conf
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python deploy/check.py
	$(MAKE) --no-print-directory bandit

# Security lint of our code; fails on any high-severity finding (tests excluded: asserts and
# fixtures' throwaway passwords are what tests are made of).
bandit: venv
	$(BIN)/bandit --quiet --recursive --severity-level high --exclude ./.venv,./tests,./bench .

# Known vulnerabilities in every locked package (asks PyPI's vulnerability API, so not part of
# `test`). --strict: a package the service cannot answer for fails the audit, not skips it.
audit: venv
	$(BIN)/pip-audit --progress-spinner off --strict --require-hashes --disable-pip $(addprefix -r ,$(LOCKS))

# The suite twice: as the monolith, then split (every module its own service and database,
# every call between modules through its remote binding, in one process; docs/topology.md).
test: lint
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-split

# Tests marked monolith_pass set up their own topology or live services, or test the deployable
# rather than where modules live (tests/app, tests/docs, tests/browser): they run once, above.
test-split: venv
	SEAMS_TOPOLOGY=isolated $(BIN)/pytest -m "not bench and not slow and not tooling and not monolith_pass"

# The long Schemathesis run: every operation, as anonymous, customer and staff, with
# FUZZ_EXAMPLES generated cases per operation and caller (`make test` runs a smaller budget).
FUZZ_EXAMPLES ?= 400
fuzz: venv
	SEAMS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -q --hypothesis-show-statistics \
	    tests/kernel/http/test_schemathesis.py

# The tests of the modules changed since BASE (default: the last commit; committed, staged,
# unstaged and untracked files) and of every module depending on them, from the manifests;
# the whole suite when a change is outside modules/ (kernel, settings, shared tests).
BASE ?= HEAD
test-changed: venv
	@paths=$$($(BIN)/python manage.py modules affected --base $(BASE)); \
	if [ -z "$$paths" ]; then echo "make test-changed: no module changed since $(BASE)"; exit 0; fi; \
	echo "make test-changed: $(BIN)/pytest $$paths"; $(BIN)/pytest $$paths

# One module's tests with only it, the modules whose api it calls and accounts installed; every
# other module is a fake made from its api contract (ADR 0017). `make test-module MODULE=inventory`
test-module: venv
	@test -n "$(MODULE)" || { echo "make test-module: say which, e.g. MODULE=inventory" >&2; exit 2; }
	$(BIN)/pytest --module $(MODULE)

# docs/tutorial.md, step by step, in a copy of the project (a few minutes; CI runs it).
test-tutorial: venv
	$(BIN)/pytest -m slow -p no:cacheprovider tests/docs/test_tutorial.py

# The project's own commands end to end, each in subprocesses with databases of its own: make
# generate on a copy of the project, extraction move-data (SQLite and PostgreSQL), make seed.
test-tooling: venv
	$(BIN)/pytest -m tooling -p no:cacheprovider

test-slow: venv
	$(BIN)/pytest -m slow

# Kills the worker, the relay, Redis and PostgreSQL under load (its own instances on ports
# 18510-18512) and checks nothing is lost; prints one line of figures. A few minutes.
chaos: venv
	$(BIN)/pytest -m chaos -p no:cacheprovider -s tests/chaos

# Failure drills on the split topology with real processes (payments down and back, past
# the saga deadline, notifications down): tests/drills, docs/drills.md. A few minutes.
drills: venv
	$(BIN)/pytest -m drills -p no:cacheprovider -s tests/drills

bench: venv
	$(BIN)/pytest -m bench -p no:cacheprovider bench

# The black-box acceptance suite (acceptance/, HTTP only) against a system already running at
# SEAMS_ACCEPTANCE_URL, staff from SEAMS_ACCEPTANCE_STAFF_USER / _PASSWORD. To start one, run
# it and stop it again: acceptance/run.sh up|up-split|run (docs/acceptance.md).
acceptance: venv
	@test -n "$$SEAMS_ACCEPTANCE_URL" || { echo "make acceptance: set SEAMS_ACCEPTANCE_URL (e.g. http://127.0.0.1:8000), or let acceptance/run.sh up start a system" >&2; exit 2; }
	$(BIN)/pytest -c acceptance/pytest.ini acceptance

# Checkouts per second of the production-like topology (`make up`) against a bare DRF insert
# endpoint, same run, on PostgreSQL and Redis (DATABASE_URL, default .../seams_perf, is dropped
# and created afresh; REDIS_URL's database and the next are flushed); ports BENCH_PORT (18600)
# to +3 (a split system's services) and +10 (the baseline). Rewrites its section of
# docs/benchmarks.md and the plot. BENCH_ARGS: e.g. `--system up --system up-split` (same
# load, same run). ~10 minutes per system.
bench-checkout: venv
	$(BIN)/python bench/checkout/run.py --write-docs $(BENCH_ARGS)

# What a checkout costs at the least with the brief's seams (two requests, three Celery
# deliveries, PostgreSQL's work for its statements), in baseline requests, same run and stores
# as bench-checkout (and REDIS_URL's database + 2 for an empty worker). ~3 minutes.
bench-floor: venv
	$(BIN)/python bench/checkout/floor.py

# The production-like topology without Docker: gunicorn web, Celery worker, outbox relay and
# beat from the Procfile (each through docker/entrypoint.sh), against PostgreSQL and Redis.
# Ctrl-C stops all of them. SEAMS_SEED_DEMO=1 seeds the demo data first (as `make seed`).
up: up-env venv
	$(BIN)/python manage.py migrate --noinput
	@if [ "$$SEAMS_SEED_DEMO" = 1 ]; then $(BIN)/python manage.py seed_demo; fi
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) $(BIN)/honcho start -f Procfile -p $(PORT)

# The split topology on this machine (docs/topology.md): the monolith, payments and
# notifications services, each with its web, worker, relay and beat, nginx in front on
# HOST:PORT (the services on PORT+1...). Each service's database (DATABASE_URL + _<alias>)
# is created if missing and migrated first. Needs nginx. Ctrl-C stops all of them.
# UP_SPLIT_TOPOLOGY: another topology file to run the same way (default: split).
UP_SPLIT_DIR := var/up-split
UP_SPLIT_TOPOLOGY ?= split
up-split: up-env venv
	$(BIN)/python manage.py topology migrate --topology $(UP_SPLIT_TOPOLOGY)
	$(BIN)/python manage.py topology procfile --topology $(UP_SPLIT_TOPOLOGY) --host $(HOST) --port $(PORT) --dir $(UP_SPLIT_DIR)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f $(UP_SPLIT_DIR)/Procfile -d $(CURDIR)

up-env:
	@test -n "$$DATABASE_URL" || { echo "make up: set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams (make run needs neither)" >&2; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make up: set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 (make run needs neither)" >&2; exit 2; }

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var .pytest_cache .ruff_cache .import_linter_cache
