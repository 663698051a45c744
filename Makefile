# Every target creates .venv and installs the project when missing (or when pyproject changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/yibin
OUT    ?=

.PHONY: install browser-deps analyze serve test bench lint clean

$(STAMP): pyproject.toml maps/web/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	cd maps/web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

# Debian's Chromium (and CJK fonts for Chinese labels) for tests/browser, and wrk for the API
# benchmark; installed when root
browser-deps:
	@if command -v chromium >/dev/null && command -v wrk >/dev/null && fc-list 2>/dev/null | grep -qi "CJK"; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk wrk; \
	else echo "tests/browser and the API benchmark need Debian's chromium, fonts-noto-cjk and wrk: sudo apt-get install chromium fonts-noto-cjk wrk"; fi

install: $(STAMP)

analyze: $(STAMP)
	$(BIN)/tia analyze $(DATA) $(if $(OUT),--out $(OUT))

serve: $(STAMP)
	$(BIN)/tia serve --host 127.0.0.1 --port 8000

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest
	BENCH_QUICK=1 $(BIN)/python benchmarks/run.py

bench: $(STAMP) browser-deps
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf out .pytest_cache .ruff_cache
