# Two commands: `make demo` plays a pilot against the built-in Slack emulator,
# `make test` runs the test suite. Each creates its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pilot-bot demo

test: $(STAMP)
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot devtools handlers schedules storage slack_emulator

bench: $(STAMP)
	$(BIN)/python -m bench.status_latency

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
