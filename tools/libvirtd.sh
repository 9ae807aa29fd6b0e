#!/usr/bin/env bash
# Start the local libvirtd (QEMU driver, TCG guests) the instance monitor
# tests use, when its socket does not answer. No systemd here: the daemons
# are started by hand, as root.
set -u

if virsh -c qemu:///system version >/dev/null 2>&1; then
    exit 0
fi

mkdir -p /var/log/libvirt/qemu /run/libvirt /etc/libvirt
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
# Guests run as root: with /dev/kvm present but closed to libvirt-qemu,
# libvirtd would find its capability cache stale and re-probe QEMU for
# about 45 s on every domain start.
if ! grep -qs '^user = "root"' /etc/libvirt/qemu.conf; then
    printf 'user = "root"\ngroup = "root"\n' >> /etc/libvirt/qemu.conf
fi

# A daemon killed with SIGKILL lingers as a zombie until PID 1 reaps it.
running() { ps -C "$1" -o stat= | grep -qv '^Z'; }
running virtlogd || virtlogd -d
running libvirtd || libvirtd -d

for _ in $(seq 1 60); do
    virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
    sleep 0.5
done
echo "libvirtd.sh: libvirtd did not answer on qemu:///system" >&2
exit 1
