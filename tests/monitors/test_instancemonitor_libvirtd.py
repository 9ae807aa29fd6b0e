"""masakari-instancemonitor as a daemon against the real libvirtd with QEMU
TCG guests.

The console script runs as a child process; its notifications go over HTTP
to the Keystone + Masakari stub, and for the crash case also to the
project's masakari-api behind a real Keystone. Tests that kill libvirtd
start it again whatever happens, since other tests use it.
"""
import pathlib
import re
import signal
import time

import pytest

from tests.monitors import libvirt_guests
from tests.monitors.daemon import Daemon
from tests.monitors.daemon import wait_for
from tests.support import keystone as ks

BINARY = 'masakarimonitors-instancemonitor'
HOSTNAME = 'compute-1'   # the host the real_api fixture registers
CONNECTED = 'Registered libvirt event callbacks'
CLOSED = 'WARNING masakarimonitors.instancemonitor.instance [-] ' \
         'Libvirt Connection Closed Unexpectedly.'


class Monitor(Daemon):
    """masakari-instancemonitor connected to the libvirtd of the tests."""

    def __init__(self, directory: pathlib.Path, api_options: dict) -> None:
        super().__init__('masakari-instancemonitor', directory, {
            'DEFAULT': {'hostname': HOSTNAME},
            'api': api_options,
            'libvirt': {'connection_uri': libvirt_guests.URI},
            'callback': {'retry_max': 3, 'retry_interval': 1},
        })
        self.wait_connected(1)

    def wait_connected(self, count: int, timeout: float = 30) -> None:
        self.wait_for_log(CONNECTED, timeout, count)


@pytest.fixture(scope='module')
def libvirtd():
    libvirt_guests.require_libvirtd()
    libvirt_guests.remove_leftovers()
    yield
    restore_libvirtd()
    libvirt_guests.remove_leftovers()


def restore_libvirtd() -> None:
    if not libvirt_guests.libvirtd_answers():
        libvirt_guests.start_libvirtd()


@pytest.fixture
def guests(libvirtd):
    started = []

    def start(tag: str) -> libvirt_guests.Guest:
        guest = libvirt_guests.Guest.start(tag)
        started.append(guest)
        return guest
    yield start
    for guest in started:
        guest.remove()


@pytest.fixture(scope='module')
def monitor(libvirtd, stub_server, tmp_path_factory):
    daemon = Monitor(tmp_path_factory.mktemp('instancemonitor'),
                     stub_server.api_options())
    yield daemon
    daemon.close()


def _line_with(text: str, message: str, domain_uuid: str) -> str | None:
    for line in text.splitlines():
        if message in line and domain_uuid in line:
            return line
    return None


def _sent_for(stub, guest) -> list[dict]:
    return [n['notification'] for n in stub.notifications
            if n['notification']['payload']['instance_uuid'] == guest.uuid]


def _wait_sent(stub, guest, count: int = 1, timeout: float = 15):
    return wait_for(lambda: len(_sent_for(stub, guest)) >= count and
                    _sent_for(stub, guest), timeout,
                    f'{count} notification(s)')


def _vm(guest, event: str, detail: str) -> dict:
    return {'event': event, 'instance_uuid': guest.uuid,
            'vir_domain_event': detail}


def _assert_crash_reported(monitor, stub, guest) -> None:
    guest.kill9()
    [sent] = _wait_sent(stub, guest)
    assert sent['type'] == 'VM' and sent['hostname'] == HOSTNAME
    assert sent['payload'] == _vm(guest, 'LIFECYCLE', 'STOPPED_FAILED')
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}',
                        sent['generated_time'])
    monitor.wait_for_log(f"'instance_uuid': '{guest.uuid}'")
    time.sleep(0.5)                   # nothing else arrives for this guest
    assert len(_sent_for(stub, guest)) == 1


def test_qemu_killed_sends_one_stopped_failed(monitor, stub, guests):
    guest = guests('kill')
    _assert_crash_reported(monitor, stub, guest)
    text = monitor.text()
    assert re.search(
        r'INFO masakarimonitors\.instancemonitor\.libvirt_handler\.callback '
        rf'\[-\] Libvirt Event: type=VM, hostname={HOSTNAME}, '
        rf'uuid={guest.uuid}, time=\d{{4}}-\d\d-\d\d '
        r'\d\d:\d\d:\d\d\.\d{6}, event_id=LIFECYCLE, detail=STOPPED_FAILED\)'
        '\n', text)
    assert re.search(
        r'DEBUG masakarimonitors\.instancemonitor\.libvirt_handler\.'
        r'eventfilter \[-\] libvirt Event Received\.type = VM {13}'
        rf'hostname = {HOSTNAME} uuid = {guest.uuid} time = \S+ \S+ '
        r'eventID = 0 eventType = 5 {13}detail = 5 ', text)
    sent = _line_with(text, 'INFO masakarimonitors.ha.masakari [-] Send a '
                      'notification. {', guest.uuid)
    assert "'generated_time': datetime.datetime(" in sent
    assert "'vir_domain_event': 'STOPPED_FAILED'" in sent
    response = wait_for(lambda: _line_with(monitor.text(), 'INFO masakari'
                                           'monitors.ha.masakari [-] '
                                           'Response: ', guest.uuid),
                        5, 'the response')
    assert 'status=new' in response


def test_virsh_destroy_sends_stopped_destroyed_only(monitor, stub, guests):
    guest = guests('destroy')
    guest.virsh('destroy')
    [sent] = _wait_sent(stub, guest)
    assert sent['payload'] == _vm(guest, 'LIFECYCLE', 'STOPPED_DESTROYED')
    # SHUTDOWN/HOST (6,2) came first and was dropped.
    received = re.findall(rf'uuid = {guest.uuid} time = \S+ \S+ eventID = '
                          r'(\d+) eventType = (\d+) +detail = (\d+) .*\n'
                          r'.* \[-\] (Event Filter \w+\.|virEventFilter \w+)',
                          monitor.text())
    assert ('0', '6', '2', 'Event Filter Unmatched.') in received
    assert ('0', '5', '1', 'Event Filter Matched.') in received
    time.sleep(0.5)
    assert len(_sent_for(stub, guest)) == 1
    assert 'event_id=LIFECYCLE, detail=STOPPED_DESTROYED)' in monitor.text()


def test_virsh_reset_sends_reboot(monitor, stub, guests):
    guest = guests('reset')
    guest.qemu_pid()
    guest.virsh('reset')
    sent = _wait_sent(stub, guest)
    assert all(n['payload'] == _vm(guest, 'REBOOT', 'UNKNOWN')
               for n in sent)
    monitor.wait_for_log(f'uuid={guest.uuid}, time=')
    assert 'event_id=REBOOT, detail=UNKNOWN)' in monitor.text()


def test_libvirtd_killed_and_restarted_is_reconnected(monitor, stub, guests):
    connected = monitor.count(CONNECTED)
    closed = monitor.count(CLOSED)
    try:
        libvirt_guests.kill_libvirtd()
        libvirt_guests.start_libvirtd()
        monitor.wait_connected(connected + 1)
    finally:
        restore_libvirtd()
    assert monitor.count(CLOSED) > closed
    text = monitor.text()
    assert 'Failed to deregister libvirt event callback' in text
    assert monitor.process.poll() is None
    _assert_crash_reported(monitor, stub, guests('after-restart'))


def test_libvirtd_down_longer_than_reconnect_delay(monitor, stub, guests):
    # Upstream exits at the first failed open; this monitor keeps
    # trying until libvirtd is back.
    failed = 'Failed to connect to qemu:///system, retrying in 3 seconds.'
    connected = monitor.count(CONNECTED)
    failures = monitor.count(failed)
    try:
        libvirt_guests.kill_libvirtd()
        monitor.wait_for_log(failed, timeout=15, count=failures + 1)
        assert "Error from libvirt : Failed to connect socket to " \
               "'/var/run/libvirt/libvirt-sock-ro'" in monitor.text()
        libvirt_guests.start_libvirtd()
        monitor.wait_connected(connected + 1)
    finally:
        restore_libvirtd()
    assert monitor.process.poll() is None
    assert 'Error starting thread.' not in monitor.text()
    _assert_crash_reported(monitor, stub, guests('after-outage'))


def test_sigterm_stops_promptly(monitor):
    started = time.monotonic()
    monitor.process.send_signal(signal.SIGTERM)
    assert monitor.process.wait(10) == 0
    assert time.monotonic() - started < 5
    text = monitor.text()
    assert f'INFO masakarimonitors.service [-] Stopping {BINARY}' in text
    assert text.count(f'Starting {BINARY}') == 1
    assert 'Error starting thread.' not in text


# The real masakari-api behind the real Keystone -----------------------------

def test_crash_reaches_the_real_masakari_api(libvirtd, keystone, real_api,
                                             guests, tmp_path):
    creds = ks.ADMIN
    daemon = Monitor(tmp_path / 'monitor', {
        'auth_url': keystone.auth_url, 'username': creds.username,
        'password': creds.password, 'project_name': creds.project_name,
        'user_domain_name': creds.user_domain_name,
        'project_domain_name': creds.project_domain_name})
    try:
        guest = guests('real-api')
        guest.kill9()
        # The monitor sees every domain of this libvirtd, also those of
        # tests running at the same time: only this guest's lines count.
        response = wait_for(lambda: _line_with(daemon.text(), 'Response: ',
                                               guest.uuid),
                            30, 'the response')
        assert 'status=new' in response and f'hostname={HOSTNAME}' in response
        assert _line_with(daemon.text(), 'Libvirt Event: ', guest.uuid) \
            .endswith(f'hostname={HOSTNAME}, uuid={guest.uuid}, time=' +
                      response.split('generated_time=')[1].split(',')[0]
                      .replace('T', ' ') +
                      ', event_id=LIFECYCLE, detail=STOPPED_FAILED)')
        assert 'Retry sending' not in daemon.text()
    finally:
        daemon.close()
