# saasops.maintenance: set-up, tests, demo and benchmark from a fresh Debian 12 machine (as root).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV ?= $(ROOT)/.venv
PY := $(VENV)/bin/python
BUILD := $(ROOT)/build
# The collection as Ansible finds it: build/collections/ansible_collections/saasops/maintenance -> checkout
COLLECTIONS := $(BUILD)/collections
COLL_LINK := $(COLLECTIONS)/ansible_collections/saasops/maintenance
SANITY_ROOT := $(BUILD)/sanity/ansible_collections/saasops/maintenance

APT_PACKAGES := postgresql postgresql-contrib zstd rsync openssh-server openssh-client iproute2 \
	logrotate certbot pebble openssl procps git curl
PYTEST_ARGS ?=

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LOCAL_TEMP := $(BUILD)/ansible-tmp
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help deps apt venv collection pm2 test unit integration sanity lint demo bench clean

help:
	@echo "make demo   - set up, start the local sandbox and run the maintenance job"
	@echo "make test   - set up and run every test (unit, integration, sanity, lint)"
	@echo "make bench  - benchmark backups against the runbooks' commands (about 1 GB)"

deps: apt venv collection pm2

# Debian packages: installed only when one is missing (no services are started by apt here).
apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# Node.js may come from another source (it then ships npm itself): only install Debian's when absent.
	@command -v npm >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; \
	  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }

$(VENV)/.installed: requirements.txt constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed

# PM2 for the tests (pm2 module, pm2 role): npm's global install into a prefix under build/, never into /usr.
PM2_PREFIX := $(BUILD)/npm
PM2 := $(PM2_PREFIX)/bin/pm2

$(PM2): | apt
	npm install -g --silent --no-audit --no-fund --prefix $(PM2_PREFIX) pm2 >/dev/null

pm2: $(PM2)

collection:
	@mkdir -p $(dir $(COLL_LINK)) $(ANSIBLE_LOCAL_TEMP)
	@ln -sfn $(ROOT) $(COLL_LINK)

unit: deps
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

integration: deps
	$(PY) -m pytest -q tests/integration $(PYTEST_ARGS)

# ansible-test needs the collection at .../ansible_collections/saasops/maintenance (a copy, not a link).
ANSIBLE_TEST_PIP := 24.2
ANSIBLE_TEST_GET_PIP := $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP)).py

# ansible-test bootstraps pip in its venvs with a script it downloads from a host outside the
# package registries; tools/ansible_test_get_pip.py does that job from the pip wheel instead.
$(ANSIBLE_TEST_GET_PIP): tools/ansible_test_get_pip.py
	@mkdir -p $(BUILD)/pip-wheel $(dir $@)
	$(VENV)/bin/pip download -q --no-deps -d $(BUILD)/pip-wheel pip==$(ANSIBLE_TEST_PIP)
	sed 's|^WHEEL_DIR = .*|WHEEL_DIR = "$(BUILD)/pip-wheel"|' $< > $@

sanity: deps $(ANSIBLE_TEST_GET_PIP)
	@mkdir -p $(SANITY_ROOT)
	rsync -a --delete --exclude .git --exclude .venv --exclude build --exclude tests/output \
	  --exclude __pycache__ --exclude .pytest_cache $(ROOT)/ $(SANITY_ROOT)/
	@# its own git repo, or ansible-test sees the copy through this checkout's .gitignore (build/) and skips it
	cd $(SANITY_ROOT) && { [ -d .git ] || git init -q; } && git add -A && \
	  $(VENV)/bin/ansible-test sanity --python 3.11 --color no

# ansible-lint installs the checkout as a collection into $$ANSIBLE_HOME/collections (~/.ansible by
# default, shared by every checkout on the machine): give each checkout its own, or concurrent runs
# lint each other's copy.
lint: deps
	ANSIBLE_HOME=$(BUILD)/ansible-home $(VENV)/bin/ansible-lint --profile production --offline

test: deps
	$(PY) -m pytest tests/unit tests/integration $(PYTEST_ARGS)
	$(MAKE) --no-print-directory sanity lint

demo: deps
	$(PY) tools/demo.py

bench: deps
	$(PY) tools/bench.py

clean:
	rm -rf $(BUILD) tests/output
