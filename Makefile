# The two commands of README.md: `make run` and `make test`. Everything else builds on `install`.

VENV := .venv
BIN := $(VENV)/bin
# Re-run pip only when the declared dependencies change.
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: install run test bench lint messages clean

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

# After changing UI text: collect the English catalogue's new strings (needs GNU gettext's
# xgettext), translate them in locale/en/LC_MESSAGES/django.po, then run this again to compile.
# The .mo files are committed, compiled by polib (pure Python): a fresh machine needs no gettext.
# locale/zh_Hans holds only the project's wording of Django's and DRF's messages: edit it by hand.
messages: install
	$(BIN)/python manage.py makemessages -l en --no-location --no-obsolete \
		-i '.venv*' -i var -i tests -i bench -i static
	$(BIN)/python -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in sorted(pathlib.Path("locale").glob("*/LC_MESSAGES/django.po"))]'

# Generated files only: the database and uploads in var/ are kept (delete var/ to start over).
clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache var/staticfiles bench/results.json
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
