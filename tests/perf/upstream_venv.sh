#!/bin/sh
# Creates the venv of upstream masakari 22.0.0 that
# `python -m tests.perf.bench_api --target upstream` runs against.
#
#     sh tests/perf/upstream_venv.sh [VENV]   (default /work/upstream-masakari/venv)
#
# Kept outside the repository: none of upstream's files belong in it.
set -eu

VENV=${1:-/work/upstream-masakari/venv}
VERSION=22.0.0
PYTHON=${PYTHON:-python3.11}

if [ -x "$VENV/bin/masakari-api" ] &&
   "$VENV/bin/python" -I -c "import importlib.metadata as m, sys; sys.exit(m.version('masakari') != '$VERSION')" 2>/dev/null; then
    echo "upstream masakari $VERSION already in $VENV"
    exit 0
fi

mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
# PyMySQL: upstream does not depend on a MariaDB driver itself.
"$VENV/bin/pip" install --quiet "masakari==$VERSION" PyMySQL
test -f "$VENV/etc/masakari/api-paste.ini"
echo "upstream masakari $VERSION installed in $VENV"
