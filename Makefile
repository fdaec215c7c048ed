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
	logrotate certbot pebble openssl procps git curl cron docker.io docker-compose debootstrap
PYTEST_ARGS ?=

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LOCAL_TEMP := $(BUILD)/ansible-tmp
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help deps apt venv django-venv collection pm2 test unit integration sanity lint demo bench clean awx-venv \
	molecule bench-runs

help:
	@echo "make demo   - set up, start the local sandbox and run the maintenance job"
	@echo "make test   - set up and run every test (unit, integration, sanity, lint)"
	@echo "make bench  - benchmark backups against the runbooks' commands (about 1 GB)"
	@echo "make molecule - the Molecule scenarios of extensions/molecule (part of make test)"
	@echo "make bench-runs - the daily playbook against 1, 10 and 20 hosts"

deps: apt venv collection pm2 django-venv

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

# A real Django (from PyPI) for the django_update tests; Django 5.2 LTS runs on Python 3.11.
DJANGO_VENV := $(BUILD)/django-venv
$(DJANGO_VENV)/.installed:
	python3 -m venv $(DJANGO_VENV)
	$(DJANGO_VENV)/bin/pip install -q --disable-pip-version-check "Django>=5.2,<5.3" "psycopg[binary]>=3.2,<3.4"
	touch $@

django-venv: $(DJANGO_VENV)/.installed

# PM2 for the tests (pm2 module, pm2 role): npm's global install into a prefix under build/, never into /usr.
PM2_PREFIX := $(BUILD)/npm
PM2 := $(PM2_PREFIX)/bin/pm2
PM2_VERSION := 7.0.4

$(PM2): | apt
	npm install -g --silent --no-audit --no-fund --prefix $(PM2_PREFIX) pm2@$(PM2_VERSION) >/dev/null

pm2: $(PM2)

collection:
	@mkdir -p $(dir $(COLL_LINK)) $(ANSIBLE_LOCAL_TEMP)
	@ln -sfn $(ROOT) $(COLL_LINK)

unit: deps
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

integration: deps awx-venv
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

# The full `ansible` package (about 480 MB) in a venv of its own, only for the AWX tests
# (tests/integration/awx) and the lint of extensions/awx: it is the offline source of awx.awx.
AWX_ANSIBLE := 12.3.0
AWX_VENV := $(BUILD)/awx-venv
AWX_COLLECTIONS := $(AWX_VENV)/lib/python3.11/site-packages

$(AWX_VENV)/.installed:
	python3 -m venv $(AWX_VENV)
	$(AWX_VENV)/bin/pip install -q --disable-pip-version-check ansible==$(AWX_ANSIBLE)
	touch $@

awx-venv: $(AWX_VENV)/.installed

lint: deps awx-venv
	@# ansible-lint installs the checkout as a collection into $$ANSIBLE_HOME/collections (~/.ansible by
	@# default, shared by every checkout on the machine): give this checkout its own.
	ANSIBLE_HOME=$(BUILD)/ansible-home ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS):$(AWX_COLLECTIONS) \
	  $(VENV)/bin/ansible-lint --profile production --offline

test: deps awx-venv
	$(PY) -m pytest tests/unit tests/integration $(PYTEST_ARGS)
	$(MAKE) --no-print-directory molecule sanity lint

# Every scenario of extensions/molecule against one set of services started once (tools/molecule_run.py:
# PostgreSQL, an SSH host, PM2, an HTTPS endpoint, Pebble, a Django project; a private docker engine for
# multihost_docker, whose driver needs community.docker from the awx-venv);
# `make molecule SCENARIOS="pg_backup daily"` runs some.
SCENARIOS ?=
molecule: deps awx-venv
	$(PY) tools/molecule_run.py $(SCENARIOS)

# The daily playbook against 1, 10 and 20 local hosts: build/bench/runs.{json,md}.
bench-runs: deps
	$(PY) tools/bench_runs.py

demo: deps
	$(PY) tools/demo.py

bench: deps
	$(PY) tools/bench.py

clean:
	rm -rf $(BUILD) tests/output
