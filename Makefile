# Day-to-day commands; .ci/run calls the same ones.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DATA ?= ../shared/data
NLTK_DATA ?= ../shared/nltk_data

.PHONY: setup check test bench demo

$(BIN)/newsbrief:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev,bench]'

setup: $(BIN)/newsbrief

check: setup  ## lint, format and strict typing
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup
	$(BIN)/python -m pytest

demo: setup
	$(BIN)/newsbrief summarize seeds/ --format markdown

bench: setup  ## ROUGE, speed and memory against sumy peers; needs the DUC files (never committed)
	NLTK_DATA=$(NLTK_DATA) $(BIN)/python benchmarks/quality.py $(DATA)/duc2007_update.jsonl
	NLTK_DATA=$(NLTK_DATA) $(BIN)/python benchmarks/quality.py $(DATA)/duc2006.jsonl
	NLTK_DATA=$(NLTK_DATA) $(BIN)/python benchmarks/batch.py $(DATA)/duc2007_update.jsonl $(DATA)/duc2006.jsonl
	$(BIN)/python benchmarks/load.py --workers 2   # needs wrk (apt-get install wrk)
