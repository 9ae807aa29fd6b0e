#!/usr/bin/env bash
# Create .venv-keystone: a separate virtualenv holding a real Keystone and
# gunicorn for the functional tests. Keystone pins its own oslo/SQLAlchemy
# versions, so it must not share the project's .venv; the tests run it as a
# subprocess from here. Idempotent: a marker file records what was installed.
#
# Usage: tools/keystone-venv.sh            (from anywhere; paths are repo-relative)
# Env:   PYTHON (default python3), KEYSTONE_REQ (default keystone~=30.0)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv-keystone"
PYTHON=${PYTHON:-python3}
KEYSTONE_REQ=${KEYSTONE_REQ:-keystone~=30.0}
GUNICORN_REQ=${GUNICORN_REQ:-gunicorn}
MARKER="$VENV/.installed"
WANT="$KEYSTONE_REQ $GUNICORN_REQ"

if [ -f "$MARKER" ] && [ "$(head -n1 "$MARKER")" = "$WANT" ] \
        && [ -x "$VENV/bin/keystone-manage" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi

rm -f "$MARKER"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "$KEYSTONE_REQ" "$GUNICORN_REQ"
# Fail here, not in the tests, if the install is unusable.
"$VENV/bin/python" -W ignore -c 'import keystone.server.wsgi, gunicorn'
{
    echo "$WANT"
    "$VENV/bin/python" -m pip freeze | grep -iE '^(keystone|gunicorn)=='
} > "$MARKER"
