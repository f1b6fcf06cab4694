# Set-up and everyday commands. Everything runs inside the virtual environment .venv,
# created on first use from the Python found on PATH (3.11 or newer).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lab lint format bench clean-venv

# The package with its runtime dependencies; redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The same plus the test tools.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The same plus JupyterLab, for the notebooks.
$(VENV)/.installed-lab: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/commercie validate --instrument bfi --data data/raw/bfi.csv \
		--out data/processed/bfi

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks/

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)
