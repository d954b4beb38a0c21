# The two commands of dossier: `make demo` and `make test`. Both install what they need
# into .venv first (once; again when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dossier demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/quotes.py
	$(BIN)/python bench/copies.py
	$(BIN)/python bench/clustering.py
	$(BIN)/python bench/dates.py
	$(BIN)/python bench/claims.py
	$(BIN)/python bench/flags.py
	$(BIN)/python bench/link_scale.py --articles 10000
	$(BIN)/python bench/shards.py

clean:
	rm -rf out .pytest_cache
