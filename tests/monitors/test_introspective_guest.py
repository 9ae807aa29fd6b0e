"""masakari-introspectiveinstancemonitor against the real libvirtd, with a
QEMU TCG guest running a real qemu-ga.

The guest is a Debian kernel with a hand-made initramfs (tools/guest-image.sh,
built here when .guest/ is missing) whose only job is to run qemu-ga; an
NMI panics it while the domain stays RUNNING. A second guest has the agent
channel but no agent. The console script runs as a child process and
sends its notifications to the Keystone + Masakari stub.

libvirt answers a ping of a hung agent only after its guest-sync wait,
5 s by default whatever the command's timeout; a report then comes some
25 s after the NMI. The test guests lower that domain setting (the agent
response timeout) to keep the file short; the monitor does not see it.
"""
import contextlib
import os
import pathlib
import socket
import subprocess
import time
import uuid

import libvirt
import libvirt_qemu
import pytest

from tests.monitors import libvirt_guests
from tests.monitors import stub_api
from tests.monitors.daemon import REPO
from tests.monitors.daemon import Daemon
from tests.monitors.daemon import wait_for

GUEST_DIR = REPO / '.guest'
GUEST_IMAGE_SH = REPO / 'tools' / 'guest-image.sh'
PREFIX = 'mmintro-'
URI = libvirt_guests.URI
THRESHOLD = 3
# libvirt's guest-sync wait, per test domain (libvirt's default: 5 s).
AGENT_RESPONSE_TIMEOUT = 1
# Not what the notifications carry: they name the system, as upstream.
CONFIGURED_HOSTNAME = 'configured-compute'

AGENT_GUEST_XML = """<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 unknown_nmi_panic=1</cmdline>
  </os>
  <devices>
    <serial type='file'><source path='{console}'/></serial>
    {channel}
  </devices>
</domain>"""

SILENT_GUEST_XML = """<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices>{channel}</devices>
</domain>"""


def _unavailable(problem: str) -> None:
    if os.environ.get('CI') == 'true':
        pytest.fail(problem, pytrace=False)
    pytest.skip(problem)


class Guest:
    """A transient domain that can be destroyed and started again with
    the same UUID. Each call opens its own connection: other tests may
    restart libvirtd meanwhile."""

    def __init__(self, xml_template: str, directory: pathlib.Path,
                 **fields) -> None:
        tag = uuid.uuid4().hex[:8]
        # The owner's PID in the name: leftovers of dead runs can be told
        # from the guests of a run going on at the same time.
        self.name = f'{PREFIX}{os.getpid()}-{tag}'
        self.uuid = str(uuid.uuid4())
        self.console = directory / f'{self.name}.console'
        self.xml = xml_template.format(name=self.name, uuid=self.uuid,
                                       console=self.console,
                                       channel=libvirt_guests.agent_channel(tag),
                                       **fields)

    @contextlib.contextmanager
    def _domain(self):
        wait_for(libvirt_guests.libvirtd_answers, 60, 'libvirtd')
        conn = libvirt.open(URI)
        try:
            yield conn.lookupByName(self.name)
        finally:
            conn.close()

    def start(self) -> 'Guest':
        wait_for(libvirt_guests.libvirtd_answers, 60, 'libvirtd')
        conn = libvirt.open(URI)
        try:
            domain = conn.createXML(self.xml, 0)
            domain.agentSetResponseTimeout(AGENT_RESPONSE_TIMEOUT, 0)
        finally:
            conn.close()
        return self

    def state(self) -> int:
        with self._domain() as domain:
            return domain.state()[0]

    def agent_answers(self) -> bool:
        try:
            with self._domain() as domain:
                libvirt_qemu.qemuAgentCommand(
                    domain, '{"execute": "guest-ping"}', 1, 0)
        except libvirt.libvirtError:
            return False
        return True

    def wait_for_agent(self, timeout: float = 40) -> None:
        wait_for(self.agent_answers, timeout,
                 f'the agent of {self.name} (console: {self.console})',
                 interval=0.5)

    def inject_nmi(self) -> None:
        with self._domain() as domain:
            domain.injectNMI(0)

    def destroy(self) -> None:
        libvirt_guests.destroy(self.name)

    def close(self) -> None:
        # Wait for a libvirtd another test restarts rather than leave the
        # guest running.
        try:
            wait_for(libvirt_guests.libvirtd_answers, 30, 'libvirtd')
        except AssertionError:
            libvirt_guests.start_libvirtd()
        self.destroy()


def remove_dead_runs_guests() -> None:
    conn = libvirt.open(URI)
    try:
        names = [d.name() for d in conn.listAllDomains()]
    finally:
        conn.close()
    for name in names:
        owner = name[len(PREFIX):].split('-', 1)[0]
        if (name.startswith(PREFIX) and owner.isdigit()
                and not os.path.exists(f'/proc/{owner}')):
            libvirt_guests.destroy(name)


class Monitor(Daemon):
    """masakari-introspectiveinstancemonitor watching the tests' libvirtd."""

    def __init__(self, directory: pathlib.Path, api_options: dict) -> None:
        super().__init__('masakari-introspectiveinstancemonitor', directory, {
            'DEFAULT': {'hostname': CONFIGURED_HOSTNAME},
            'api': api_options,
            'libvirt': {'connection_uri': URI},
            'introspectiveinstancemonitor': {
                'guest_monitoring_interval': 1,
                'guest_monitoring_timeout': 1,
                'guest_monitoring_failure_threshold': THRESHOLD},
            'callback': {'retry_max': 2, 'retry_interval': 1},
        })

    def failed_pings(self, guest: Guest) -> int:
        return self.count(
            f'{guest.uuid}\tqemu-ga_guest-ping is not responding.')


@pytest.fixture(scope='module')
def guest_image():
    kernel, initrd = GUEST_DIR / 'vmlinuz', GUEST_DIR / 'initrd.img'
    if not (kernel.exists() and initrd.exists()):
        result = subprocess.run(['bash', str(GUEST_IMAGE_SH)],
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            _unavailable(f'tools/guest-image.sh failed: {result.stderr}')
    return kernel, initrd


@pytest.fixture(scope='module')
def libvirtd():
    if os.geteuid() != 0:
        _unavailable('qemu:///system needs root')
    libvirt_guests.require_libvirtd()
    remove_dead_runs_guests()


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp('introspective')


@pytest.fixture(scope='module')
def silent_guest(libvirtd, workdir):
    """The agent channel, but no agent: the iPXE ROM idles forever. Its
    failed pings, one a sweep, also tell the tests that sweeps happen."""
    guest = Guest(SILENT_GUEST_XML, workdir).start()
    yield guest
    guest.close()


@pytest.fixture(scope='module')
def agent_guest(libvirtd, guest_image, workdir):
    kernel, initrd = guest_image
    guest = Guest(AGENT_GUEST_XML, workdir, kernel=kernel, initrd=initrd)
    yield guest.start()
    guest.close()


@pytest.fixture(scope='module')
def monitor(stub_server, silent_guest, workdir):
    daemon = Monitor(workdir, stub_server.api_options())
    try:
        wait_for(lambda: daemon.failed_pings(silent_guest) >= 1, 30,
                 'the first sweep')
        yield daemon
    finally:
        daemon.stop()


def sent_for(stub: stub_api.StubAPI, guest: Guest) -> list[dict]:
    return [n['notification'] for n in stub.notifications
            if n['notification']['payload'].get('instance_uuid')
            == guest.uuid]


def wait_for_sweeps(monitor: Monitor, clock_guest: Guest, count: int,
                    timeout: float = 60) -> None:
    """Until ``count`` more sweeps have reached ``clock_guest``."""
    target = monitor.failed_pings(clock_guest) + count
    wait_for(lambda: monitor.failed_pings(clock_guest) >= target, timeout,
             f'{count} sweeps')


def test_healthy_agent_guest_is_not_reported(monitor, stub, agent_guest,
                                             silent_guest):
    agent_guest.wait_for_agent()
    wait_for_sweeps(monitor, silent_guest, 1)
    failed = monitor.failed_pings(agent_guest)
    wait_for_sweeps(monitor, silent_guest, 3)
    assert monitor.failed_pings(agent_guest) == failed
    assert sent_for(stub, agent_guest) == []


def test_hung_guest_is_reported_once_until_it_starts_again(
        monitor, stub, agent_guest, silent_guest):
    agent_guest.wait_for_agent()
    wait_for_sweeps(monitor, silent_guest, 2)
    assert agent_guest.state() == libvirt.VIR_DOMAIN_RUNNING

    before = monitor.failed_pings(agent_guest)
    agent_guest.inject_nmi()
    hung = time.monotonic()
    wait_for(lambda: sent_for(stub, agent_guest), 90, 'the first report')
    print(f'reported {time.monotonic() - hung:.1f} s after the NMI')
    [notification] = sent_for(stub, agent_guest)
    assert notification['type'] == 'VM'
    assert notification['hostname'] == socket.gethostname()
    assert notification['payload'] == {
        'event': 'QEMU_GUEST_AGENT_ERROR',
        'instance_uuid': agent_guest.uuid,
        'vir_domain_event': 'STOPPED_FAILED'}
    assert f'_thresholdsCrossing:{agent_guest.uuid}' in monitor.text()
    # The notification went out on the (threshold + 2)-th failed ping.
    assert monitor.failed_pings(agent_guest) - before == THRESHOLD + 2
    assert agent_guest.state() == libvirt.VIR_DOMAIN_RUNNING

    # Still hung, still one notification.
    failed = monitor.failed_pings(agent_guest)
    wait_for(lambda: monitor.failed_pings(agent_guest) >= failed + 2, 30,
             'two more failed pings')
    assert len(sent_for(stub, agent_guest)) == 1

    # Started again (same UUID): the STARTED event resets the journal and
    # the next failure is reported again.
    agent_guest.destroy()
    agent_guest.start()
    wait_for(lambda: f'{agent_guest.uuid}__resetState__:' in monitor.text(),
             30, 'the journal reset')
    agent_guest.wait_for_agent()
    wait_for_sweeps(monitor, silent_guest, 2)
    assert len(sent_for(stub, agent_guest)) == 1
    agent_guest.inject_nmi()
    wait_for(lambda: len(sent_for(stub, agent_guest)) >= 2, 90,
             'the second report')
    assert [n['payload']['event'] for n in sent_for(stub, agent_guest)] == [
        'QEMU_GUEST_AGENT_ERROR'] * 2


def test_guest_without_agent_is_never_reported(monitor, stub, silent_guest):
    # Well past threshold + 2 failed pings, but never a good one.
    wait_for(lambda: monitor.failed_pings(silent_guest) >= THRESHOLD + 4, 60,
             'failed pings of the guest without agent')
    assert sent_for(stub, silent_guest) == []
    assert 'qemu-ga_guest-ping is not responding.' in monitor.text()
    assert (f'notifier.send_notification Skipped:{silent_guest.uuid}'
            not in monitor.text())


def test_monitor_stops_on_sigterm(monitor):
    assert monitor.process.poll() is None
    assert monitor.stop() == 0
    assert ('Stopping masakarimonitors-introspectiveinstancemonitor'
            in monitor.text())
