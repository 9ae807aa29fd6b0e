#!/bin/sh
# Creates the venv of upstream masakari-monitors 22.0.0 that
# `python -m tests.perf.bench_monitors --target upstream` runs.
#
#     sh tests/perf/upstream_monitors_venv.sh [VENV]
#         (default /work/upstream-masakari-monitors/venv)
#
# Kept outside the repository: none of upstream's files belong in it.
set -eu

VENV=${1:-/work/upstream-masakari-monitors/venv}
VERSION=22.0.0
PYTHON=${PYTHON:-python3.11}

if [ -x "$VENV/bin/masakari-instancemonitor" ] &&
   "$VENV/bin/python" -I -c "import importlib.metadata as m, sys; sys.exit(m.version('masakari-monitors') != '$VERSION')" 2>/dev/null; then
    echo "upstream masakari-monitors $VERSION already in $VENV"
    exit 0
fi

mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
# libvirt-python: upstream leaves the binding to the distribution.
"$VENV/bin/pip" install --quiet "masakari-monitors==$VERSION" \
    "libvirt-python==$(pkg-config --modversion libvirt)"
echo "upstream masakari-monitors $VERSION installed in $VENV"
