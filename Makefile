# xlcompute — every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: proposal estimate test bench system-deps samples workbooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# pdf: the proposal's WeasyPrint stack (an extra, so xlwings Lite never pulls it); test: pytest & co.
	$(PY) -m pip install --quiet -e '.[pdf,test]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

## The main job: the capacity proposal for the built-in 1000-card scenario.
proposal: $(STAMP) system-deps
	$(VENV)/bin/xlcompute proposal

estimate: $(STAMP)
	$(VENV)/bin/xlcompute estimate

## The test suite (installs LibreOffice and fonts first when they are missing), one pytest-xdist
## worker per core; a file's tests stay in one worker, so its session fixtures (the wheel and its
## venvs, LibreOffice recalculations) are built once.
test: $(STAMP) system-deps
	$(PY) -m pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

## The committed sample proposals (default 1000-card scenario, English and Chinese).
samples: $(STAMP) system-deps
	$(VENV)/bin/xlcompute proposal -o reports/sample-proposal-en.pdf --lang en
	$(VENV)/bin/xlcompute proposal -o reports/sample-proposal-zh.pdf --lang zh

## The committed ready-made workbooks (general planner en/zh and one per workbooks/scenarios/*.yaml).
workbooks: $(STAMP)
	$(PY) -m xlcompute.workbook.ready_made workbooks

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
