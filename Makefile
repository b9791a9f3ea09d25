# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export FLASK_APP := wsgi

.PHONY: run test install lint test-sqlite test-postgres bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# GOV.UK Frontend (served by the app) and axe-core (browser tests), from the npm registry.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

## Start the app with demo data on SQLite at http://127.0.0.1:5000
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask deploy
	$(BIN)/flask seed-demo
	PANELFLOW_RUN_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check app tests bench

test-sqlite: install
	PANELFLOW_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

# PostgreSQL is compulsory: the run fails (never skips) if 127.0.0.1:5432 cannot be reached.
test-postgres: install
	PANELFLOW_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider

## Run every test: lint, then the whole suite on SQLite and on PostgreSQL
test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/complete_task.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
