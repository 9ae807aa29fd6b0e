#!/usr/bin/env bash
# Create .venv-cloud: Keystone, Placement, Glance and Nova from PyPI, with
# gunicorn and PyMySQL, for the real-Nova end-to-end tests
# (tests/support/realcloud.py). The services pin their own oslo/SQLAlchemy
# versions, so they get a virtualenv of their own; the tests run them as
# subprocesses from here. Idempotent: a marker file records what was installed.
#
# Usage: tools/cloud-venv.sh            (from anywhere; paths are repo-relative)
# Env:   PYTHON (default python3), CLOUD_REQS (the requirement list below)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv-cloud"
PYTHON=${PYTHON:-python3}
CLOUD_REQS=${CLOUD_REQS:-keystone~=30.0 openstack-placement~=16.0 glance~=33.0 nova~=34.0 gunicorn pymysql}
MARKER="$VENV/.installed"

if [ -f "$MARKER" ] && [ "$(head -n1 "$MARKER")" = "$CLOUD_REQS" ] \
        && [ -x "$VENV/bin/nova-compute" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi

rm -f "$MARKER"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# shellcheck disable=SC2086  # the list is meant to split into requirements
"$VENV/bin/python" -m pip install -q $CLOUD_REQS
# Fail here, not in the tests, if the install is unusable.
"$VENV/bin/python" -W ignore -c 'import keystone.server.wsgi, placement.wsgi, glance.common.wsgi_app, nova.api.openstack.wsgi_app, gunicorn, pymysql'
{
    echo "$CLOUD_REQS"
    "$VENV/bin/python" -m pip freeze | grep -iE '^(keystone|openstack-placement|glance|nova|gunicorn|pymysql)=='
} > "$MARKER"
