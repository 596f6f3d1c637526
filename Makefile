VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/llmspell run examples/demo.lua -- --name demo --repeat 3 hello
	@echo "--- RAG: semantic search with the bundled local embedder (offline, throwaway home):"
	@home=$$(mktemp -d) && LLMSPELL_HOME=$$home LLMSPELL_RAG_ENABLED=true \
		$(BIN)/llmspell run examples/rag-search.lua; status=$$?; rm -rf $$home; exit $$status
	@echo "--- a runaway spell, stopped by a 1-second limit (exit code 1 expected):"
	@LLMSPELL_SCRIPT_TIMEOUT_SECONDS=1 $(BIN)/llmspell run examples/runaway.lua; \
		test $$? -eq 1 && echo "--- the timeout was caught"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
