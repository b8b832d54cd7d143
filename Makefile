# Two commands do all the set-up: `make lab` and `make test`.
# Both create .venv if it is missing and install the pinned requirements.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NB     ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test unit execute lint format bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## lab: set up, then open JupyterLab on the notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## test: set up, then run unit tests and every notebook (nbval) in FAST mode
test: $(STAMP)
	COURSE_FAST=1 $(BIN)/python -m pytest

## unit: only the unit tests (seconds)
unit: $(STAMP)
	COURSE_FAST=1 $(BIN)/python -m pytest tests

## execute: re-run notebooks top to bottom in a fresh kernel, default mode,
## storing the outputs in place (NB=notebooks/02_mlp_vs_cnn.ipynb for one)
execute: $(STAMP)
	@for nb in $(NB); do \
	  echo "executing $$nb"; \
	  COURSE_FAST=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
	done

## lint: ruff over the helpers, tests, benchmarks and notebooks
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check utils tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format utils tests benchmarks

## bench: measure every lesson model in default mode and print a Markdown table
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) models .pytest_cache
