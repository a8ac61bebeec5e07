# Two entry points for a fresh machine: `make demo` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench accuracy docs clean fuzz

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## Install and scan the shipped AI-written examples (Flask service, Express, Java servlet, C utility, Rust module) (exit 1 there means "findings", as expected).
demo: $(BIN)/.installed
	$(BIN)/slopguard scan examples --no-cache; status=$$?; [ $$status -le 1 ]

## Install dev dependencies, then lint, type-check and run the whole test suite.
test: $(BIN)/.installed lint
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

# Bandit and Semgrep pin their own dependencies (Semgrep pins an old `mcp`), so they live in a venv of their own.
PEERS := .venv-peers/bin
$(PEERS)/.installed:
	$(PYTHON) -m venv .venv-peers
	$(PEERS)/python -m pip install --quiet "bandit>=1.7" "semgrep>=1.50"
	touch $@

## Speed against Bandit and Semgrep on Django (pip) and on npm packages (npm), through your configured registries.
bench: $(BIN)/.installed $(PEERS)/.installed
	PATH="$(CURDIR)/$(PEERS):$$PATH" $(BIN)/python benchmarks/speed.py --suite all --repeat 3

## Recall and false-positive rate on the labelled corpora in tests/corpus (development and held-out).
accuracy: $(BIN)/.installed $(PEERS)/.installed
	PATH="$(CURDIR)/$(PEERS):$$PATH" $(BIN)/python benchmarks/accuracy.py --bandit
	PATH="$(CURDIR)/$(PEERS):$$PATH" $(BIN)/python benchmarks/accuracy.py --bandit --corpus tests/corpus/holdout

## Fuzz the parsers and manifest readers for a few minutes (the normal suite runs a few examples of each).
FUZZ_EXAMPLES ?= 1500
fuzz: $(BIN)/.installed
	SLOPGUARD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider tests/security/test_fuzz_parsers.py

docs: $(BIN)/.installed
	$(BIN)/python scripts/build_rule_examples.py
	$(BIN)/slopguard rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) .slopguard_cache .pytest_cache .mypy_cache .ruff_cache
