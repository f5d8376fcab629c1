# Two commands on a fresh machine: `make run` and `make test`.
# Versions are pinned in constraints.txt (regenerate: .venv/bin/pip freeze --exclude-editable).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint schema bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Development: pages served from any local port (a React dev server) may call the API.
run: $(STAMP)
	MLGRAPH_CORS_ORIGINS="$${MLGRAPH_CORS_ORIGINS-http://localhost:*,http://127.0.0.1:*}" \
	  $(BIN)/mlgraph serve --seed-demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations

schema: $(STAMP)
	$(BIN)/mlgraph export-schema > schema.graphql

bench: $(STAMP)
	$(BIN)/python bench/nested_query.py
	$(BIN)/python bench/run_metrics.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/alert_eval.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/lineage_and_queue.py

clean:
	rm -rf $(VENV) .data
