# The front door: `make demo` and `make test` work on a fresh machine with only Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SANDBOX_PORT := 9400

.PHONY: install demo test lint ui demo-ui sandbox clean

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo keeps its lake, warehouse, Dagster instance and log in data/demo/ (sandbox clock 2026-06-15T12:00Z).
demo: $(STAMP)
	$(BIN)/tiktok-assets demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `dg dev` (UI + daemon) over your collection: data/ and data/dagster_home (or $TIKTOK_DATA_DIR, $DAGSTER_HOME),
# real clock; with no TIKTOK_CLIENT_KEY a sandbox on real time serves the runs. Its dagster.yaml is a link to
# ./dagster.yaml, the one instance config.
ui: $(STAMP)
	$(BIN)/tiktok-assets ui

# The same over the demo's instance and lake (data/demo/), on the demo's fixed clock.
demo-ui: $(STAMP)
	$(BIN)/tiktok-assets ui --demo

# The demo's collection, dbt and analyses on a local cluster: PostgreSQL (instance + quota ledger), Redis and
# two Celery workers, the lake on moto's S3 API; all on loopback, all stopped at the end (README "Running on
# a cluster"). Needs Debian's postgresql and redis-server (.ci/run installs them).
.PHONY: demo-cluster
demo-cluster: $(STAMP)
	$(BIN)/python -m tiktok_assets.cluster.demo

sandbox: $(STAMP)
	$(BIN)/tiktok-assets sandbox serve --host 127.0.0.1 --port $(SANDBOX_PORT) --seed 7 --size small

clean:
	rm -rf data/lake data/warehouse.duckdb data/dagster_home data/demo dbt/target
