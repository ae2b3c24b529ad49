# LoRA Lab — every target does its own set-up on a fresh Debian machine with Swift.
#   make lab    build, install the kernelspec into .venv, open JupyterLab on notebooks/
#   make repl   build and start the terminal REPL
#   make test   everything CI runs: Swift tests (release) and the Python protocol tests
#   make fuzz-commands FUZZ_SECONDS=600   (also fuzz-wire, fuzz-jsonl, fuzz-safetensors, fuzz-tokenizer,
#                                          fuzz-pickle) build and run one libFuzzer target
#   make runs   empty notebooks/runs and re-execute every notebook: recompute the whole run cache
#   make witnesses   keep this machine's kernel family's numbers beside 10 entries per notebook cache
#   make family-verdicts CACHES="runs/03 runs/07"   the notebooks' verdicts when their runs are those witnesses
#   make base   re-make the shipped pre-trained base, notebooks/base/tiny-stories (minutes; not part of test)
#   make wide-base   the same at dim 256, notebooks/base/wide-stories (longer; not part of test)
#   make mha-base    the same with kv_heads=4 (multi-head attention), notebooks/base/mha-stories
#   make readme-claims   rewrite README's "What the notebooks show" from the notebooks' own tables
SHELL := /bin/bash
APT_PACKAGES := libzmq3-dev libopenblas-dev libedit-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# JupyterLab refuses to start as root unless told; these machines run as root.
LAB_ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
VENV := .venv
PY := $(VENV)/bin/python
BIN := .build/release/loralab
PY_TEST_PACKAGES := pytest pytest-timeout "jupyter-client>=8.10" jupyter-kernel-test==0.7.0 nbclient nbformat nbconvert pexpect pyzmq jupyter-console ipykernel selenium tokenizers safetensors numpy
# The browser test (integration-tests/test_browser_lab.py): JupyterLab in headless Chromium.
BROWSER_APT_PACKAGES := chromium chromium-driver
SOAK_CELLS ?= 2000

.PHONY: deps browser-deps build test swift-test py-test venv lab repl kernelspec bench soak clean interop-check base wide-base mha-base notebooks readme-claims runs witnesses family-verdicts bench-lanes analysis-latency

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi

browser-deps:
	@missing=""; for p in $(BROWSER_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi

build: deps
	swift build -c release --product loralab
	swift build -c release --product loralab-kernel

swift-test: deps
	swift test -c release

# Remade when this Makefile changes, so that a package added to PY_TEST_PACKAGES reaches existing venvs.
$(VENV)/.test-ready: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(PY_TEST_PACKAGES)
	touch $@

venv: $(VENV)/.test-ready

$(VENV)/.lab-ready: $(VENV)/.test-ready
	$(VENV)/bin/pip install -q jupyterlab selenium
	touch $@

kernelspec: build venv
	$(BIN) install --prefix $(VENV)

# A test that runs past 20 minutes fails with its stack instead of taking CI's
# time limit with it (the slowest, a notebook's cache check, takes about 4);
# the slowest tests' times close the report.
PY_TEST_LIMITS := --timeout=1200 --durations=12

py-test: build venv kernelspec browser-deps $(VENV)/.lab-ready
	@if ls integration-tests/test_*.py >/dev/null 2>&1; then \
	  JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter LORALAB_BIN=$(CURDIR)/$(BIN) $(PY) -m pytest -q $(PY_TEST_LIMITS) integration-tests; \
	else echo "no Python tests yet"; fi

test: swift-test py-test

# Not in CI: exports checked against torch + transformers + PEFT + accelerate in a
# venv of their own (PyPI's torch wheel is large: the first run takes minutes).
INTEROP_VENV := .venv-interop
INTEROP_PACKAGES := torch transformers peft accelerate safetensors numpy
$(INTEROP_VENV)/.ready: Makefile
	python3 -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/pip install -q --upgrade pip
	$(INTEROP_VENV)/bin/pip install -q $(INTEROP_PACKAGES)
	touch $@

interop-check: build $(INTEROP_VENV)/.ready
	LORALAB_BIN=$(CURDIR)/$(BIN) $(INTEROP_VENV)/bin/python tools/interop_check.py

# Not in CI: re-executes every notebook in place, so that its committed outputs
# are the record CI compares against (commit them when they change on purpose).
notebooks: build kernelspec
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(PY) tools/execute-notebooks.py

# Rewrites README's "What the notebooks show" from the committed notebooks' tables.
readme-claims: venv
	$(PY) tools/notebook_claims.py --write

# Not in CI: recomputes the notebooks' whole run cache (notebooks/runs/) by
# emptying it and re-executing every notebook, which trains every run again.
# Its witnesses go with it: record them again (make witnesses) under each other
# kernel family CI runs on.
runs: build kernelspec
	rm -rf notebooks/runs && mkdir -p notebooks/runs
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(PY) tools/execute-notebooks.py

# Not in CI: on a machine whose OpenBLAS kernel family made none of the cache's
# entries, re-trains WITNESSES of them per notebook and keeps the results beside
# them, so that CI there re-trains entries too (docs/design.md, "Across processors").
WITNESSES ?= 10
witnesses: build venv
	$(PY) tools/record-witnesses.py --per-notebook $(WITNESSES)

# Not in CI (minutes per notebook): on a copy of the repository whose entries of
# CACHES are replaced by their witnesses of this machine's family, re-executes
# those caches' notebooks and compares the verdicts README states with the
# committed ones. Every entry of a named cache made under another family
# needs its witness.
CACHES ?= runs/07
family-verdicts: build kernelspec
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(PY) tools/family-verdicts.py $(CACHES)

# Opens the tour notebook first, with notebooks/ as JupyterLab's root.
lab: build $(VENV)/.lab-ready kernelspec
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(VENV)/bin/jupyter lab $(LAB_ROOT_FLAG) --ServerApp.root_dir=$(CURDIR)/notebooks $(CURDIR)/notebooks/01-tour.ipynb

# Not in CI (minutes): one kernel through SOAK_CELLS mixed cells; every reply
# must arrive and the peak RSS stay within 10% of its value after warm-up.
soak: build venv kernelspec
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(PY) tools/soak.py --cells $(SOAK_CELLS) --csv .build/soak.csv

repl: build
	$(BIN) repl

# Not in CI, and never a prerequisite of test: the base is committed, and
# integration-tests/test_shipped_base.py checks the committed one (docs/base.md).
# Pre-trains on the CPU for minutes, niced so that it yields to interactive work.
base: build
	LORALAB_BIN=$(CURDIR)/$(BIN) nice python3 tools/make-base.py

# The same recipe at twice the width (dim 256): notebooks/base/wide-stories.
wide-base: build
	LORALAB_BIN=$(CURDIR)/$(BIN) nice python3 tools/make-wide-base.py

# The same recipe with kv_heads=4 (multi-head attention): notebooks/base/mha-stories.
mha-base: build
	LORALAB_BIN=$(CURDIR)/$(BIN) nice python3 tools/make-mha-base.py

bench: build
	$(BIN) bench

# Not in CI (minutes each; docs/benchmarks.md quotes them): a 12-run compare in
# lanes against one after another, and the round trip of the analysis cells.
bench-lanes: build
	tools/bench-lanes.sh 3 150

analysis-latency: build venv kernelspec
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(PY) tools/analysis_latency.py 7

# libFuzzer targets (fuzz/README.md). fuzz/ is a package of its own, so the
# instrumented build stays in fuzz/.build; new inputs and crashes go to
# fuzz/.work/<name>/ (not committed: copy a crash to fuzz/crashes/<name>/).
# Leak checking is off: LeakSanitizer cannot follow Swift's lazily made
# globals (the command catalog) and reports each once; memory growth is what
# `make soak` measures.
FUZZ_SECONDS ?= 600
FUZZ_FLAGS ?=
FUZZ_BUILD := swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz-%: deps
	@test -d fuzz/corpus/$* || { echo "no fuzz target '$*' (see fuzz/corpus/)"; exit 1; }
	cd fuzz && $(FUZZ_BUILD) --product fuzz-$*
	mkdir -p fuzz/.work/$*/corpus
	ASAN_OPTIONS=detect_leaks=0 fuzz/.build/release/fuzz-$* -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 -detect_leaks=0 \
	  -artifact_prefix=fuzz/.work/$*/ $(FUZZ_FLAGS) fuzz/.work/$*/corpus fuzz/corpus/$* \
	  $$(test -d fuzz/crashes/$* && echo fuzz/crashes/$*)

clean:
	rm -rf .build fuzz/.build fuzz/.work $(VENV)
