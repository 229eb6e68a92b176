# Two entry points on a fresh machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

## The main job: Copenhagen vs Aarhus on the embedded defaults; table and figures in results/.
run: $(STAMP)
	$(BIN)/acsim compare scenarios/copenhagen.toml scenarios/aarhus.toml --replications 4 --seed 2020 --out results/ --report

## Set up with dev extras, lint, and run the test suite.
test: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/parallel.py
	$(BIN)/python benchmarks/scaling.py
	$(BIN)/python benchmarks/vectorised.py
	$(BIN)/python benchmarks/evidence.py

## Re-execute the notebooks at full size and store them with their outputs (about 60 min).
notebooks: $(DEVSTAMP)
	for nb in notebooks/*.ipynb; do \
		ACSIM_FAST= $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=7200 $$nb || exit 1; \
	done

clean:
	rm -rf $(VENV) results out .pytest_cache
