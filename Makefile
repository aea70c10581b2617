# nnteach: two commands on a fresh machine with Python 3.10+ and make.
#   make lab   - set up .venv and open the course in JupyterLab (lesson 0)
#   make test  - set up .venv and run every test: unit, property, widget, browser, and the notebooks under nbval

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Real data for the tests (California Housing) lives beside the project in ../shared/data.
NNTEACH_DATA_DIR ?= $(if $(wildcard ../shared/data/cal_housing.data.gz),$(abspath ../shared/data),)
export NNTEACH_DATA_DIR
FIRST_LESSON := $(firstword $(sort $(wildcard notebooks/00_*.ipynb)))
NOTEBOOKS := $(wildcard notebooks/*.ipynb course/solutions/*.ipynb)

.PHONY: lab test test-fast bench venv clean

# The stamp files record which extras are installed; they are rebuilt when pyproject.toml changes.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.course: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[course,data]'
	touch $@

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[course,data,test]'
	touch $@

venv: $(VENV)/.test

# JupyterLab refuses to run as root (containers often do) unless told it may. The server's root is the
# repository, not the lesson's folder: the file browser then reaches course/ (solutions, notes, the
# PyTorch guide) and the lessons' relative links to it work.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(VENV)/.course
	$(PY) -m jupyterlab $(if $(FIRST_LESSON),$(FIRST_LESSON),notebooks/) --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT)

# One BLAS thread: the networks here are small, and threads fighting over a busy machine's cores
# can make a mini-batch loop ten times slower.
test: export OPENBLAS_NUM_THREADS = 1
test: export OMP_NUM_THREADS = 1
test: $(VENV)/.test
	$(PY) -m pytest -p no:cacheprovider tests $(if $(NOTEBOOKS),--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS))

# Unit tests only (no notebooks, no browser): the quick loop while developing.
test-fast: $(VENV)/.test
	$(PY) -m pytest -q -m "not browser" tests

bench: $(VENV)/.test
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
