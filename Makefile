# Two commands do everything on a fresh machine:
#   make run    demo data -> warehouse -> dashboard on http://localhost:8501
#   make test   the layering contracts (lint-imports) then the whole test suite (unit, SQL, calibration, AppTest,
#               real browser)
# Both create or reuse the virtual environment in .venv and install what they need.

VENV   := .venv
PY     := $(VENV)/bin/python
ASC    := $(VENV)/bin/asc
STAMP  := $(VENV)/.installed-stamp
AXE    := tests/e2e/.axe/node_modules/axe-core/axe.min.js

.PHONY: run test install chromium axe demo build lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@# uv installs in seconds; fall back to pip if it cannot be fetched.
	@($(VENV)/bin/pip install --quiet --disable-pip-version-check uv 2>/dev/null && \
	  $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]') || \
	  $(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

chromium:
	@scripts/ensure_chromium.sh

# axe-core (accessibility rules) from the npm registry, injected into pages by the browser tests.
$(AXE):
	@command -v npm >/dev/null && npm install --silent --no-save --no-audit --no-fund \
	  --prefix tests/e2e/.axe axe-core@4.14.1 || echo "npm not found: accessibility scans will be skipped"

axe: $(AXE)

demo: install
	$(ASC) demo

build: demo
	$(ASC) ingest data/inbox/demo
	$(ASC) build

run: build
	$(ASC) serve

# Two workers, each given whole test files (--dist loadfile): a module's fixtures (a council's warehouse, a served
# dashboard) are built once, on one worker. TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= 2

test: install chromium axe
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) benchmarks/build.py

clean:
	rm -rf data/inbox data/archive data/*.duckdb data/*.duckdb.wal data/app_state
