# nova.dgx: the two commands are `make demo` and `make test`; everything else is a step of them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
COLLECTION_LINK := .ansible/collections/ansible_collections/nova/dgx
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
export NO_COLOR := 1
# Test runs keep their journal out of the team's orchestration_journal/; make demo writes there.
TEST_JOURNAL := $(CURDIR)/build/journal
# Molecule scenarios run on the lab's base image, whose tag follows its build script.
export NOVA_LAB_IMAGE = $(shell scripts/build-lab-image --print)

.PHONY: help venv engine cache image standin setup lab lab-down demo test lint sanity unit molecule lab-test build bench clean

help:
	@echo "make demo   set up everything, start the lab, run site.yml against it"
	@echo "make test   set up everything, then Molecule, then the lab test beside lint, sanity and unit tests"
	@echo "steps: venv engine cache image standin setup lab lab-down lint sanity unit molecule lab-test build bench clean"

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ needed" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# pip itself pinned in requirements.txt, first. No byte-compiling at install: Python compiles what it imports on
	# first use, and most of the ~20,000 files (ansible's bundled collections) are never imported here (41 s to 16 s).
	$(BIN)/python -m pip install -q "$$(grep -E '^pip==' requirements.txt)"
	$(BIN)/python -m pip install -q --no-compile -r requirements.txt
	$(BIN)/python -m pip install -q --no-compile --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# The checkout itself is nova.dgx: link it where ansible.cfg's collections_path looks.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

venv: $(STAMP) $(COLLECTION_LINK)

engine:
	scripts/setup-host

# apt-cacher-ng for the lab's hosts and Molecule's instances (tests only; docs/testing.md).
cache: engine
	scripts/package-cache start

image: engine
	scripts/build-lab-image >/dev/null

# NVIDIA-named stand-in packages and the nvidia-ml-py wheel for the lab and Molecule (docs/testing.md).
standin: venv
	$(BIN)/python scripts/build-standin-repo >/dev/null

setup: venv cache image standin

lab: setup
	scripts/lab up

lab-down:
	scripts/lab down

demo: lab
	ansible-playbook site.yml

lint: venv
	yamllint --strict .
	ansible-lint --profile production --strict
	mypy
	# Python scripts one at a time: mypy names each of them __main__.
	for script in $$(grep -l -d skip '^#!/usr/bin/env python' scripts/*); do mypy "$$script"; done
	# Tools the roles install on hosts (run there with the host's python3).
	for tool in roles/*/files/*.py; do mypy "$$tool"; done

sanity: venv
	scripts/sanity

# Both cores (NOVA_UNIT_JOBS): most unit tests start ansible-playbook or a real server and wait.
# A file's tests stay in one worker: the runner's tests share the project's host locks (.runner/).
NOVA_UNIT_JOBS ?= 2
unit: venv
	pytest -q -n $(NOVA_UNIT_JOBS) --dist loadfile --durations=15 tests/unit

# Two scenarios at a time (NOVA_MOLECULE_JOBS); one: scripts/molecule-all NAME.
molecule: setup
	export NOVA_LAB_PLATFORM="$$(scripts/lab platform)"; \
	scripts/molecule-all

# The Done-when of the site playbook: a fresh lab, check mode first, converge, then changed=0.
lab-test: setup
	scripts/lab reset
	NOVA_DGX_JOURNAL_DIR=$(TEST_JOURNAL) pytest -q tests/integration

# Each stage timed; the table (stages, Molecule scenarios, lab tests) is printed at the end,
# pass or fail. The first failed stage stops the run.
# Beside the lab test, one lane: lint, sanity, then unit on one worker. It starts as the lab's first converge does,
# whose one-host plays leave a core idle for about ten minutes (docs/testing.md, Timings). Before that the lab's
# check runs use both cores.
TIMINGS := $(CURDIR)/build/timings.tsv
export NOVA_DGX_TIMINGS := $(TIMINGS)
BESIDE_THE_LAB := lab-test/test_check_mode_on_the_whole_fresh_fleet>lint+sanity+unit
test: venv
	@rm -f $(TIMINGS); scripts/timings begin; mark="$$(scripts/package-cache mark)"; status=0; \
	for stage in setup molecule "lab-test $(BESIDE_THE_LAB)"; do \
	  case "$$stage" in \
	    *" "*) NOVA_UNIT_JOBS=1 scripts/timings together $$stage || { status=1; break; } ;; \
	    *) scripts/timings run $$stage -- $(MAKE) --no-print-directory $$stage || { status=1; break; } ;; \
	  esac; \
	done; \
	scripts/timings report; scripts/package-cache stats "$$mark"; exit $$status

build: venv
	mkdir -p build
	ansible-galaxy collection build --force --output-path build .

# Not part of make test: prints side-by-side ratios (see docs/performance.md).
bench: venv
	scripts/benchmark

clean: lab-down
	rm -rf build .ansible
