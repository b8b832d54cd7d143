# Two commands do all the set-up: `make lab` and `make test`.
# Both create .venv if it is missing and install the pinned requirements.

# Python versions TensorFlow 2.21 publishes wheels for (keep in step with
# requires-python in pyproject.toml and the README).
SUPPORTED_PYTHONS := 3.11 3.12 3.13
PY_VERSION = $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
# PYTHON=python3.12 (command line or environment) chooses the interpreter that creates
# .venv; otherwise the first supported one of python3.13, python3.12, python3.11, python3.
PYTHON ?= $(or $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  v=$$($(call PY_VERSION,$$p)) && case " $(SUPPORTED_PYTHONS) " in (*" $$v "*) echo $$p; break;; esac; \
	done),python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NB     ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

# Keras backends the course runs on; KERAS_BACKEND picks one (tensorflow by default).
BACKENDS := tensorflow jax torch
ALL_STAMP := $(VENV)/.installed-all-backends

.PHONY: lab test test-backends unit execute lint format bench bench-augmentation bench-epoch clean check-python

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(MAKE) --no-print-directory check-python PYTHON='$(PYTHON)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## check-python: stop with one message unless $(PYTHON) is a version TensorFlow supports
check-python:
	@v=$$($(call PY_VERSION,$(PYTHON))); \
	case " $(SUPPORTED_PYTHONS) " in (*" $$v "*) ;; (*) \
	  echo "Unsupported Python: $(PYTHON) is $${v:+Python }$${v:-not found}. This course needs Python 3.11, 3.12 or 3.13 (TensorFlow 2.21 has no wheels for other versions). Install one and choose it, e.g. make lab PYTHON=python3.12" >&2; \
	  exit 1;; \
	esac

# KERAS_BACKEND=jax or torch: that backend's requirements file, installed by `make lab` / `make test`
BACKEND_REQS := $(if $(filter jax torch,$(KERAS_BACKEND)),requirements-$(KERAS_BACKEND).txt)

.PHONY: backend
backend: $(STAMP)
	@if [ -n "$(BACKEND_REQS)" ]; then $(BIN)/python -m pip install --quiet -r $(BACKEND_REQS); fi

## lab: set up, then open JupyterLab on the notebooks (KERAS_BACKEND=jax make lab for JAX)
lab: backend
	$(BIN)/jupyter lab notebooks/

## all-backends: also install JAX and PyTorch (requirements-jax.txt, requirements-torch.txt)
$(ALL_STAMP): $(STAMP) requirements-jax.txt requirements-torch.txt
	$(BIN)/python -m pip install --quiet -r requirements-jax.txt -r requirements-torch.txt
	touch $(ALL_STAMP)

## test: set up, then run unit tests and every notebook (nbval) in FAST mode,
## on the backend KERAS_BACKEND names (TensorFlow when unset)
test: backend
	COURSE_FAST=1 $(BIN)/python -m pytest

## test-backends: the FAST suite once per backend, TensorFlow first (what CI runs)
test-backends: $(ALL_STAMP)
	@for b in $(BACKENDS); do \
	  echo "== FAST suite on KERAS_BACKEND=$$b =="; \
	  KERAS_BACKEND=$$b COURSE_FAST=1 COURSE_MODELS_DIR=models/$$b $(BIN)/python -m pytest || exit 1; \
	done

## unit: only the unit tests (seconds)
unit: $(STAMP)
	COURSE_FAST=1 $(BIN)/python -m pytest tests

## execute: re-run notebooks top to bottom in a fresh kernel, default mode,
## storing the outputs in place (NB=notebooks/02_mlp_vs_cnn.ipynb for one),
## then store them in the form JupyterLab saves, without timestamps
execute: $(STAMP)
	@for nb in $(NB); do \
	  echo "executing $$nb"; \
	  COURSE_FAST=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
	  $(BIN)/python tools/normalize_notebooks.py "$$nb" || exit 1; \
	done

## lint: ruff over the helpers, tests, benchmarks, tools and notebooks; notebooks
## must be stored as JupyterLab saves them (tools/normalize_notebooks.py)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check utils tests benchmarks tools notebooks
	$(BIN)/python tools/normalize_notebooks.py --check

## format: fix what lint checks
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format utils tests benchmarks tools notebooks
	$(BIN)/python tools/normalize_notebooks.py

## bench: every lesson in default mode on each backend, one Markdown table
bench: $(ALL_STAMP)
	$(BIN)/python benchmarks/run.py --backends $(BACKENDS)

## bench-augmentation: seconds per epoch with and without augmentation, per backend
bench-augmentation: $(ALL_STAMP)
	$(BIN)/python benchmarks/augmentation.py --backends $(BACKENDS)

## bench-epoch: wall and CPU seconds per epoch of lesson 06's network and lesson 09's winner, per backend
bench-epoch: $(ALL_STAMP)
	$(BIN)/python benchmarks/epoch_cost.py --backends $(BACKENDS)

clean:
	rm -rf $(VENV) models .pytest_cache

# ---------------------------------------------------------------- website, student edition
# Site tools are pinned in requirements-site.txt (Python) and package.json/package-lock.json
# (markdownlint-cli2, MathJax), installed only by these targets, so `make lab` stays lean.
SITE_STAMP := $(VENV)/.site-installed
NODE_STAMP := node_modules/.installed

.PHONY: site site-test student lint-md

$(SITE_STAMP): requirements-site.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-site.txt -c requirements.txt
	touch $(SITE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## student: every notebook without solution cells and outputs, in build/student/ (git-ignored)
student: $(STAMP)
	$(BIN)/python tools/student_edition.py

## site: build the website into build/site/ from the stored outputs (nothing is executed)
site: $(SITE_STAMP) $(NODE_STAMP)
	$(BIN)/python tools/build_site.py

## site-test: serve build/site/ and check every page in headless Chromium (needs /usr/bin/chromium);
## the broken-page fixture must fail first
site-test: $(SITE_STAMP)
	$(BIN)/python tools/site_test.py --site tests/fixtures/broken_site --expect-problems --shots build/site-shots/fixture
	$(BIN)/python tools/site_test.py

## lint-md: Markdown of README, CONTRIBUTING and the lesson texts (markdownlint + tools/check_markdown.py)
lint-md: $(NODE_STAMP)
	npx --no-install markdownlint-cli2 README.md CONTRIBUTING.md CHANGELOG.md "lessons/*.md"
	$(BIN)/python tools/check_markdown.py README.md CONTRIBUTING.md CHANGELOG.md lessons/*.md

lint: lint-md
