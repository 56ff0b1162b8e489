# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: install run test test-postgres test-without-tools lint format check-quality bench bench-load lock clean node-tools

install: $(STAMP)

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

# The pinned quality tools (Lighthouse, axe-core, vnu): no install scripts, nothing downloaded at run time.
$(NODE_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

# Without npm the quality gate skips (it fails under CI, where .ci/run installs Node).
node-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_STAMP); \
	else echo "npm not found: the quality gate will be skipped"; fi

# runserver, and beside it the loop that publishes pages at their go-live time; stopping
# one (Ctrl-C) stops the other.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_content
	@echo
	@echo "  The site:  http://127.0.0.1:8000/"
	@echo "  The admin: http://127.0.0.1:8000/admin/"
	@echo "  To log in, first create your own admin account in another terminal:"
	@echo "      $(BIN)/python manage.py createsuperuser"
	@echo
	$(MANAGE) run_scheduler & scheduler=$$!; \
	$(MANAGE) read_busy_calendar --loop & calendar=$$!; \
	trap 'kill $$scheduler $$calendar 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# Tests run in file order; PYTEST_ORDER= (empty) shuffles them (pytest-randomly prints
# the seed; PYTEST_ORDER=--randomly-seed=N repeats an order). .ci/run shuffles.
PYTEST_ORDER ?= -p no:randomly
# The tests that need a tool (tests/tool_markers.py).
TOOL_TESTS := browser or postgres or redis or nginx

# Everything `make lint` checks, then Django's checks and the whole suite on SQLite: the
# browser tests and the quality gate included. PYTEST_ARGS picks tests.
test: lint node-tools
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ORDER) $(PYTEST_ARGS)

# The tests that use the site's own database (marked `database` by tests/conftest.py: no
# browser, quality gate, nginx or servers of their own) again, with that database on
# PostgreSQL: pytest-django makes test_<name> on that server and drops it at the end.
PG_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/practice
test-postgres: install
	@$(BIN)/python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], dbname="postgres", connect_timeout=3).close()' \
		'$(PG_TEST_DATABASE_URL)' 2>/dev/null || { echo "make test-postgres: no PostgreSQL server answers at" \
		"$(PG_TEST_DATABASE_URL) (set PG_TEST_DATABASE_URL). CI starts one in .ci/run." >&2; exit 1; }
	DATABASE_URL='$(PG_TEST_DATABASE_URL)' $(BIN)/pytest $(PYTEST_ORDER) -m database $(PYTEST_ARGS)

# The tests that need Chromium, the npm tools, PostgreSQL, Redis or nginx, as on a laptop
# with none of them: each must skip (tests/conftest.py fails one that passes), and none may
# fail. The other tests do not touch a tool, so `make test` has already shown what they do.
test-without-tools: install
	env -u CI -u DATABASE_URL -u REDIS_URL TEST_TOOLS_HIDDEN=1 \
		CHROMIUM_PATH=/nonexistent QUALITY_NODE_MODULES=/nonexistent NGINX_PATH=/nonexistent \
		TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:1 TEST_REDIS_URL=redis://127.0.0.1:1 \
		$(BIN)/pytest $(PYTEST_ORDER) -m '$(TOOL_TESTS)' -rs $(PYTEST_ARGS)

check-quality: install $(NODE_STAMP)
	$(BIN)/python -m tests.quality.check_quality

bench: install
	$(BIN)/python bench/run.py

# The booking path under load and faults (bench/load.py): 50 visitors x 10 bookings on SQLite
# and on PostgreSQL with Redis, a worker killed mid-burst, the database locked for 30 s, the
# mail server down for an hour. Writes the "Load and faults" section of bench/RESULTS.md.
bench-load: install
	$(BIN)/python bench/load.py

# The static checks, all offline. lint-imports enforces the apps' layers
# ([tool.importlinter] in pyproject.toml); the install step puts it in .venv from the lock.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djhtml templates

# requirements.lock from pyproject.toml (pip-tools, which reaches PyPI), keeping the current
# pins wherever the declared ranges allow; LOCK_ARGS=--upgrade moves every pin to the newest.
lock: install
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --allow-unsafe \
		--extra test --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--no-emit-trusted-host $(LOCK_ARGS) --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) node_modules static_collected
