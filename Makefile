# The front door: `make demo` and `make test` work on a fresh machine with only Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
SANDBOX_PORT := 9400
SANDBOX_URL := http://127.0.0.1:$(SANDBOX_PORT)

.PHONY: install demo test lint ui sandbox clean

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/tiktok-assets demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ui: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	@# Runs launched from the UI need an API: with no credentials set, serve the sandbox beside the UI.
	@if [ -z "$${TIKTOK_CLIENT_KEY:-}" ] && ! $(BIN)/python -c "import httpx; httpx.get('$(SANDBOX_URL)/_sandbox/health', timeout=1).raise_for_status()" 2>/dev/null; then \
	  echo "no TIKTOK_CLIENT_KEY: serving the sandbox at $(SANDBOX_URL) for runs launched from the UI"; \
	  $(BIN)/tiktok-assets sandbox serve --host 127.0.0.1 --port $(SANDBOX_PORT) --seed 7 --size small & sandbox_pid=$$!; \
	  trap 'kill $$sandbox_pid 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(BIN)/dagster dev -w workspace.yaml

# The demo's collection, dbt and analyses on a local cluster: PostgreSQL (instance + quota ledger), Redis and
# two Celery workers, the lake on moto's S3 API; all on loopback, all stopped at the end (README "Running on
# a cluster"). Needs Debian's postgresql and redis-server (.ci/run installs them).
.PHONY: demo-cluster
demo-cluster: $(STAMP)
	$(BIN)/python -m tiktok_assets.cluster.demo

sandbox: $(STAMP)
	$(BIN)/tiktok-assets sandbox serve --host 127.0.0.1 --port $(SANDBOX_PORT) --seed 7 --size small

clean:
	rm -rf data/lake data/warehouse.duckdb data/dagster_home dbt/target
