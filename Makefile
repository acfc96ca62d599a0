# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB_DATA ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000
# gunicorn: a process per CPU and one more (searching is CPU-bound Python), a few threads each
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
THREADS ?= 4

.PHONY: run test index serve bench clean

$(BIN)/kb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/kb

index: $(BIN)/kb
	KB_DATA=$(KB_DATA) $(BIN)/kb index corpus/

run: index
	@$(MAKE) --no-print-directory serve

# The production server the project depends on; Ctrl-C stops it (gunicorn shuts down on SIGINT).
serve: $(BIN)/kb
	@echo "Serving http://$(HOST):$(PORT) with $(WORKERS) gunicorn workers; press Ctrl-C to stop."
	KB_DATA=$(KB_DATA) exec $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--threads $(THREADS) --graceful-timeout 5 --access-logfile - 'cli:create_app()'

AXE := tests/web/.axe/node_modules/axe-core/axe.min.js

$(AXE):
	npm install --prefix tests/web/.axe --no-audit --no-fund --silent axe-core@4.14.1

# The whole suite with tantivy (the default engine; the engine contract tests run with both
# engines), then the web and crash tests again with Whoosh (not the browser tests: what they
# check, in Chromium, does not depend on the engine).
test: $(BIN)/kb $(AXE)
	$(BIN)/python -m pytest -q
	KB_ENGINE=whoosh $(BIN)/python -m pytest -q tests/web tests/indexer/test_crash.py \
		--ignore=tests/web/test_browser.py --ignore=tests/web/test_browser_collections.py \
		--ignore=tests/web/test_browser_paths.py --ignore=tests/web/test_make_run_serving.py \
		--ignore=tests/web/test_browser_theme_checks.py

BENCH_SIZES ?= 10k

bench: $(BIN)/kb
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES)

clean:
	rm -rf $(VENV) instance
