"""The introspective instance monitor without libvirtd: fake domains and a
fake agent ping drive the sweep."""
import contextlib
import logging
import socket
import threading
import time

import libvirt
import pytest

from masakarimonitors.conf import CONF
from masakarimonitors.introspectiveinstancemonitor import instance
from masakarimonitors.introspectiveinstancemonitor import qemu_utils
from masakarimonitors.introspectiveinstancemonitor import scheduler
from tests.monitors.logs import log_messages

UUID = '11111111-2222-3333-4444-555555555555'
OTHER_UUID = '99999999-8888-7777-6666-555555555555'
AGENT_PATH = ('/var/lib/libvirt/qemu/'
              'org.qemu.guest_agent.0.instance-00000002.sock')
AGENT_CHANNEL = (f"<channel type='unix'><source mode='bind' "
                 f"path='{AGENT_PATH}'/><target type='virtio' "
                 f"name='org.qemu.guest_agent.0'/></channel>")
QEMU_UTILS = 'masakarimonitors.introspectiveinstancemonitor.qemu_utils'
INSTANCE = 'masakarimonitors.introspectiveinstancemonitor.instance'
SCHEDULER = 'masakarimonitors.introspectiveinstancemonitor.scheduler'


def domain_xml(*channels: str) -> str:
    return (f"<domain type='qemu'><name>d</name><devices>"
            f"{''.join(channels)}</devices></domain>")


class FakeDomain:
    def __init__(self, uuid: str = UUID, state: int = libvirt.VIR_DOMAIN_RUNNING,
                 xml: str | None = None) -> None:
        self.uuid = uuid
        self.run_state = state
        self.xml = domain_xml(AGENT_CHANNEL) if xml is None else xml

    def UUIDString(self) -> str:
        return self.uuid

    def state(self) -> list[int]:
        return [self.run_state, 1]

    def XMLDesc(self, flags: int = 0) -> str:
        if isinstance(self.xml, Exception):
            raise self.xml
        return self.xml


class FakeConnection:
    def __init__(self, *domains) -> None:
        self.domains = dict(enumerate(domains, start=1))
        self.closed = False

    def listDomainsID(self) -> list[int]:
        return list(self.domains)

    def lookupByID(self, domain_id: int):
        domain = self.domains[domain_id]
        if isinstance(domain, Exception):
            raise domain
        return domain

    def close(self) -> None:
        self.closed = True


class FakeAgent:
    """``ping`` answers per domain UUID: True -> '{"return":{}}'."""

    def __init__(self) -> None:
        self.up: dict[str, bool] = {}
        self.pinged: list[tuple[str, int]] = []

    def ping(self, domain, timeout: int):
        self.pinged.append((domain.UUIDString(), timeout))
        return '{"return":{}}' if self.up.get(domain.UUIDString()) else None


class FakeNotifier:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[int, int, dict]] = []
        self.error = error
        self.during_send = None

    def send_notification(self, retry_max, retry_interval, event) -> None:
        self.sent.append((retry_max, retry_interval, event))
        if self.during_send is not None:
            self.during_send()
        if self.error is not None:
            raise self.error


def libvirt_error(message: str) -> libvirt.libvirtError:
    error = libvirt.libvirtError(message)
    error.err = (libvirt.VIR_ERR_NO_DOMAIN, 0, message, 0, '', '', '',
                 0, 0)
    return error


@pytest.fixture
def configure(monitors_conf):
    def apply(threshold: int = 3, **options) -> None:
        monitors_conf({
            'introspectiveinstancemonitor': {
                'guest_monitoring_failure_threshold': threshold,
                'guest_monitoring_timeout': 7, **options},
            'callback': {'retry_max': 4, 'retry_interval': 6}})
    apply()
    return apply


class Harness:
    """A GuestChecker over one fake domain; ``sweep(ok)`` runs one sweep
    with the agent up or down."""

    def __init__(self, domain: FakeDomain | None = None) -> None:
        self.domain = domain or FakeDomain()
        self.conn = FakeConnection(self.domain)
        self.agent = FakeAgent()
        self.notifier = FakeNotifier()
        self.checker = qemu_utils.GuestChecker(
            self.notifier, CONF, ping=self.agent.ping,
            hostname=lambda: 'compute-x')

    def sweep(self, ok: bool) -> None:
        self.agent.up[self.domain.uuid] = ok
        self.checker.check_guests(self.conn)

    @property
    def journal(self) -> qemu_utils.Journal:
        return self.checker.journals.get(self.domain.uuid)

    def sweeps_until_notified(self, limit: int = 50) -> int:
        for count in range(1, limit + 1):
            self.sweep(False)
            if self.notifier.sent:
                return count
        raise AssertionError(f'no notification in {limit} failed pings')


@pytest.fixture
def harness(configure):
    return Harness()


def messages(caplog, logger: str = QEMU_UTILS) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


# The state machine --------------------------------------------------------

@pytest.mark.parametrize('state, event, expected', [
    ('discovery', 'guest_pingable', 'healthy'),
    ('discovery', 'guest_not_pingable', 'discovery'),
    ('discovery', 'report', None),
    ('healthy', 'guest_pingable', 'healthy'),
    ('healthy', 'guest_not_pingable', 'error'),
    ('healthy', 'report', None),
    ('error', 'guest_pingable', 'healthy'),
    ('error', 'guest_not_pingable', 'error'),
    ('error', 'report', 'reported'),
    ('reported', 'guest_pingable', 'discovery'),
    ('reported', 'guest_not_pingable', 'reported'),
    ('reported', 'report', None),
])
def test_state_machine_table(state, event, expected):
    journal = qemu_utils.Journal(UUID, created=0)
    journal.state = state
    if expected is None:
        with pytest.raises(qemu_utils.InvalidTransition):
            journal.feed(event)
        assert journal.state == state
    else:
        assert journal.feed(event) == expected


def test_new_journal_starts_in_discovery(monitor_logs):
    journal = qemu_utils.Journal(UUID, created=0)
    assert (journal.state, journal.failedCount,
            journal.sent_notification) == ('discovery', 0, False)
    assert messages(monitor_logs) == [f'{UUID}:Journal:__init__:']


# Thresholds -------------------------------------------------------------

@pytest.mark.parametrize('threshold, nth_failure', [(3, 5), (0, 2), (1, 3)])
def test_notified_on_the_threshold_plus_two_th_failed_ping(
        configure, threshold, nth_failure):
    configure(threshold=threshold)
    h = Harness()
    h.sweep(True)
    assert h.journal.state == 'healthy'
    assert h.sweeps_until_notified() == nth_failure
    assert h.journal.state == 'reported'
    assert h.journal.sent_notification is True


def test_notification_payload_retries_and_timeout(harness):
    harness.sweep(True)
    harness.sweeps_until_notified()
    [(retry_max, retry_interval, event)] = harness.notifier.sent
    assert (retry_max, retry_interval) == (4, 6)
    notification = event['notification']
    assert notification['type'] == 'VM'
    assert notification['hostname'] == 'compute-x'
    assert notification['payload'] == {
        'event': 'QEMU_GUEST_AGENT_ERROR', 'instance_uuid': UUID,
        'vir_domain_event': 'STOPPED_FAILED'}
    assert {timeout for _, timeout in harness.agent.pinged} == {7}


def test_hostname_is_the_systems_not_the_option(configure):
    # As upstream: [DEFAULT] hostname is ignored.
    CONF.set_override('hostname', 'configured-name')
    try:
        h = Harness()
        h.checker = qemu_utils.GuestChecker(h.notifier, CONF,
                                            ping=h.agent.ping)
        h.sweep(True)
        h.sweeps_until_notified()
    finally:
        CONF.clear_override('hostname')
    event = h.notifier.sent[0][2]
    assert event['notification']['hostname'] == socket.gethostname()


def test_failure_count_resets_on_a_good_ping(harness):
    harness.sweep(True)
    for _ in range(4):
        harness.sweep(False)
    assert (harness.journal.state, harness.journal.failedCount) == (
        'error', 4)
    harness.sweep(True)
    assert (harness.journal.state, harness.journal.failedCount) == (
        'healthy', 0)
    assert harness.sweeps_until_notified() == 5


def test_never_pingable_domain_is_never_reported(harness, monitor_logs):
    for _ in range(20):
        harness.sweep(False)
    assert harness.notifier.sent == []
    assert harness.journal.state == 'discovery'
    assert harness.journal.failedCount == 0
    assert messages(monitor_logs).count(
        f'{UUID}\tqemu-ga_guest-ping is not responding.') == 20


def test_one_notification_while_the_failure_lasts(harness):
    harness.sweep(True)
    harness.sweeps_until_notified()
    for _ in range(20):
        harness.sweep(False)
    assert len(harness.notifier.sent) == 1
    assert harness.journal.state == 'reported'


def test_recovered_then_failing_again_is_skipped(harness, monitor_logs):
    # As upstream: only a STARTED event makes a domain reportable again.
    harness.sweep(True)
    harness.sweeps_until_notified()
    harness.sweep(True)
    assert harness.journal.state == 'discovery'
    harness.sweep(True)
    assert harness.journal.state == 'healthy'
    monitor_logs.clear()
    for _ in range(8):
        harness.sweep(False)
    assert len(harness.notifier.sent) == 1
    assert harness.journal.state == 'error'
    assert harness.journal.failedCount == 8
    skipped = f'notifier.send_notification Skipped:{UUID}'
    # Failures 5 to 8 cross the threshold: each is skipped.
    assert messages(monitor_logs).count(skipped) == 4


def test_failed_ping_log_lines(harness, monitor_logs):
    harness.sweep(True)
    monitor_logs.clear()
    harness.sweeps_until_notified()
    records = log_messages(monitor_logs, QEMU_UTILS)
    not_responding = ('DEBUG', f'{UUID}\tqemu-ga_guest-ping is not '
                               f'responding.')
    assert records == [not_responding] * 5 + [
        ('DEBUG', f'_thresholdsCrossing:{UUID}'), ('DEBUG', '4')]


def test_send_failure_is_logged_and_retried_on_the_next_sweep(
        harness, monitor_logs):
    harness.notifier.error = RuntimeError('boom')
    harness.sweep(True)
    harness.sweeps_until_notified()
    warnings = [r for r in monitor_logs.records
                if r.levelname == 'WARNING' and r.name == QEMU_UTILS]
    assert [r.getMessage() for r in warnings] == [
        f'Failed to send notification for instance {UUID} in _notify.']
    assert warnings[0].exc_info is not None
    assert harness.journal.state == 'error'
    assert harness.journal.sent_notification is False
    harness.notifier.error = None
    harness.sweep(False)
    assert len(harness.notifier.sent) == 2
    assert harness.journal.state == 'reported'


def no_event_loop(log) -> None:
    """libvirt's event loop and error handler are process-wide: left to
    the tests that need them."""


# Reset on STARTED -------------------------------------------------------

@pytest.fixture
def manager(configure):
    """A manager whose sweeps see no domain and whose first sweep is
    over; its event side is driven through on_event()."""
    opened = threading.Event()

    def open_connection(uri):
        opened.set()
        return FakeConnection()
    CONF.set_override('guest_monitoring_interval', 3600,
                      'introspectiveinstancemonitor')
    mgr = instance.IntrospectiveInstanceMonitorManager(
        host='h', notifier=FakeNotifier(), open_connection=open_connection,
        hostname=lambda: 'compute-x', start_event_loop=no_event_loop)
    assert opened.wait(5)
    yield mgr
    mgr.stop()
    CONF.clear_override('guest_monitoring_interval',
                        'introspectiveinstancemonitor')


def test_started_event_makes_a_reported_domain_reportable_again(
        configure, manager, monitor_logs):
    h = Harness()
    h.checker = manager.checker
    manager.checker.ping = h.agent.ping
    manager.checker.notifier = h.notifier
    h.sweep(True)
    h.sweeps_until_notified()
    monitor_logs.clear()
    manager.on_event(libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                     libvirt.VIR_DOMAIN_EVENT_STARTED,
                     libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED, UUID)
    assert (h.journal.state, h.journal.failedCount,
            h.journal.sent_notification) == ('discovery', 0, False)
    assert messages(monitor_logs) == [f'{UUID}__resetState__:']
    [received] = messages(monitor_logs, INSTANCE)
    assert received.startswith(
        f'libvirt Event Received.type = VM hostname = compute-x uuid = '
        f'{UUID} time = ')
    assert received.endswith(' eventID = 0 eventType = 2 detail = 0')
    h.sweep(True)
    h.notifier.sent.clear()
    assert h.sweeps_until_notified() == 5


@pytest.mark.parametrize('event_id, event_type, detail', [
    (libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
     libvirt.VIR_DOMAIN_EVENT_RESUMED, 0),
    (libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
     libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_FAILED),
    (libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, -1, -1),
])
def test_other_events_leave_the_journal_alone(manager, event_id, event_type,
                                              detail, monitor_logs):
    journal = manager.checker.journals.get(UUID)
    journal.state, journal.sent_notification = 'reported', True
    monitor_logs.clear()
    manager.on_event(event_id, event_type, detail, UUID)
    assert (journal.state, journal.sent_notification) == ('reported', True)
    assert messages(monitor_logs) == []
    assert len(messages(monitor_logs, INSTANCE)) == 1


def test_started_event_for_an_unknown_domain_creates_its_journal(
        manager, monitor_logs):
    manager.on_event(libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                     libvirt.VIR_DOMAIN_EVENT_STARTED, 1, OTHER_UUID)
    assert messages(monitor_logs) == [f'{OTHER_UUID}:Journal:__init__:',
                                      f'{OTHER_UUID}__resetState__:']


def test_reset_handler_errors_print_a_literal_placeholder(
        manager, monitor_logs, monkeypatch):
    # As upstream, the message prints a literal placeholder.
    def broken(uuid):
        raise KeyError(uuid)
    monkeypatch.setattr(manager.checker.journals, 'reset', broken)
    manager.on_event(libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                     libvirt.VIR_DOMAIN_EVENT_STARTED, 0, UUID)
    errors = [r.getMessage() for r in monitor_logs.records
              if r.levelname == 'ERROR']
    assert errors == ['virEventFilter KeyError: {0}']


def test_reset_while_the_notification_is_sent_wins(harness):
    harness.sweep(True)
    for _ in range(4):
        harness.sweep(False)
    harness.notifier.during_send = (
        lambda: harness.checker.journals.reset(UUID))
    harness.sweep(False)
    assert len(harness.notifier.sent) == 1
    assert (harness.journal.state, harness.journal.failedCount,
            harness.journal.sent_notification) == ('discovery', 0, False)


def test_journals_expire_after_a_week(monitor_logs):
    # As upstream, a journal is forgotten a week after it was made.
    now = [0.0]
    journals = qemu_utils.Journals(clock=lambda: now[0])
    journal = journals.get(UUID)
    journal.state, journal.sent_notification = 'reported', True
    now[0] = qemu_utils.JOURNAL_LIFETIME - 1
    assert journals.get(UUID) is journal
    now[0] = qemu_utils.JOURNAL_LIFETIME
    fresh = journals.get(UUID)
    assert fresh is not journal
    assert (fresh.state, fresh.sent_notification) == ('discovery', False)
    assert messages(monitor_logs).count(f'{UUID}:Journal:__init__:') == 2


# Which domains are probed -----------------------------------------------

def spice() -> str:
    return ("<channel type='spicevmc'><target type='virtio' "
            "name='com.redhat.spice.0'/></channel>")


def unix_channel(path: str, mode: str = 'bind',
                 name: str = 'org.qemu.guest_agent.0') -> str:
    return (f"<channel type='unix'><source mode='{mode}' path='{path}'/>"
            f"<target type='virtio' name='{name}'/></channel>")


@pytest.mark.parametrize('xml, probed', [
    (domain_xml(AGENT_CHANNEL), True),
    # Channels without a <source> are passed over.
    (domain_xml(spice(), AGENT_CHANNEL), True),
    # As upstream: only the first channel source counts.
    (domain_xml(unix_channel('/var/lib/libvirt/qemu/other.sock',
                             name='org.example.0'), AGENT_CHANNEL), False),
    (domain_xml(unix_channel(AGENT_PATH, mode='connect')), False),
    (domain_xml(unix_channel('/tmp/org.qemu.guest_agent.0.instance-1.sock')),
     False),
    # re.match: anchored at the start only.
    (domain_xml(unix_channel(AGENT_PATH + '.old')), True),
    (domain_xml(), False),
    ("<domain><devices><serial type='pty'><source path='/dev/pts/1'/>"
     "</serial></devices></domain>", False),
])
def test_agent_channel_qualification(configure, xml, probed):
    h = Harness(FakeDomain(xml=xml))
    h.sweep(True)
    assert bool(h.agent.pinged) is probed
    assert (UUID in h.checker.journals) is probed


def test_sock_path_option_is_a_regex(configure):
    configure(qemu_guest_agent_sock_path=r'/run/agents/.*\.sock')
    h = Harness(FakeDomain(xml=domain_xml(unix_channel('/run/agents/a.sock'))))
    h.sweep(True)
    assert h.agent.pinged == [(UUID, 7)]
    h = Harness()
    h.sweep(True)
    assert h.agent.pinged == []


@pytest.mark.parametrize('state', [libvirt.VIR_DOMAIN_PAUSED,
                                   libvirt.VIR_DOMAIN_PMSUSPENDED])
def test_paused_domain_is_skipped_and_its_journal_kept(harness, state):
    harness.sweep(True)
    for _ in range(2):
        harness.sweep(False)
    harness.domain.run_state = state
    for _ in range(10):
        harness.sweep(False)
    assert harness.agent.pinged[-1:] == [(UUID, 7)] and len(
        harness.agent.pinged) == 3
    assert (harness.journal.state, harness.journal.failedCount) == (
        'error', 2)
    harness.domain.run_state = libvirt.VIR_DOMAIN_RUNNING
    assert harness.sweeps_until_notified() == 3


def test_xml_check_failure_skips_the_domain(configure, monitor_logs):
    h = Harness(FakeDomain(xml=RuntimeError('bad xml')))
    h.sweep(True)
    assert h.agent.pinged == []
    [record] = [r for r in monitor_logs.records if r.levelname == 'WARNING']
    assert record.getMessage() == 'Failed to check QEMU guest agent presence.'
    assert record.exc_info is not None


def test_vanished_domain_is_logged_and_the_sweep_goes_on(configure,
                                                        monitor_logs):
    h = Harness()
    vanished = libvirt_error('Domain not found: no domain with matching id 3')
    h.conn = FakeConnection(vanished, h.domain)
    h.sweep(True)
    assert h.agent.pinged == [(UUID, 7)]
    assert [r.getMessage() for r in monitor_logs.records
            if r.levelname == 'WARNING'] == [
        'Domain not found: no domain with matching id 3']


def test_unexpected_error_aborts_the_sweep(configure, monitor_logs):
    h = Harness()
    h.conn = FakeConnection(h.domain, FakeDomain(uuid=OTHER_UUID))

    def broken_ping(domain, timeout):
        raise ValueError('unexpected')
    h.checker.ping = broken_ping
    h.sweep(True)
    [record] = [r for r in monitor_logs.records if r.levelname == 'WARNING']
    assert record.getMessage() == 'Exception during guest checks.'
    assert record.exc_info is not None


def test_busy_domain_lock_aborts_the_sweep(harness, monitor_logs):
    with harness.checker._domain_lock(UUID):
        harness.sweep(True)
    assert harness.agent.pinged == []
    assert [r.getMessage() for r in monitor_logs.records
            if r.levelname == 'WARNING'] == ['Exception during guest checks.']
    harness.sweep(True)
    assert harness.journal.state == 'healthy'


# Manager: connections and the sweep thread ------------------------------

class FakeEventConnection:
    def __init__(self) -> None:
        self.registered: list[int] = []
        self.closed = threading.Event()

    def domainEventRegisterAny(self, dom, event_id, callback, opaque):
        assert dom is None
        self.registered.append(event_id)
        return len(self.registered) - 1

    def domainEventDeregisterAny(self, callback_id):
        pass

    def setKeepAlive(self, interval, count):
        pass

    def isAlive(self):
        return 1

    def close(self):
        self.closed.set()


def test_manager_sweeps_at_once_and_watches_lifecycle_and_reboot(configure):
    opened: list[str] = []
    sweeps = FakeConnection(FakeDomain())
    events_conn = FakeEventConnection()
    read_only: list[str] = []
    agent = FakeAgent()

    def open_read_only(uri):
        read_only.append(uri)
        return events_conn
    CONF.set_override('connection_uri', 'qemu:///x', 'libvirt')
    CONF.set_override('guest_monitoring_interval', 3600,
                      'introspectiveinstancemonitor')
    try:
        mgr = instance.IntrospectiveInstanceMonitorManager(
            notifier=FakeNotifier(),
            open_connection=lambda uri: opened.append(uri) or sweeps,
            open_read_only=open_read_only, ping=agent.ping,
            start_event_loop=no_event_loop)
        deadline = time.monotonic() + 5
        while not sweeps.closed and time.monotonic() < deadline:
            time.sleep(0.01)
        # The first sweep runs from the constructor, before main().
        assert opened == ['qemu:///x'] and sweeps.closed
        assert agent.pinged == [(UUID, 7)]
        runner = threading.Thread(target=mgr.main)
        runner.start()
        deadline = time.monotonic() + 5
        while len(events_conn.registered) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        mgr.stop()
        runner.join(5)
        assert not runner.is_alive()
        assert read_only == ['qemu:///x']
        assert events_conn.registered == [
            libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            libvirt.VIR_DOMAIN_EVENT_ID_REBOOT]
        assert events_conn.closed.is_set()
    finally:
        CONF.clear_override('connection_uri', 'libvirt')
        CONF.clear_override('guest_monitoring_interval',
                            'introspectiveinstancemonitor')


def test_reset_after_stop_sweeps_again_and_keeps_the_journals(manager):
    journal = manager.checker.journals.get(UUID)
    journal.state = 'reported'
    swept = threading.Event()
    manager.stop()
    manager.scheduler.join(5)
    # Still running (paused: not probed), so its journal is not dropped.
    paused = FakeDomain(state=libvirt.VIR_DOMAIN_PAUSED)
    manager._open = lambda uri: swept.set() or FakeConnection(paused)
    manager.reset()
    assert swept.wait(5)
    assert manager.checker.journals.get(UUID).state == 'reported'


def test_sweep_connection_failure_is_logged(manager, monitor_logs):
    def refuse(uri):
        raise libvirt_error('Failed to connect socket')
    manager._open = refuse
    manager.check_guests()
    [record] = [r for r in monitor_logs.records if r.levelname == 'WARNING']
    assert record.name == INSTANCE
    assert record.getMessage() == 'Exception during guest checks.'


def test_scheduler_runs_at_a_fixed_rate_and_reports_overruns(monitor_logs):
    starts: list[float] = []

    def task():
        starts.append(time.monotonic())
        if len(starts) == 2:
            time.sleep(0.5)
    began = time.monotonic()
    group = scheduler.ThreadGroupManager(task, 0.2)
    group.start()
    deadline = time.monotonic() + 5
    while len(starts) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    group.stop()
    group.join(2)
    assert starts[0] - began < 0.1
    # Start to start: 0.2 s, except right after the 0.5 s run.
    assert 0.15 < starts[1] - starts[0] < 0.35
    assert 0.45 < starts[2] - starts[1] < 0.65
    assert 0.15 < starts[3] - starts[2] < 0.35
    [warning] = [r for r in monitor_logs.records if r.name == SCHEDULER]
    assert warning.levelname == 'WARNING'
    text = warning.getMessage()
    assert text.startswith(
        f"Function '{SCHEDULER}.ThreadGroupManager._service_task' run "
        f"outlasted interval by 0.")
    assert text.endswith(' sec')


def test_scheduler_survives_a_failing_task(monitor_logs):
    calls = []

    def task():
        calls.append(1)
        raise RuntimeError('sweep failed')
    group = scheduler.ThreadGroupManager(task, 0.05)
    group.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    group.stop()
    group.join(2)
    assert len(calls) >= 3
    assert any(r.levelno == logging.ERROR for r in monitor_logs.records)


# Journals of domains that are gone --------------------------------------

def test_journal_of_a_domain_no_longer_running_is_evicted(configure,
                                                          monitor_logs):
    h = Harness()
    gone = FakeDomain(uuid=OTHER_UUID)
    h.conn = FakeConnection(h.domain, gone)
    h.agent.up[OTHER_UUID] = True
    h.sweep(True)
    h.sweep(False)
    assert OTHER_UUID in h.checker.journals
    h.conn = FakeConnection(h.domain)
    h.sweep(False)
    assert OTHER_UUID not in h.checker.journals
    assert (h.journal.state, h.journal.failedCount) == ('error', 2)
    assert f'{OTHER_UUID}:Journal evicted: the domain is not running.' in \
        messages(monitor_logs)


def test_a_returning_domain_starts_over_and_is_reported_again(harness):
    harness.sweep(True)
    harness.sweeps_until_notified()
    running = harness.conn.domains
    harness.conn.domains = {}
    harness.sweep(False)
    harness.conn.domains = running
    harness.sweep(False)
    assert harness.journal.state == 'discovery'
    harness.sweep(True)
    harness.notifier.sent.clear()
    assert harness.sweeps_until_notified() == 5


@pytest.mark.parametrize('broken', ['lookup', 'list', 'ping'])
def test_a_sweep_that_did_not_see_every_domain_evicts_nothing(
        configure, broken):
    h = Harness()
    other = FakeDomain(uuid=OTHER_UUID)
    h.conn = FakeConnection(h.domain, other)
    h.sweep(True)
    assert OTHER_UUID in h.checker.journals
    if broken == 'lookup':
        h.conn.domains[2] = libvirt_error('Domain not found')
    elif broken == 'list':
        def refuse():
            raise libvirt_error('cannot list')
        h.conn.listDomainsID = refuse
    else:
        def unexpected(domain, timeout):
            raise ValueError('unexpected')
        h.checker.ping = unexpected
        del h.conn.domains[2]
    h.sweep(True)
    assert OTHER_UUID in h.checker.journals


def test_journals_stay_bounded_on_the_test_driver(configure):
    # Paused domains are not probed, but they are not gone either.
    conn = libvirt.open('test:///default')
    h = Harness()
    created = []
    try:
        paused = conn.createXML(TEST_AGENT_DOMAIN.format(name='ij-paused'), 0)
        created.append(paused)
        h.agent.up[paused.UUIDString()] = True
        h.checker.check_guests(conn)
        paused.suspend()
        gone = []
        for round_ in range(50):
            domain = conn.createXML(
                TEST_AGENT_DOMAIN.format(name=f'ij-{round_}'), 0)
            created.append(domain)
            h.checker.check_guests(conn)
            assert domain.UUIDString() in h.checker.journals
            gone.append(domain.UUIDString())
            domain.destroy()
        h.checker.check_guests(conn)
        assert [uuid for uuid in gone if uuid in h.checker.journals] == []
        assert paused.UUIDString() in h.checker.journals
    finally:
        for domain in created:
            with contextlib.suppress(libvirt.libvirtError):
                domain.destroy()    # transient: gone once destroyed
        conn.close()


TEST_AGENT_DOMAIN = ("<domain type='test'><name>{name}</name>"
                     "<memory unit='MiB'>8</memory>"
                     "<os><type>hvm</type></os><devices>"
                     f"{AGENT_CHANNEL}</devices></domain>")
