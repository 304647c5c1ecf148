# hocba-audit: `make demo` runs the main job on the embedded default; `make test` passes the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test venv bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	# rfc3987-syntax builds a grammar at import and slows every Jupyter command by ~1 s;
	# nothing here needs it (pip check stays clean without it).
	-$(PY) -m pip uninstall -y -q rfc3987-syntax
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hocba-audit demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) data/demo* reports/demo
