# make test: everything CI runs, from a bare machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := mariadb-server postgresql rabbitmq-server redis-server \
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 \
    libvirt-dev pkg-config libsystemd-dev systemd sudo
# The demo needs libvirtd and QEMU for its guest, and apt-get download for
# Pacemaker's tools (tools/pacemaker-tools.sh).
DEMO_APT_PACKAGES := libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients \
    qemu-system-x86 libvirt-dev pkg-config libsystemd-dev

.PHONY: test unit functional lint services system-packages venv cloud-venv clean \
    demo demo-stop

test: venv cloud-venv services
	$(PY) -m ruff check masakari masakarimonitors novasim tests tools
	$(PY) -m pytest -q -rs tests

# Python packages only: no system packages, no services.
unit: $(VENV)/.installed-unit
	$(PY) -m pytest -q tests/unit

$(VENV)/.installed-unit: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# The embedded default on this machine (SQLite, no broker, the Nova
# stand-in), a walk through three failures, and everything left running.
demo: APT_PACKAGES := $(DEMO_APT_PACKAGES)
demo: venv
	$(PY) tools/demo.py start

demo-stop:
	$(PY) tools/demo.py stop

functional: venv cloud-venv services
	$(PY) -m pytest -q tests/functional

lint: venv
	$(PY) -m ruff check masakari masakarimonitors novasim tests tools

.PHONY: docs samples

# The documentation in doc/build/html; the tests build it too, with
# warnings as errors.
docs: $(VENV)/.installed-unit
	$(PY) -m sphinx -q -W -b html doc/source doc/build/html

# Rewrite the files under etc/ that are generated from the code.
samples: $(VENV)/.installed-unit
	$(PY) tools/generate_samples.py

services: system-packages
	bash tools/start-services.sh

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; fi

# libvirt-python builds against libvirt-dev, systemd-python (the journal
# extra) against libsystemd-dev; the journald tests run systemd-journald.
venv: system-packages $(VENV)/.installed

# Keystone (for the auth tests), Placement, Glance and Nova (for the
# real-Nova end-to-end tests) in a virtualenv of their own.
cloud-venv:
	bash tools/cloud-venv.sh

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,monitors,journal]'
	touch $@

clean:
	rm -rf $(VENV) .venv-cloud build *.egg-info
