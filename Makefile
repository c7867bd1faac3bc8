# fraudstream: every target does its own set-up from a fresh clone (venv, packages, Kafka jars).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export PYTHONUNBUFFERED := 1

.PHONY: install kafka-jars kafka-up kafka-down test test-unit test-integration demo bench chaos lint schemas clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

kafka-jars: install          ## resolve the broker jars once (KAFKA_VERSION=3.9.2 for the other supported line)
	$(BIN)/python -m app.localkafka fetch

kafka-up: kafka-jars         ## start a local broker named "dev" and print its bootstrap address
	$(BIN)/python -m app.localkafka up --name dev

kafka-down: install
	$(BIN)/python -m app.localkafka down --name dev

test: kafka-jars             ## unit + integration tests; integration tests start their own broker
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not integration" $(PYTEST_ARGS)

test-integration: kafka-jars
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

demo: kafka-jars             ## local broker + workers + simulated traffic, live dashboard, summary
	$(BIN)/fraudstream demo $(DEMO_ARGS)

bench: kafka-jars            ## benchmarks, reported as ratios to baselines measured in the same run
	$(BIN)/python -m bench $(BENCH_ARGS)

chaos: kafka-jars            ## reliability probes on loopback (bad input, kill -9, outage, control attacks): a table per engine
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

lint: install
	$(BIN)/ruff check .

schemas: install             ## re-export the JSON Schemas after changing a model in schemas/
	$(BIN)/python -m schemas.export

clean:
	rm -rf $(VENV) .cache/kafka-run var
