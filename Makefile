# Every target creates .venv and installs the project when missing (or when pyproject changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/yibin
OUT    ?=

.PHONY: install analyze serve test bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

analyze: $(STAMP)
	$(BIN)/tia analyze $(DATA) $(if $(OUT),--out $(OUT))

out/yibin/run.json: $(STAMP) $(wildcard data/yibin/*)
	$(BIN)/tia analyze data/yibin --quiet

serve: out/yibin/run.json
	$(BIN)/tia serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/python -m pytest
	BENCH_QUICK=1 $(BIN)/python benchmarks/run.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf out .pytest_cache .ruff_cache
