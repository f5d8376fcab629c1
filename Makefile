# Two commands on a fresh machine: `make run` and `make test`.
# Versions are pinned in constraints.txt (regenerate: .venv/bin/pip freeze --exclude-editable).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ariadne-codegen (the Python client's generated operations) needs graphql-core < 3.3: its
# own environment, used by `make client` and by the test that finds stale generated code.
CODEGEN := .venv-codegen
CODEGEN_STAMP := $(CODEGEN)/.installed
# MLflow's client and server (graphql-core < 3.3 again, and a stack of their own): the
# tests run them from here, as a user's own environment would.
MLFLOW := .venv-mlflow
MLFLOW_STAMP := $(MLFLOW)/.installed
# Compiled modules are cached (__pycache__/, ignored by git) even where the environment says
# not to (PYTHONDONTWRITEBYTECODE): the suite starts dozens of Python processes, and
# compiling the app's modules again costs each about a second of CPU.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test lint schema client dashboard bench clean

$(STAMP): pyproject.toml constraints.txt clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]' -e clients/python
	touch $(STAMP)

$(CODEGEN_STAMP): clients/python/codegen-constraints.txt
	test -x $(CODEGEN)/bin/python || $(PYTHON) -m venv $(CODEGEN)
	$(CODEGEN)/bin/pip install --quiet -c clients/python/codegen-constraints.txt ariadne-codegen
	touch $(CODEGEN_STAMP)

$(MLFLOW_STAMP): mlflow-constraints.txt
	test -x $(MLFLOW)/bin/python || $(PYTHON) -m venv $(MLFLOW)
	$(MLFLOW)/bin/pip install --quiet -c mlflow-constraints.txt mlflow scikit-learn psycopg2-binary
	touch $(MLFLOW_STAMP)

install: $(STAMP) $(CODEGEN_STAMP) $(MLFLOW_STAMP)

# Development: pages served from any local port (a React dev server) may call the API.
run: $(STAMP)
	MLGRAPH_CORS_ORIGINS="$${MLGRAPH_CORS_ORIGINS-http://localhost:*,http://127.0.0.1:*}" \
	  $(BIN)/mlgraph serve --seed-demo

# The suite under SlipCover (line coverage of app/, test-artifacts/coverage.json), then the
# coverage floor (pyproject.toml, [tool.mlgraph]); `.venv/bin/pytest` alone runs it bare.
test: $(STAMP) $(CODEGEN_STAMP) $(MLFLOW_STAMP)
	mkdir -p test-artifacts
	$(BIN)/python -m slipcover --json --out test-artifacts/coverage.json -m pytest
	$(BIN)/python -m tests.support.coverage_floor test-artifacts/coverage.json

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations clients/python
	$(BIN)/ruff format --check app tests bench migrations clients/python
	$(BIN)/mypy  # app/ (pyproject.toml: strict for app/domain and app/db, Strawberry's plugin)

schema: $(STAMP)
	$(BIN)/mlgraph export-schema > schema.graphql
	$(BIN)/python -c "import app.db.models; from app.db.base import Base; \
	  from app.db.schema_doc import render; print(render(Base.metadata), end='')" \
	  > docs/database-schema.md

# The dashboard (React + TypeScript, Vite): types from schema.graphql (graphql-codegen),
# built into dashboard/dist, which `make run` serves at /app. The server works without it.
dashboard:
	cd dashboard && npm ci --no-audit --no-fund && npm run build

# Regenerate clients/python/mlgraph/generated from schema.graphql and clients/python/queries.
client: $(CODEGEN_STAMP)
	rm -rf clients/python/mlgraph/generated
	cd clients/python && ../../$(CODEGEN)/bin/ariadne-codegen --config pyproject.toml

bench: $(STAMP) $(MLFLOW_STAMP)
	$(BIN)/python bench/nested_query.py
	$(BIN)/python bench/postgraphile.py
	$(BIN)/python bench/postgraphile.py --plain-indexes
	$(BIN)/python bench/run_metrics.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/alert_eval.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/lineage_and_queue.py
	$(BIN)/python bench/client_logging.py
	$(BIN)/python bench/retention.py
	$(BIN)/python bench/artifacts_and_logs.py
	$(BIN)/python bench/mlflow_log_batch.py
	$(BIN)/python bench/run_comparison.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/run_pages.py
	$(BIN)/python bench/sweeps.py
	$(BIN)/python bench/ingest_breakdown.py

clean:
	rm -rf $(VENV) $(CODEGEN) $(MLFLOW) .data
