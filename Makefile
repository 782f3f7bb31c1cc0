# Two commands for a new user:  make demo   and   make test
# Both create .venv with the pinned dependencies (requirements.lock) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format benchmark data clean-venv help

help:
	@echo "make demo       run the demo report (creates .venv on first use)"
	@echo "make test       lint and type checks, then the test suite, including nbval on the notebooks"
	@echo "make lint       ruff (lint and format check) and mypy"
	@echo "make format     ruff format and the safe ruff fixes"
	@echo "make benchmark  run the speed benchmarks"
	@echo "make data       regenerate the synthetic demo data in data/demo/"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pss-analysis needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pss run params/demo.yaml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	@# nbval runs every template notebook as-is, except the batch summary, which needs a batch folder to read
	@# (tests/run/test_batch.py executes it in real batches)
	$(BIN)/python -m pytest tests pss_analysis/notebooks --nbval-lax --nbval-current-env -p no:cacheprovider --ignore=tests/golden \
		--ignore=pss_analysis/notebooks/batch_summary.ipynb
	@# the golden executed notebook, strict: every output compared (sanitize.cfg masks paths, times, versions)
	rm -rf reports/golden
	$(BIN)/python -m pytest tests/golden/report_demo.ipynb --nbval --nbval-current-env \
		--nbval-sanitize-with tests/golden/sanitize.cfg -p no:cacheprovider

benchmark: $(STAMP)
	@for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

data: $(STAMP)
	$(BIN)/python -m pss_analysis.demo --out data/demo
	$(BIN)/python -m pss_analysis.demo.records --out data/demo/records

clean-venv:
	rm -rf $(VENV)
