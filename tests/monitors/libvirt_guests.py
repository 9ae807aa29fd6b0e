"""QEMU TCG guests on the local libvirtd, and libvirtd itself.

Shared by the instance monitor tests and benchmarks. A guest is a
transient 64 MiB domain without disk that idles in the network boot ROM;
it starts in well under a second. Every guest name starts with ``PREFIX``
so leftovers of an interrupted run can be found and destroyed.
"""
import os
import pathlib
import signal
import subprocess
import uuid

import libvirt
import psutil
import pytest

from tests.monitors.daemon import wait_for

URI = 'qemu:///system'
PREFIX = 'mmtest-'
REPO = pathlib.Path(__file__).resolve().parents[2]
LIBVIRTD_SH = REPO / 'tools' / 'libvirtd.sh'

GUEST_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices>
</domain>"""


def agent_channel(tag: str) -> str:
    """A QEMU guest-agent channel whose socket path matches the
    introspective monitor's default qemu_guest_agent_sock_path."""
    path = (f'/var/lib/libvirt/qemu/org.qemu.guest_agent.0.instance-'
            f'{tag}.sock')
    return (f"<channel type='unix'><source mode='bind' path='{path}'/>"
            f"<target type='virtio' name='org.qemu.guest_agent.0'/>"
            f"</channel>")


def unique_name(tag: str) -> str:
    return f'{PREFIX}{tag}-{uuid.uuid4().hex[:8]}'


def connect() -> libvirt.virConnect:
    return libvirt.open(URI)


class Guest:
    """One running transient guest."""

    def __init__(self, conn: libvirt.virConnect, name: str,
                 devices: str = '') -> None:
        self.conn = conn
        self.name = name
        self.domain = conn.createXML(
            GUEST_XML.format(name=name, devices=devices), 0)
        self.uuid = self.domain.UUIDString()

    @classmethod
    def start(cls, tag: str, conn: libvirt.virConnect | None = None
              ) -> 'Guest':
        return cls(conn or connect(), unique_name(tag))

    def qemu_pid(self, timeout: float = 10) -> int:
        return wait_for(lambda: qemu_pid(self.name), timeout,
                        f'a qemu process for {self.name}', interval=0.01)

    def kill9(self) -> int:
        """SIGKILL the guest's qemu, as a crash would (STOPPED_FAILED)."""
        pid = self.qemu_pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def virsh(self, *command: str) -> None:
        subprocess.run(['virsh', '-q', '-c', URI, *command, self.name],
                       check=True, capture_output=True, timeout=30)

    def remove(self) -> None:
        # SIGKILL first: a plain destroy waits ~1.5 s for qemu to take
        # SIGTERM under TCG.
        pid = qemu_pid(self.name)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        destroy(self.name)


def qemu_pid(name: str) -> int | None:
    """The qemu process whose ``-name guest=<name>,...`` is ``name``."""
    for proc in psutil.process_iter(['pid', 'cmdline', 'status']):
        if proc.info['status'] == psutil.STATUS_ZOMBIE:
            continue
        for arg in proc.info['cmdline'] or ():
            if arg == f'guest={name}' or arg.startswith(f'guest={name},'):
                return proc.info['pid']
    return None


def destroy(name: str) -> None:
    try:
        conn = connect()
    except libvirt.libvirtError:
        return
    try:
        domain = conn.lookupByName(name)
        if domain.isActive():
            domain.destroy()
        if domain.isPersistent():
            domain.undefine()
    except libvirt.libvirtError:
        pass
    finally:
        conn.close()


def remove_leftovers(prefix: str = PREFIX) -> None:
    """Destroy the guests of this and of earlier interrupted runs."""
    try:
        conn = connect()
    except libvirt.libvirtError:
        return
    try:
        names = [d.name() for d in conn.listAllDomains()]
    finally:
        conn.close()
    for name in names:
        if name.startswith(prefix):
            destroy(name)


# libvirtd ----------------------------------------------------------------

def libvirtd_answers() -> bool:
    try:
        libvirt.open(URI).close()
    except libvirt.libvirtError:
        return False
    return True


def libvirtd_pids() -> list[int]:
    return [p.info['pid'] for p in psutil.process_iter(['pid', 'name',
                                                       'status'])
            if p.info['name'] == 'libvirtd'
            and p.info['status'] != psutil.STATUS_ZOMBIE]


def kill_libvirtd() -> None:
    """SIGKILL libvirtd and wait until the process is gone for good.

    tools/libvirtd.sh starts no new daemon while ``pgrep -x libvirtd``
    still sees the old one, and a killed libvirtd stays a zombie for a
    second or more until PID 1 reaps it.
    """
    pids = libvirtd_pids()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_for(lambda: not any(os.path.exists(f'/proc/{pid}') for pid in pids),
             30, 'libvirtd gone from the process table', interval=0.02)


def start_libvirtd() -> None:
    result = subprocess.run(['bash', str(LIBVIRTD_SH)], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0 or not libvirtd_answers():
        raise RuntimeError(f'tools/libvirtd.sh failed: {result.stderr}')


def require_libvirtd() -> None:
    """Start libvirtd when it does not answer. When it cannot be reached
    the test is skipped, or fails when CI=true."""
    problem = None
    if os.geteuid() != 0:
        problem = 'qemu:///system needs root'
    elif not libvirtd_answers():
        try:
            start_libvirtd()
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            problem = f'libvirtd is not answering on {URI}: {error}'
    if problem:
        if os.environ.get('CI') == 'true':
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
