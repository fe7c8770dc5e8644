# Two commands set everything up from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= $(CURDIR)/demo.sqlite3
DEMO_USER ?= li.na

.PHONY: install run test check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Seeds a demo database on the first run, then opens the full-screen UI as a demo manager.
run: install
	CRM_DB=sqlite:///$(DEMO_DB) $(BIN)/crm demo --if-empty
	CRM_DB=sqlite:///$(DEMO_DB) CRM_USER=$(DEMO_USER) $(BIN)/crm tui

# The static checks first (seconds), then every test on SQLite and, when it can reach one, on PostgreSQL.
test: check
	$(BIN)/python -m pytest -q

# Lint, format and the import contracts of docs/ARCHITECTURE.md (pyproject.toml holds their settings).
check: install
	$(BIN)/ruff check crmtui tests benchmarks
	$(BIN)/ruff format --check crmtui tests benchmarks
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache
