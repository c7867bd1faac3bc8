# fraudstream: every target does its own set-up from a fresh clone (venv, packages, Kafka jars).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export PYTHONUNBUFFERED := 1

.PHONY: install kafka-jars postgres kafka-up kafka-down test test-unit test-integration demo bench lint schemas clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

kafka-jars: install          ## resolve the broker jars once (KAFKA_VERSION=3.9.2 for the other supported line)
	$(BIN)/python -m app.localkafka fetch

postgres:                    ## PostgreSQL server binaries for the store's tests and bench (apt-get when missing)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

kafka-up: kafka-jars         ## start a local broker named "dev" and print its bootstrap address
	$(BIN)/python -m app.localkafka up --name dev

kafka-down: install
	$(BIN)/python -m app.localkafka down --name dev

test: kafka-jars postgres    ## unit + integration tests; integration tests start their own broker and PostgreSQL
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not integration" $(PYTEST_ARGS)

test-integration: kafka-jars postgres
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

demo: kafka-jars             ## local broker + workers + simulated traffic, live dashboard, summary
	$(BIN)/fraudstream demo $(DEMO_ARGS)

bench: kafka-jars postgres   ## benchmarks, reported as ratios to baselines measured in the same run
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

schemas: install             ## re-export the JSON Schemas after changing a model in schemas/
	$(BIN)/python -m schemas.export

clean:
	rm -rf $(VENV) .cache/kafka-run var
