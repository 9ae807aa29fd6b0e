"""The instance monitor in-process: the event filter table, callbacks to
filter inputs, log lines, and the whole manager on libvirt's
``test:///default`` driver.

The test driver's state is per process, so a second read-write connection
in this process drives the domains the monitor watches. Notifications go
to an injected recorder, or over HTTP to the stub API.
"""
import datetime
import logging
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import uuid

import libvirt
import pytest

from masakarimonitors import libvirt_events
from masakarimonitors.instancemonitor import instance
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter_table
from tests.monitors.daemon import REPO
from tests.monitors.daemon import wait_for
from tests.monitors.logs import log_messages

FILTER_LOG = 'masakarimonitors.instancemonitor.libvirt_handler.eventfilter'
CALLBACK_LOG = 'masakarimonitors.instancemonitor.libvirt_handler.callback'
INSTANCE_LOG = 'masakarimonitors.instancemonitor.instance'
UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f'
HOSTNAME = 'compute-7'

# Every row of the event filter table: (event id, event type, detail) ->
# payload.
SENT = [
    (0, 3, 2, 'LIFECYCLE', 'SUSPENDED_IOERROR'),
    (0, 3, 3, 'LIFECYCLE', 'SUSPENDED_WATCHDOG'),
    (0, 3, 6, 'LIFECYCLE', 'SUSPENDED_API_ERROR'),
    (0, 5, 0, 'LIFECYCLE', 'STOPPED_SHUTDOWN'),
    (0, 5, 1, 'LIFECYCLE', 'STOPPED_DESTROYED'),
    (0, 5, 5, 'LIFECYCLE', 'STOPPED_FAILED'),
    (0, 6, 0, 'LIFECYCLE', 'SHUTDOWN_FINISHED'),
    (1, -1, -1, 'REBOOT', 'UNKNOWN'),
    (3, 0, -1, 'WATCHDOG', 'WATCHDOG_NONE'),
    (3, 1, -1, 'WATCHDOG', 'WATCHDOG_PAUSE'),
    (3, 2, -1, 'WATCHDOG', 'WATCHDOG_RESET'),
    (3, 3, -1, 'WATCHDOG', 'WATCHDOG_POWEROFF'),
    (3, 4, -1, 'WATCHDOG', 'WATCHDOG_SHUTDOWN'),
    (3, 5, -1, 'WATCHDOG', 'WATCHDOG_DEBUG'),
    (4, 0, -1, 'IO_ERROR', 'IO_ERROR_NONE'),
    (4, 1, -1, 'IO_ERROR', 'IO_ERROR_PAUSE'),
    (4, 2, -1, 'IO_ERROR', 'IO_ERROR_REPORT'),
    (6, -1, -1, 'IO_ERROR_REASON', 'UNKNOWN'),
    (7, -1, -1, 'CONTROL_ERROR', 'UNKNOWN'),
]

# Known event type, unlisted detail.
UNMATCHED = [
    (0, 3, 0),        # SUSPENDED_PAUSED (virsh suspend)
    (0, 3, 1),        # SUSPENDED_MIGRATED
    (0, 3, 4), (0, 3, 5), (0, 3, 7), (0, 3, 8),
    (0, 5, 2),        # STOPPED_CRASHED
    (0, 5, 3),        # STOPPED_MIGRATED
    (0, 5, 4),        # STOPPED_SAVED
    (0, 5, 6),        # STOPPED_FROM_SNAPSHOT
    (0, 6, 1),        # SHUTDOWN_GUEST
    (0, 6, 2),        # SHUTDOWN_HOST (before virsh destroy's STOPPED)
    (1, -1, 0), (6, -1, 3), (7, -1, 1), (3, 2, 0),
]

# Unknown event id or event type.
KEY_ERRORS = [
    (0, 0, 0),        # DEFINED
    (0, 1, 0),        # UNDEFINED
    (0, 2, 0),        # STARTED (virsh start)
    (0, 4, 0),        # RESUMED (virsh resume)
    (0, 7, 0),        # PMSUSPENDED
    (0, 8, 0),        # CRASHED
    (0, -1, -1),
    (2, -1, -1),      # RTC_CHANGE
    (5, -1, 0), (5, -1, 1), (5, -1, 2),   # GRAPHICS connect/init/disconnect
    (9, -1, -1),      # DISK_CHANGE
    (3, 6, -1),       # WATCHDOG INJECTNMI
    (4, 3, -1),
    (1, 0, -1),
    (8, -1, -1), (10, -1, -1), (24, -1, -1),
]

# (event id, the callback's arguments after (conn, dom),
# the (event_type, detail) handed to the filter), in registration order.
CALLBACKS = [
    (0, (5, 1), (5, 1)),
    (1, (), (-1, -1)),
    (2, (3600,), (-1, -1)),
    (4, ('/var/lib/disk.img', 'virtio-disk0', 1), (1, -1)),
    (3, (2,), (2, -1)),
    (5, (1, {'family': 0, 'node': '127.0.0.1', 'service': '5900'},
         {'family': 0, 'node': '127.0.0.1', 'service': '40000'},
         'none', []), (-1, 1)),
    (9, ('/old.iso', '/new.iso', 'ide0-1-0', 0), (-1, -1)),
    (6, ('/var/lib/disk.img', 'virtio-disk0', 1, 'enospc'), (-1, -1)),
    (7, (), (-1, -1)),
]


class Recorder:
    """The injected sender: records what would be sent."""

    def __init__(self) -> None:
        self.sent: queue.Queue = queue.Queue()

    def send_notification(self, retry_max, retry_interval, event) -> None:
        self.sent.put((retry_max, retry_interval, event))

    def next(self, timeout: float = 5):
        return self.sent.get(timeout=timeout)

    def empty(self) -> bool:
        return self.sent.empty()


def _join_senders() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith('notify-'):
            thread.join(5)


def _received(hostname, when, event_id, event_type, detail,
              domain_uuid=UUID) -> str:
    gap = ' ' * 13
    return (f'libvirt Event Received.type = VM{gap}hostname = {hostname} '
            f'uuid = {domain_uuid} time = {when} eventID = {event_id} '
            f'eventType = {event_type}{gap}detail = {detail}')


@pytest.fixture
def configured(monitors_conf, monitor_logs):
    monitors_conf({'DEFAULT': {'hostname': HOSTNAME},
                   'callback': {'retry_max': 5, 'retry_interval': 7},
                   'libvirt': {'connection_uri': 'test:///default'}})
    return monitor_logs


# The filter table ---------------------------------------------------------

def test_the_table_holds_exactly_the_spec_rows():
    rows = [(event_id, event_type, detail, name, detail_name)
            for event_id, (name, by_type)
            in eventfilter_table.EVENT_FILTER.items()
            for event_type, details in by_type.items()
            for detail, detail_name in details.items()]
    assert sorted(rows) == sorted(SENT)


@pytest.mark.parametrize('event_id,event_type,detail,name,detail_name', SENT)
def test_listed_event_is_sent(configured, event_id, event_type, detail, name,
                              detail_name):
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(
        event_id, event_type, detail, UUID)
    retry_max, retry_interval, event = recorder.next()
    _join_senders()
    assert (retry_max, retry_interval) == (5, 7)
    when = event['notification']['generated_time']
    assert event == {'notification': {
        'type': 'VM', 'hostname': HOSTNAME, 'generated_time': when,
        'payload': {'event': name, 'instance_uuid': UUID,
                    'vir_domain_event': detail_name}}}
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert when.tzinfo is None and abs(now - when).total_seconds() < 5
    assert log_messages(configured, FILTER_LOG) == [
        ('DEBUG', _received(HOSTNAME, when, event_id, event_type, detail)),
        ('DEBUG', 'Event Filter Matched.')]
    assert log_messages(configured, CALLBACK_LOG) == [
        ('INFO', f'Libvirt Event: type=VM, hostname={HOSTNAME}, uuid={UUID},'
                 f' time={when}, event_id={name}, detail={detail_name})')]
    assert recorder.empty()


def _assert_dropped(caplog, recorder, outcome: str) -> None:
    _join_senders()
    assert recorder.empty()
    logged = log_messages(caplog, FILTER_LOG)
    assert [level for level, _ in logged] == ['DEBUG', 'DEBUG']
    assert logged[0][1].startswith('libvirt Event Received.type = VM')
    assert logged[1][1] == outcome
    assert log_messages(caplog, CALLBACK_LOG) == []


@pytest.mark.parametrize('event_id,event_type,detail', UNMATCHED)
def test_unlisted_detail_is_unmatched(configured, event_id, event_type,
                                      detail):
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(
        event_id, event_type, detail, UUID)
    _assert_dropped(configured, recorder, 'Event Filter Unmatched.')


@pytest.mark.parametrize('event_id,event_type,detail', KEY_ERRORS)
def test_unknown_id_or_type_is_a_key_error(configured, event_id, event_type,
                                           detail):
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(
        event_id, event_type, detail, UUID)
    _assert_dropped(configured, recorder, 'virEventFilter KeyError')


def test_unhashable_input_is_a_type_error(configured):
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(0, [5], 1, UUID)
    _assert_dropped(configured, recorder, 'virEventFilter TypeError')


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getitem__(self, key):
        raise self.error


def test_index_error_is_swallowed(configured, monkeypatch):
    monkeypatch.setattr(eventfilter_table, 'EVENT_FILTER',
                        _Raising(IndexError('tuple index out of range')))
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(0, 5, 1, UUID)
    _assert_dropped(configured, recorder, 'virEventFilter IndexError')


def test_unexpected_error_is_logged_and_raised(configured, monkeypatch):
    monkeypatch.setattr(eventfilter_table, 'EVENT_FILTER',
                        _Raising(ValueError('broken')))
    recorder = Recorder()
    with pytest.raises(ValueError, match='broken'):
        eventfilter.EventFilter(recorder).vir_event_filter(0, 5, 1, UUID)
    _assert_dropped(configured, recorder,
                    "Unexpected error: <class 'ValueError'>")


def test_empty_hostname_falls_back_to_gethostname(monitors_conf,
                                                  monitor_logs):
    monitors_conf({'DEFAULT': {'hostname': ''}})
    recorder = Recorder()
    eventfilter.EventFilter(recorder).vir_event_filter(0, 5, 5, UUID)
    _, _, event = recorder.next()
    assert event['notification']['hostname'] == socket.gethostname()


def test_each_event_is_sent_from_a_thread_of_its_own(configured):
    # A sender stuck on an unreachable API must not hold up the next event.
    release = threading.Event()
    started = queue.Queue()

    class Blocking:
        def send_notification(self, retry_max, retry_interval, event):
            started.put(event['notification']['payload']['instance_uuid'])
            release.wait(5)

    event_filter = eventfilter.EventFilter(Blocking())
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    event_filter.vir_event_filter(0, 5, 5, first)
    event_filter.vir_event_filter(0, 5, 1, second)
    assert {started.get(timeout=5), started.get(timeout=5)} == {first, second}
    release.set()
    _join_senders()


# Callbacks -> filter inputs -----------------------------------------------

class _FakeConnection:
    def __init__(self) -> None:
        self.registered = []

    def domainEventRegisterAny(self, dom, event_id, callback, opaque):
        self.registered.append((dom, event_id, callback, opaque))
        return len(self.registered) - 1


class _FakeDomain:
    def UUIDString(self) -> str:
        return UUID


def test_nine_callbacks_registered_for_all_domains(configured):
    manager = instance.InstancemonitorManager(host=HOSTNAME,
                                              notifier=Recorder())
    conn = _FakeConnection()
    assert manager._register_callbacks(conn) == list(range(9))
    assert [event_id for _, event_id, _, _ in conn.registered] == \
        [event_id for event_id, _, _ in CALLBACKS]
    assert all(dom is None for dom, _, _, _ in conn.registered)


def test_callbacks_pass_the_spec_filter_inputs(configured, monkeypatch):
    manager = instance.InstancemonitorManager(host=HOSTNAME,
                                              notifier=Recorder())
    inputs = []
    monkeypatch.setattr(manager.event_filter, 'vir_event_filter',
                        lambda *args: inputs.append(args))
    conn = _FakeConnection()
    manager._register_callbacks(conn)
    for (_, event_id, callback, opaque), (_, arguments, _) in zip(
            conn.registered, CALLBACKS):
        callback(conn, _FakeDomain(), *arguments, opaque)
    assert inputs == [(event_id, event_type, detail, UUID)
                      for event_id, _, (event_type, detail) in CALLBACKS]


def test_open_is_read_only_with_the_auth_callback(monkeypatch):
    calls = []

    def fake_open(uri, auth, flags):
        calls.append((uri, auth, flags))
        return 'conn'

    monkeypatch.setattr(libvirt, 'openAuth', fake_open)
    assert instance.open_connection('qemu:///system') == 'conn'
    [(uri, (credential_types, callback, user_data), flags)] = calls
    assert uri == 'qemu:///system' and flags == 1 and user_data is None
    assert credential_types == [2, 6, 8, 5, 7, 9]
    assert callback([], None) == 0
    with pytest.raises(Exception, match='^Can not handle authentication '
                                        'request for 2 credentials$'):
        callback([[2, 'user', None, '', None], [5, 'pw', None, '', None]],
                 None)


# The whole manager on test:///default ----------------------------------------

TEST_DOMAIN_XML = ("<domain type='test'><name>{name}</name>"
                   "<memory unit='MiB'>8</memory>"
                   "<os><type>hvm</type></os></domain>")


class LibvirtTestDriver:
    """A read-write test:///default connection in this process, which
    shares its domains with the monitor's read-only one."""

    def __init__(self) -> None:
        self.conn = libvirt.open('test:///default')
        self.domains = []

    def create(self) -> libvirt.virDomain:
        name = f'im-{uuid.uuid4().hex[:8]}'
        domain = self.conn.createXML(TEST_DOMAIN_XML.format(name=name), 0)
        self.domains.append(domain)
        return domain

    def close(self) -> None:
        for domain in self.domains:
            try:
                if domain.isActive():
                    domain.destroy()
            except libvirt.libvirtError:
                pass
        self.conn.close()


class Running:
    def __init__(self, manager) -> None:
        self.manager = manager
        self.thread = None
        self.start()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.manager.main,
                                       name='instancemonitor-main',
                                       daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 5) -> float:
        started = time.monotonic()
        self.manager.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive()
        return time.monotonic() - started


def _wait_for_log(caplog, message: str, count: int = 1,
                  timeout: float = 10) -> None:
    wait_for(lambda: sum(r.getMessage() == message
                         for r in list(caplog.records)) >= count,
             timeout, repr(message), interval=0.01)


KEEPALIVE = ('Keepalive is not supported by test:///default; the '
             'connection is watched without it.')


@pytest.fixture
def test_driver():
    driver = LibvirtTestDriver()
    yield driver
    driver.close()


@pytest.fixture
def monitor(configured):
    started = []

    def start(notifier) -> Running:
        running = Running(instance.InstancemonitorManager(
            host=HOSTNAME, notifier=notifier))
        started.append(running)
        _wait_for_log(configured, KEEPALIVE, count=len(started))
        return running
    yield start
    for running in started:
        running.manager.stop()
        running.thread.join(5)


def _payloads_for(recorder, domain, count: int) -> list[str]:
    got = []
    while len(got) < count:
        _, _, event = recorder.next()
        payload = event['notification']['payload']
        if payload['instance_uuid'] == domain.UUIDString():
            got.append(payload['vir_domain_event'])
    return got


def test_test_driver_events_without_keepalive(configured, monitor,
                                              test_driver):
    recorder = Recorder()
    running = monitor(recorder)
    messages = [(r.name, r.levelname, r.getMessage())
                for r in configured.records]
    assert (INSTANCE_LOG, 'DEBUG', 'Using uri:test:///default') in messages
    # setKeepAlive raised VIR_ERR_NO_SUPPORT: logged, and watched anyway.
    assert ('WARNING', 'Error from libvirt : this function is not supported '
            'by the connection driver: virConnectSetKeepAlive') in \
        [(level, text) for _, level, text in messages]
    assert (INSTANCE_LOG, 'INFO', KEEPALIVE) in messages

    destroyed = test_driver.create()
    destroyed.destroy()
    assert _payloads_for(recorder, destroyed, 1) == ['STOPPED_DESTROYED']

    domain = test_driver.create()
    domain.suspend()                 # (3,0): unmatched
    domain.resume()                  # (4,0): key error
    domain.shutdown()                # (5,0)
    assert _payloads_for(recorder, domain, 1) == ['STOPPED_SHUTDOWN']
    _join_senders()
    assert recorder.empty()
    outcomes = [text for name, text in (
        (r.name, r.getMessage()) for r in configured.records)
        if name == FILTER_LOG and not text.startswith('libvirt Event')]
    assert outcomes == [
        'virEventFilter KeyError',              # create: STARTED
        'Event Filter Matched.',                # destroy
        'virEventFilter KeyError',              # create: STARTED
        'Event Filter Unmatched.',              # suspend
        'virEventFilter KeyError',              # resume
        'Event Filter Matched.',                # shutdown
    ]
    received = [r.getMessage() for r in configured.records
                if r.name == FILTER_LOG
                and r.getMessage().startswith('libvirt Event')]
    assert re.fullmatch(
        r'libvirt Event Received\.type = VM {13}hostname = compute-7 '
        rf'uuid = {domain.UUIDString()} time = \d{{4}}-\d\d-\d\d '
        r'\d\d:\d\d:\d\d\.\d{6} eventID = 0 eventType = 5 {13}detail = 0',
        received[-1])

    assert running.stop() < 2
    closed = [r for r in configured.records
              if r.getMessage() == 'Libvirt Connection Closed Unexpectedly.']
    assert [(r.name, r.levelname) for r in closed] == \
        [(INSTANCE_LOG, 'WARNING')]
    assert not any('Failed to deregister' in r.getMessage()
                   for r in configured.records)


def test_stop_reset_and_main_again_reconnects(configured, monitor,
                                              test_driver):
    # What the service does on SIGHUP.
    recorder = Recorder()
    running = monitor(recorder)
    running.stop()
    running.manager.reset()
    running.start()
    _wait_for_log(configured, KEEPALIVE, count=2)
    domain = test_driver.create()
    domain.destroy()
    assert _payloads_for(recorder, domain, 1) == ['STOPPED_DESTROYED']


def test_notification_reaches_the_api_over_http(monitors_conf, monitor_logs,
                                                test_driver, stub):
    monitors_conf({'DEFAULT': {'hostname': HOSTNAME},
                   'api': stub.api_options(),
                   'libvirt': {'connection_uri': 'test:///default'}})
    running = Running(instance.InstancemonitorManager(host=HOSTNAME))
    try:
        _wait_for_log(monitor_logs, KEEPALIVE)
        domain = test_driver.create()
        domain.destroy()
        [body] = stub.wait_for(1)
        wait_for(lambda: any(
            r.getMessage().startswith('Response: ')
            for r in list(monitor_logs.records)), interval=0.01)
    finally:
        running.stop()
    notification = body['notification']
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}',
                        notification.pop('generated_time'))
    assert notification == {'type': 'VM', 'hostname': HOSTNAME, 'payload': {
        'event': 'LIFECYCLE', 'instance_uuid': domain.UUIDString(),
        'vir_domain_event': 'STOPPED_DESTROYED'}}
    [response] = [r for r in monitor_logs.records
                  if r.getMessage().startswith('Response: ')]
    assert response.levelno == logging.INFO
    assert 'STOPPED_DESTROYED' in response.getMessage()


class _DyingConnection:
    """libvirtd went away right after the open."""

    def domainEventRegisterAny(self, *args):
        raise libvirt.libvirtError('internal error: client socket is closed')

    def close(self) -> None:
        pass


def test_failed_open_or_registration_is_retried_not_fatal(
        configured, monkeypatch, test_driver):
    # Upstream exits when the re-open fails; this monitor keeps
    # trying, also when the connection breaks before it is watched.
    monkeypatch.setattr(libvirt_events, 'RECONNECT_DELAY', 0.01)
    attempts = []

    def flaky_open(uri):
        attempts.append(uri)
        if len(attempts) == 1:
            raise libvirt.libvirtError('Failed to connect socket')
        if len(attempts) == 2:
            return _DyingConnection()
        return libvirt.openAuth(uri, [[], None, None],
                                libvirt.VIR_CONNECT_RO)

    monkeypatch.setattr(instance, 'open_connection', flaky_open)
    recorder = Recorder()
    running = Running(instance.InstancemonitorManager(host=HOSTNAME,
                                                      notifier=recorder))
    try:
        _wait_for_log(configured, KEEPALIVE)
        assert attempts == ['test:///default'] * 3
        messages = log_messages(configured, INSTANCE_LOG)
        assert ('WARNING', 'Failed to connect to test:///default, retrying '
                'in 0.01 seconds.') in messages
        assert messages.count(
            ('WARNING', 'Libvirt Connection Closed Unexpectedly.')) == 1
        domain = test_driver.create()
        domain.destroy()
        assert _payloads_for(recorder, domain, 1) == ['STOPPED_DESTROYED']
    finally:
        running.stop()


# libvirt's event loop -------------------------------------------------------

def test_failed_event_loop_runs_are_logged_and_the_loop_goes_on(
        configured, monitor, test_driver, monkeypatch):
    monkeypatch.setattr(libvirt_events, 'EVENT_LOOP_RETRY_DELAY', 0.01,
                        raising=False)
    recorder = Recorder()
    running = monitor(recorder)
    run_once = libvirt.virEventRunDefaultImpl
    failures = []

    def failing_three_times() -> int:
        if len(failures) < 3:
            failures.append(1)
            raise libvirt.libvirtError('poll failed')
        return run_once()
    monkeypatch.setattr(libvirt, 'virEventRunDefaultImpl',
                        failing_three_times)
    # The loop waits in the real run until there is something to do.
    test_driver.create().destroy()
    wait_for(lambda: len(failures) == 3, 5, 'three failed runs',
             interval=0.01)
    domain = test_driver.create()
    domain.destroy()
    assert _payloads_for(recorder, domain, 1) == ['STOPPED_DESTROYED']
    running.stop()
    # Logged by the first monitor of the process to start the loop.
    errors = [r.getMessage() for r in configured.records
              if r.levelname == 'ERROR']
    assert errors == [f'libvirt event loop failed ({n} in a row): poll '
                      f'failed' for n in (1, 2, 3)]


EVENT_LOOP_THAT_FAILS = """
import logging, sys, threading, libvirt
from masakarimonitors import libvirt_events
logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                    format='%(levelname)s %(message)s')
def failing():
    raise {error}
libvirt.virEventRunDefaultImpl = failing
libvirt_events.EVENT_LOOP_RETRY_DELAY = 0.01
libvirt_events.start_event_loop(logging.getLogger('monitor'))
threading.Event().wait(5)
"""
STOPPED = 'ERROR libvirt event loop stopped ({}); exiting with status 1 so ' \
          'that the service is restarted.'


@pytest.mark.parametrize('error, expected', [
    ("libvirt.libvirtError('poll failed')",
     [f'ERROR libvirt event loop failed ({n} in a row): poll failed'
      for n in range(1, libvirt_events.EVENT_LOOP_MAX_FAILURES + 1)]
     + [STOPPED.format(f'{libvirt_events.EVENT_LOOP_MAX_FAILURES} failures '
                       f'in a row')]),
    ("SystemExit('gone')", [STOPPED.format("SystemExit('gone')")]),
])
def test_an_event_loop_that_cannot_go_on_exits_the_process_with_1(
        error, expected):
    # Without events the monitor is blind: a new process (systemd's
    # Restart=on-failure) is the way back.
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, '-c', EVENT_LOOP_THAT_FAILS.format(error=error)],
        cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 5
    assert [line for line in done.stderr.splitlines()
            if line.startswith('ERROR')] == expected
