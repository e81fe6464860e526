# The README's two commands: `make run` and `make test`. Both do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate lint bench bench-quick clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/scenari db upgrade

run: migrate
	$(BIN)/scenari serve  # http://127.0.0.1:8000 (SCENARI_HOST/SCENARI_PORT); the bot too with a token

lint: install
	$(BIN)/lint-imports

# The browser tests drive Debian's headless Chromium, the PDF report's tests read pages with
# poppler's pdftoppm/pdftotext and WeasyPrint needs Pango: install what is missing when we may
# (root with apt); otherwise those tests skip and say why.
BROWSER_TOOLS := chromium pdftoppm
browser:
	@missing=""; for t in $(BROWSER_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-dejavu-core poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; } \
	  || echo "note:$$missing not installed; the browser and PDF tests that need them will be skipped"

test: install lint browser
	$(BIN)/python -m pytest

# Every bench/bench_*.py, one table of their RESULT lines in var/bench.md (a failed script is listed
# and the rest still run). `make bench QUICK=1` or `make bench-quick`: sizes that take under a minute each.
bench: install
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick)

bench-quick: install
	$(BIN)/python bench/run_all.py --quick

clean:
	rm -rf $(VENV) var .pytest_cache
