# Casebook: `make run` serves the embedded mode; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CASEBOOK_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-fast install system-packages fonts ui-assets chromium db seed bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP) system-packages fonts ui-assets

# htmx, axe-core, swagger-ui from npm (lockfile) into casebook/web/ui/static/vendor, served by the app.
ui-assets:
	@./scripts/build-ui-assets.sh

# The e2e tests drive Debian's chromium (Playwright cannot download its own browser here), in its zh-CN user
# interface (chromium-l10n) as our users run it: a date field reads 年/月/日, not mm/dd/yyyy.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/locales/zh-CN.pak ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium chromium-l10n; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium chromium-l10n; fi; fi

system-packages:
	@./scripts/ensure-system-packages.sh

# Pre-subset CJK fonts for the 文书 (GB 2312 + punctuation + the templates' characters) under
# $(CASEBOOK_DATA_DIR)/fonts; the renderer falls back to the full fonts when they are missing.
fonts: $(STAMP) system-packages
	$(BIN)/python scripts/build_font_subsets.py

db: install
	$(BIN)/casebook db upgrade

seed: db
	$(BIN)/casebook seed demo

run: seed
	$(BIN)/casebook serve

# PostgreSQL and RabbitMQ suites run when the servers answer on 127.0.0.1 (CI requires them: see .ci/run).
test: install chromium
	@if [ -z "$$CASEBOOK_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export CASEBOOK_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test; fi; \
	if [ -z "$$CASEBOOK_TEST_AMQP_URL" ] && $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5672), 2).close()" 2>/dev/null; then \
	  export CASEBOOK_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672//; fi; \
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The inner loop: unit tests and the SQLite integration tests, two workers; no PostgreSQL/RabbitMQ, drills,
# property or fuzz runs, browser tests (`make test` runs everything).
test-fast: install
	$(BIN)/pytest -q -n 2 -m "not slow and not postgres and not rabbitmq" tests/unit tests/integration \
	  --ignore=tests/integration/test_lifecycle_properties.py --ignore=tests/integration/test_openapi_fuzz.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check casebook events schemas scheduler tests bench

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
