# fraudstream: every target does its own set-up from a fresh clone (venv, packages, Kafka jars).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
# The stamp names the checksums of the lock and pyproject.toml: a change to either re-installs.
STAMP  := $(VENV)/.installed-$(shell cat $(wildcard $(LOCK)) pyproject.toml | cksum | cut -d" " -f1)
PIP    := $(BIN)/python -m pip -q --disable-pip-version-check
export PYTHONUNBUFFERED := 1

.PHONY: install lock kafka-jars postgres browser screenshots kafka-up kafka-down test test-unit test-integration demo bench chaos lint schemas clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions (runtime core + the tools and dev extras), then the project itself without
# resolving again: a fresh clone gets what CI tested.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade pip
	$(PIP) install -r $(LOCK)
	$(PIP) install --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $(STAMP)

# Bytecode for the project's own packages, which the editable install leaves as source: where
# PYTHONDONTWRITEBYTECODE is set, every worker start compiled about 100 modules again (~0.25 s of CPU before a
# restarted worker decides). compileall skips what is up to date.
install: $(STAMP)
	@$(BIN)/python -m compileall -q app agents tables schemas risk sim modelplatform service >/dev/null

lock: | $(BIN)/python        ## re-resolve requirements.lock after changing dependencies in pyproject.toml
	test -x $(BIN)/uv || $(PIP) install 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml --extra tools --extra dev --universal --python-version 3.11 \
	  --quiet --no-header --output-file $(LOCK)

kafka-jars: install          ## resolve the broker jars once (KAFKA_VERSION=3.9.2 for the other supported line)
	$(BIN)/python -m app.localkafka fetch

postgres:                    ## PostgreSQL server binaries for the store's tests and bench (apt-get when missing)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

browser:                     ## headless Chromium and its driver for the console's browser tests (apt-get when missing)
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; }

screenshots: install browser ## the console's README screenshots (docs/console/*.png) from a headless Chromium
	@fc-list :lang=zh | grep -q . || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei; }
	$(BIN)/python -m tests.integration.console_screenshots docs/console

kafka-up: kafka-jars         ## start a local broker named "dev" and print its bootstrap address
	$(BIN)/python -m app.localkafka up --name dev

kafka-down: install
	$(BIN)/python -m app.localkafka down --name dev

test:                        ## unit tests (no broker, no jars), then integration tests (their own broker and PostgreSQL)
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-integration

test-unit: install           ## pure code and docstring examples: no broker, no Kafka jars
	@echo "==================== gate: unit tests (no broker, no Kafka jars) ===================="
	$(BIN)/python -m pytest -m "not integration and not quality" $(PYTEST_ARGS)

quality: install             ## the model quality bar on a month of simulated traffic, both worlds (about 12 minutes; CI runs it)
	@echo "==================== gate: model quality bar (no broker) ===================="
	$(BIN)/python -m pytest -m quality $(PYTEST_ARGS)

test-integration: kafka-jars postgres browser ## a real broker and PostgreSQL per session, every worker test on both engines
	@echo "==================== gate: integration tests (a real Kafka broker, PostgreSQL) ===================="
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

demo: kafka-jars             ## local broker + workers + simulated traffic, live dashboard, summary
	$(BIN)/fraudstream demo $(DEMO_ARGS)

bench: kafka-jars postgres   ## benchmarks, reported as ratios to baselines measured in the same run
	$(BIN)/python -m bench $(BENCH_ARGS)

chaos: kafka-jars            ## reliability probes on loopback (bad input, kill -9, outage, control attacks): a table per engine
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

lint: install                ## ruff, then mypy (strict on risk/ and schemas/, basic elsewhere; see pyproject.toml)
	@echo "==================== gate: lint ===================="
	$(BIN)/ruff check .
	$(BIN)/mypy

schemas: install             ## re-export the JSON Schemas after changing a model in schemas/
	$(BIN)/python -m schemas.export

clean:
	rm -rf $(VENV) .cache/kafka-run var
