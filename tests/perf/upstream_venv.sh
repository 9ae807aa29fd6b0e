#!/bin/sh
# Creates the venv of upstream masakari 22.0.0 that
# `python -m tests.perf.bench_api --target upstream` runs against, and that
# tests/functional/test_db_upstream.py keeps in .upstream/masakari (ignored
# by git).
#
#     sh tests/perf/upstream_venv.sh [VENV]   (default /work/upstream-masakari/venv)
set -eu

VENV=${1:-/work/upstream-masakari/venv}
VERSION=22.0.0
PYTHON=${PYTHON:-python3.11}

if [ -x "$VENV/bin/masakari-api" ] &&
   "$VENV/bin/python" -I -c "import importlib.metadata as m, sys; import pymysql, psycopg2; sys.exit(m.version('masakari') != '$VERSION')" 2>/dev/null; then
    echo "upstream masakari $VERSION already in $VENV"
    exit 0
fi

mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
# Upstream depends on no database driver itself.
"$VENV/bin/pip" install --quiet "masakari==$VERSION" PyMySQL psycopg2-binary
test -f "$VENV/etc/masakari/api-paste.ini"
echo "upstream masakari $VERSION installed in $VENV"
