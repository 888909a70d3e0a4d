# tagbook: two commands for readers (`make book`, `make test`); the rest are helpers.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MATHJAX_VERSION := 3.2.2
MATHJAX_DIR := book/_static_vendor/mathjax

.PHONY: book test venv mathjax browser-check browser-deps bench lock clean lab lab-check

venv: $(STAMP)

# The virtual environment is (re)built when missing or when the pins change.
$(STAMP): pyproject.toml requirements/constraints.txt requirements/no-deps.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e .
	$(PY) -m pip install --quiet --no-deps -r requirements/no-deps.txt
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q --durations=15

# MathJax 3 from npm, served from the book's own folder (never from a CDN).
mathjax: $(MATHJAX_DIR)/tex-chtml.js
$(MATHJAX_DIR)/tex-chtml.js:
	@command -v npm >/dev/null || { echo "error: npm is needed to vendor MathJax" >&2; exit 1; }
	rm -rf .cache/mathjax && mkdir -p .cache/mathjax $(MATHJAX_DIR)
	npm install --silent --no-audit --no-fund --prefix .cache/mathjax mathjax@$(MATHJAX_VERSION)
	cp -r .cache/mathjax/node_modules/mathjax/es5/. $(MATHJAX_DIR)/

# Executes only the chapters whose inputs changed; FORCE=1 executes all, ONLY="03 05" just those.
book: $(STAMP) mathjax
	$(VENV)/bin/tagbook book $(if $(FORCE),--force) $(if $(ONLY),--only $(ONLY))

# Optional: the chapters as notebooks in JupyterLab, through Jupytext (the `lab` extra; the
# default set-up never needs it). The overrides open the .py sources as notebooks on a double click.
LAB_STAMP := $(VENV)/.lab-installed
$(LAB_STAMP): $(STAMP) requirements/lab.txt requirements/jupyterlab-overrides.json
	$(PY) -m pip install --quiet -c requirements/constraints.txt -c requirements/lab.txt -e '.[lab]'
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp requirements/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(LAB_STAMP)

# JupyterLab refuses to run as root without --allow-root (a container, CI): passed only then.
lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Non-interactive check of the route above (not part of `make test`): JupyterLab headless, each
# chapter served as a notebook, .py files opened by the Jupytext viewer; exit 0 or 1.
# BROWSER=1 also double-clicks chapter 03 in headless Chromium (needs `make browser-deps`).
lab-check: $(LAB_STAMP)
	$(PY) scripts/lab_check.py $(if $(BROWSER),--browser)

browser-deps:
	bash scripts/install-browser.sh

browser-check: browser-deps
	$(PY) -m tagbook.browsercheck _build/html --screenshots _build/screenshots

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

# The lab extra's packages (requirements/lab.txt) stay out of the default lock even when installed.
lock: $(STAMP)
	{ echo "# Full lock of the environment (direct pins live in pyproject.toml). Regenerate with: make lock"; \
	  echo "torch==2.13.0"; $(PY) -m pip freeze --exclude-editable | grep -v -i '^torch==' \
	  | grep -v -x -F -f <(grep -v '^#' requirements/lab.txt); } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean:
	rm -rf _build book/_generated
