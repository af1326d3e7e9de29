# Traseu: `make demo` and `make test` are the whole quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/traseu/core/static/vendor
ASSETS := $(VENDOR)/.installed

.PHONY: demo test assets lint typecheck check bench messages clean

$(STAMP): pyproject.toml requirements.lock
	@echo "Setting up .venv (first run takes a minute)…"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# Front-end libraries come from npm (package-lock.json) and are served by Traseu itself. Without
# npm the pages still work, only without drag and drop and in-place updates.
$(ASSETS): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && mkdir -p $(VENDOR) && \
		cp node_modules/htmx.org/dist/htmx.min.js node_modules/sortablejs/Sortable.min.js $(VENDOR)/ && \
		touch $(ASSETS); \
	else echo "npm not found: serving pages without htmx and drag and drop"; fi

assets: $(ASSETS)

demo: $(STAMP) $(ASSETS)
	$(BIN)/traseu demo

test: $(STAMP) $(ASSETS)
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint typecheck
	$(BIN)/traseu manage makemigrations --check --dry-run
	$(BIN)/bandit -c bandit.yaml -q -r src

bench: $(STAMP)
	$(BIN)/python -m bench

messages: $(STAMP)
	cd src/traseu && ../../$(BIN)/traseu manage makemessages -l ro --no-obsolete --no-location && ../../$(BIN)/traseu manage compilemessages

clean:
	rm -rf $(VENV) var node_modules $(VENDOR)
