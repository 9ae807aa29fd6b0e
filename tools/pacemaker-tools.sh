#!/usr/bin/env bash
# Put Pacemaker 2.1.5's command line tools (cibadmin, crm_mon, crm_simulate)
# from the Debian 12 packages into a private root, without installing
# pacemaker into the system: its postinst wants to start daemons. The
# hostmonitor tests run the tools on static CIB files:
#
#   CIB_file=cib.xml \
#   LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib \
#   PCMK_schema_directory=$ROOT/usr/share/pacemaker \
#   $ROOT/usr/sbin/cibadmin --query
#
# Usage: tools/pacemaker-tools.sh [ROOT]   (default: <repo>/.pacemaker)
# Idempotent: exits at once when the tools are already there.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$repo/.pacemaker}

tools_present() {
    [ -x "$root/usr/sbin/cibadmin" ] && [ -x "$root/usr/sbin/crm_mon" ] &&
        [ -x "$root/usr/sbin/crm_simulate" ] &&
        [ -d "$root/usr/share/pacemaker" ] && [ -e "$root/.complete" ]
}

if tools_present; then
    exit 0
fi

# The pacemaker, cluster-glue and corosync libraries the tools link to.
packages="pacemaker-cli-utils pacemaker-common libcib27 libcrmcommon34
libcrmservice28 liblrmd28 libpacemaker1 libpe-rules26 libpe-status28 libqb100
libstonithd26 libpils2 libplumb2 libstonith1 libltdl7 libcorosync-common4
libcfg7 libcmap4 libcpg4 libquorum5"
# Ordinary system libraries they need too; fetched only when missing.
for lib in libxml2 libxslt1.1 libglib2.0-0 libgnutls30 libncurses6 \
        libtinfo6 libbz2-1.0 libuuid1 libdbus-1-3 libsystemd0; do
    if ! dpkg-query -W -f='${Status}' "$lib" 2>/dev/null |
            grep -q 'install ok installed'; then
        packages="$packages $lib"
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2086  # the list is meant to split
if ! (cd "$work" && apt-get download $packages >"$work/download.log" 2>&1); then
    cat "$work/download.log" >&2
    echo "pacemaker-tools.sh: apt-get download failed (try apt-get update)" >&2
    exit 1
fi

rm -rf "$root"
mkdir -p "$root"
for deb in "$work"/*.deb; do
    dpkg -x "$deb" "$root"
done

libs="$root/usr/lib/x86_64-linux-gnu:$root/usr/lib"
if ! CIB_file=/dev/null LD_LIBRARY_PATH=$libs \
        "$root/usr/sbin/cibadmin" --version >/dev/null; then
    echo "pacemaker-tools.sh: cibadmin from $root does not run" >&2
    exit 1
fi
touch "$root/.complete"
echo "pacemaker-tools.sh: Pacemaker tools ready in $root"
