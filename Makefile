# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export FLASK_APP := wsgi
# The browser tests drive Debian's Chromium (/usr/bin/chromium); Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test install modeler browser lint test-sqlite test-postgres fuzz screenshots bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# GOV.UK Frontend (served by the app) and axe-core (browser tests), from the npm registry.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The process owners' modeler (bpmn-js, our properties panel, bpmnlint) bundled by esbuild.
MODELER_BUNDLE := app/static/modeler/build/modeler.js
$(MODELER_BUNDLE): $(NODE_STAMP) $(wildcard app/static/modeler/src/*)
	npm run --silent build:modeler

modeler: $(MODELER_BUNDLE)

install: $(STAMP) $(NODE_STAMP) $(MODELER_BUNDLE)

# Debian's Chromium for the browser tests (tests/e2e), installed when it is missing.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

## Start the app with demo data on SQLite at http://127.0.0.1:5000
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask deploy
	$(BIN)/flask seed-demo
	PANELFLOW_RUN_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check app tests bench

test-sqlite: install browser
	PANELFLOW_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

# PostgreSQL is compulsory: the run fails (never skips) if 127.0.0.1:5432 cannot be reached.
# tests/production runs gunicorn, Celery worker and beat on PostgreSQL and Redis (about half a
# minute) whichever database the suite uses: production is PostgreSQL. `make test` runs it once,
# in its SQLite run (tests/both_databases.sh).
test-postgres: install browser
	PANELFLOW_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider

## Run every test: lint, then the whole suite on SQLite and on PostgreSQL, side by side
# (tests/both_databases.sh: one run per core, lines prefixed with their database).
test: lint browser
	BIN=$(BIN) bash tests/both_databases.sh

# The API fuzz test (tests/api/test_fuzz.py) with many more examples per operation than the
# 20 that `make test` runs, on both databases: a nightly job. FUZZ_EXAMPLES=1000 for more.
FUZZ_EXAMPLES ?= 300

## Fuzz the API, nightly: schemathesis and the hostile-input classes, SQLite then PostgreSQL
fuzz: install
	PANELFLOW_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PANELFLOW_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider tests/api/test_fuzz.py
	PANELFLOW_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PANELFLOW_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider tests/api/test_fuzz.py

## Refresh the README's screenshots (docs/screenshots) from the browser tests
screenshots: install browser
	PANELFLOW_SCREENSHOTS_DIR=docs/screenshots PANELFLOW_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider tests/e2e

bench: install
	$(BIN)/python bench/complete_task.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
