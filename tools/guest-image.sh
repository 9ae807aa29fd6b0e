#!/usr/bin/env bash
# Build the guest the introspective monitor tests boot under QEMU (TCG):
# a Debian 12 kernel and a hand-made initramfs whose /init loads the virtio
# console modules and runs a real qemu-ga on the port named
# org.qemu.guest_agent.0. Nothing else runs in the guest, so an NMI (the
# kernel is booted with unknown_nmi_panic=1) hangs it with the domain still
# RUNNING and the agent silent.
#
# Output: <dir>/vmlinuz and <dir>/initrd.img (default dir: <repo>/.guest,
# or $GUEST_DIR). Idempotent: does nothing when both exist.
# Packages come from Debian with `apt-get download` and are unpacked with
# `dpkg -x`; nothing is installed on the host. qemu-ga's shared libraries
# are copied from the host (ldd), falling back to nothing else.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${GUEST_DIR:-$REPO/.guest}
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console"

if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ]; then
    exit 0
fi

log() { echo "guest-image: $*" >&2; }

# The newest plain linux-image-6.1.0-N-amd64 (not -cloud/-rt); one named
# package, since a wildcard would fetch every ABI version.
kernel_package() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
        awk '{print $1}' | sort -V | tail -n 1
}

KPKG=$(kernel_package)
if [ -z "$KPKG" ]; then
    apt-get update -qq >&2
    KPKG=$(kernel_package)
fi
[ -n "$KPKG" ] || { log "no linux-image-6.1.0-*-amd64 in apt"; exit 1; }

WORK=$(mktemp -d /tmp/guest-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# apt-get download runs as _apt when it can write the directory.
chmod 0777 "$WORK"
mkdir "$WORK/debs" "$WORK/pkgs" "$WORK/initrd"
chmod 0777 "$WORK/debs"

log "downloading $KPKG busybox-static qemu-guest-agent"
(cd "$WORK/debs" &&
    apt-get download -q "$KPKG" busybox-static qemu-guest-agent >&2) || {
    apt-get update -qq >&2
    (cd "$WORK/debs" &&
        apt-get download -q "$KPKG" busybox-static qemu-guest-agent >&2)
}
for deb in "$WORK"/debs/*.deb; do
    dpkg -x "$deb" "$WORK/pkgs"
done

P=$WORK/pkgs
R=$WORK/initrd
KVER=${KPKG#linux-image-}
BUSYBOX=$P/bin/busybox

mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,var,modules}
ln -s ../run "$R/var/run"
cp "$BUSYBOX" "$R/bin/busybox"
cp "$P/usr/sbin/qemu-ga" "$R/usr/sbin/qemu-ga"

# qemu-ga's libraries (and the dynamic loader) at their host paths.
ldd "$P/usr/sbin/qemu-ga" | awk '
    /=> \// {print $3}
    /^[[:space:]]*\// {print $1}' | while read -r lib; do
    [ -e "$lib" ] || { log "missing library $lib"; exit 1; }
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
done
if ldd "$P/usr/sbin/qemu-ga" | grep -q 'not found'; then
    log "qemu-ga needs libraries the host lacks:"
    ldd "$P/usr/sbin/qemu-ga" | grep 'not found' >&2
    exit 1
fi

# The virtio modules; any of them may be built in (then absent here).
for mod in $MODULES; do
    found=$(find "$P/lib/modules/$KVER" -name "$mod.ko" -o -name "$mod.ko.xz" |
        head -n 1)
    if [ -z "$found" ]; then
        if grep -q "/$mod.ko" "$P/lib/modules/$KVER/modules.builtin"; then
            log "$mod is built in"
            continue
        fi
        log "module $mod not found in $KPKG"
        exit 1
    fi
    case $found in
        *.xz) xz -dc "$found" > "$R/modules/$mod.ko" ;;
        *) cp "$found" "$R/modules/$mod.ko" ;;
    esac
done

cat > "$R/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $MODULES; do
    [ -f /modules/\$m.ko ] && insmod /modules/\$m.ko
done
port=
for _ in \$(seq 1 100); do
    for p in /sys/class/virtio-ports/*; do
        [ "\$(cat \$p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] &&
            port=/dev/\${p##*/}
    done
    [ -n "\$port" ] && [ -e "\$port" ] && break
    sleep 0.1
done
if [ -n "\$port" ]; then
    echo "guest-image: qemu-ga on \$port"
    qemu-ga -m virtio-serial -p \$port -t /run &
else
    echo "guest-image: no org.qemu.guest_agent.0 port"
fi
# PID 1 must not exit.
while :; do sleep 3600; done
EOF
chmod 0755 "$R/init"

mkdir -p "$OUT"
(cd "$R" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
    gzip -9 > "$OUT/initrd.img.tmp"
cp "$P/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
echo "$KPKG" > "$OUT/kernel-package"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
log "built $OUT/vmlinuz ($KPKG) and $OUT/initrd.img"
