# lms-simulator: `make run` serves every vendor; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The dashboard's browser tests drive Debian's chromium through Playwright (never Playwright's own download).
CHROMIUM := /usr/bin/chromium

.PHONY: install install-test browser run test lint smoke contract bench soak clean screenshots postgres postgres-stop

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python 3.11+ is required; set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	@touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium >/dev/null

browser: $(CHROMIUM)

run: $(STAMP)
	$(BIN)/lms-sim serve

# The database tests also run on PostgreSQL: .ci/postgres installs and starts a private
# server on loopback (LMS_SIM_TEST_PG_URL picks another; LMS_SIM_TEST_PG=off skips them).
# If it cannot start, the suite still runs and those tests fail, saying why.
# First the wheel smoke test (what a new user installs, served from outside the checkout).
test: $(TEST_STAMP) $(CHROMIUM) lint smoke
	@if [ "$${LMS_SIM_TEST_PG:-}" = off ] || [ -n "$${LMS_SIM_TEST_PG_URL:-}" ]; then $(BIN)/pytest; \
	else url=$$(bash .ci/postgres start) || echo "PostgreSQL could not be started: its tests will fail" >&2; \
	LMS_SIM_TEST_PG_URL=$$url $(BIN)/pytest; fi

# Build the wheel, install it alone into a fresh venv, and from a temporary folder: --help,
# specs, serve --port 0 with one authenticated call per vendor, contract, the pytest plugin.
smoke: $(PY)
	$(PY) .ci/wheel_smoke.py

postgres:
	@bash .ci/postgres start

postgres-stop:
	@bash .ci/postgres stop

# The README's dashboard screenshots (docs/screenshots/*.png).
screenshots: $(TEST_STAMP) $(CHROMIUM)
	$(PY) -m simulator.dashboard.screenshots docs/screenshots

lint: $(TEST_STAMP)
	$(BIN)/ruff check simulator tests bench .ci/wheel_smoke.py
	$(BIN)/ruff format --check simulator tests bench .ci/wheel_smoke.py
	$(BIN)/mypy --strict simulator

# Every spec, every Schemathesis phase and check, both modes, fixed seed, in-process and live;
# per-spec coverage is printed at the end, JUnit XML lands in reports/ (git-ignored).
contract: $(TEST_STAMP)
	@mkdir -p reports
	$(BIN)/pytest -m contract_deep -p no:randomly tests/contract --junitxml=reports/contract-pytest.xml

bench: $(TEST_STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.run

# 50 clients for 60 s against `serve --workers 2`, then kill -9 under write load and restart, 3 times
# (SOAK_CLIENTS, SOAK_SECONDS, SOAK_CRASHES); prints requests sent, 5xx seen, writes lost, crashes survived.
soak: $(TEST_STAMP)
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) .var reports .pytest_cache .mypy_cache .ruff_cache
