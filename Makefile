# Each target sets up whatever is missing first (scripts/setup.sh), then runs.
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: setup setup-bench demo test lint format bench bench-web clean

setup:
	@bash scripts/setup.sh

setup-bench:
	@EXTRAS=dev,bench bash scripts/setup.sh

demo: setup
	$(VENV)/bin/swordnet demo

test: setup
	$(PYTHON) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup-bench
	OMP_NUM_THREADS=1 $(PYTHON) bench/text.py --small

# PostgreSQL at SWORDNET_BENCH_PG_URL (default 127.0.0.1:5432, database swordnet_bench);
# generates 1,000,000 detections the first time (about 2 minutes), then reuses them
bench-web: setup
	$(PYTHON) bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
