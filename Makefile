# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB_DATA ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test index serve clean

$(BIN)/kb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/kb

index: $(BIN)/kb
	KB_DATA=$(KB_DATA) $(BIN)/kb index corpus/

run: index
	KB_DATA=$(KB_DATA) $(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(BIN)/kb
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance
