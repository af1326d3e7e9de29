# Traseu: `make demo` and `make test` are the whole quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench messages clean

$(STAMP): pyproject.toml requirements.lock
	@echo "Setting up .venv (first run takes a minute)…"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/traseu demo

test: $(STAMP)
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint typecheck
	$(BIN)/traseu manage makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python -m bench

messages: $(STAMP)
	cd src/traseu && ../../$(BIN)/traseu manage makemessages -l ro --no-obsolete --no-location && ../../$(BIN)/traseu manage compilemessages

clean:
	rm -rf $(VENV) var
