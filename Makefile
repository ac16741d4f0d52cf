# The two commands of README.md: `make run` and `make test`. Everything else builds on `install`.

VENV := .venv
BIN := $(VENV)/bin
# Re-run pip only when the declared dependencies change.
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: install run test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ echo "Python 3.11 is required: install python3.11 (found: $(PYTHON))" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	PORT=$(PORT) $(BIN)/python manage.py run_platform

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Generated files only: the database and uploads in var/ are kept (delete var/ to start over).
clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache var/staticfiles bench/results.json
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
