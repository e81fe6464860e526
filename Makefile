# The README's two commands: `make run` and `make test`. Both do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate lint bench clean

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

test: install lint
	$(BIN)/python -m pytest

bench: install
	for script in bench/bench_*.py; do $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) var .pytest_cache
