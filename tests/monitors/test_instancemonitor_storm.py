"""The instance monitor under an event storm.

libvirt can deliver matched events faster than the API takes them, and
with the API down every notification is retried for minutes. The monitor
must keep its threads and memory bounded meanwhile and still deliver each
instance's notifications once the API is back.
"""
import datetime
import queue
import random
import socket
import socketserver
import threading
import uuid

import libvirt
import pytest

from masakarimonitors.ha import events
from masakarimonitors.instancemonitor import instance
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter
from tests.monitors import stub_api
from tests.monitors.daemon import wait_for
from tests.monitors.logs import log_messages
from tests.monitors.test_instancemonitor import KEEPALIVE
from tests.monitors.test_instancemonitor import LibvirtTestDriver
from tests.monitors.test_instancemonitor import Running
from tests.support import api_server

HOSTNAME = 'compute-7'
LIFECYCLE = libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE
# LIFECYCLE (event type, detail) rows that are sent, by payload detail.
STORM_ROWS = {
    'SHUTDOWN_FINISHED': (libvirt.VIR_DOMAIN_EVENT_SHUTDOWN,
                          libvirt.VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED),
    'STOPPED_SHUTDOWN': (libvirt.VIR_DOMAIN_EVENT_STOPPED,
                         libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN),
    'STOPPED_DESTROYED': (libvirt.VIR_DOMAIN_EVENT_STOPPED,
                          libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
    'STOPPED_FAILED': (libvirt.VIR_DOMAIN_EVENT_STOPPED,
                       libvirt.VIR_DOMAIN_EVENT_STOPPED_FAILED),
}


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class _Forward(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with socket.create_connection(
                ('127.0.0.1', self.server.target_port)) as target:
            back = threading.Thread(target=_pipe, args=(target, self.request),
                                    daemon=True)
            back.start()
            _pipe(self.request, target)
            back.join(10)


class APIPort:
    """A port where nothing listens (connections are refused) until
    ``open()`` forwards it to the stub API: the API down, then back."""

    def __init__(self) -> None:
        self.port = api_server.free_port()
        self._server = None

    def api_options(self) -> dict[str, str]:
        return {'auth_url': f'http://127.0.0.1:{self.port}/identity',
                'username': 'admin', 'password': 'secret',
                'project_name': 'admin', 'user_domain_name': 'Default',
                'project_domain_name': 'Default'}

    def open(self, stub: stub_api.StubAPI) -> None:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(
            ('127.0.0.1', self.port), _Forward)
        self._server.daemon_threads = True
        self._server.target_port = stub.port
        threading.Thread(target=self._server.serve_forever,
                         daemon=True).start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Domain:
    def __init__(self) -> None:
        self.uuid = str(uuid.uuid4())

    def UUIDString(self) -> str:
        return self.uuid


def _senders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith('notify-')]


@pytest.fixture
def api_port():
    port = APIPort()
    yield port
    port.close()


def test_storm_with_the_api_down_keeps_threads_bounded_and_delivers_all(
        monitors_conf, monitor_logs, api_port):
    monitors_conf({'DEFAULT': {'hostname': HOSTNAME},
                   'api': api_port.api_options(),
                   # Retried until the API is back, quickly.
                   'callback': {'retry_max': 100000,
                                'retry_interval': 1}})
    manager = instance.InstancemonitorManager(host=HOSTNAME)
    domains = [_Domain() for _ in range(60)]
    randomly = random.Random(13)
    expected = set()
    before = threading.active_count()
    most = 0
    for n in range(2000):
        domain = domains[n % len(domains)]
        detail_name = randomly.choice(list(STORM_ROWS))
        expected.add((domain.uuid, 'LIFECYCLE', detail_name))
        # What libvirt calls: (conn, dom, event, detail, opaque).
        manager._domain_event(None, domain, *STORM_ROWS[detail_name],
                              LIFECYCLE)
        most = max(most, threading.active_count() - before)
    assert most <= 10
    assert len(_senders()) <= 10

    with stub_api.StubAPI() as stub:
        api_port.open(stub)

        def delivered() -> set:
            return {(body['notification']['payload']['instance_uuid'],
                     body['notification']['payload']['event'],
                     body['notification']['payload']['vir_domain_event'])
                    for body in list(stub.notifications)}
        wait_for(lambda: delivered() >= expected, 60,
                 'every notification', interval=0.1)
        wait_for(lambda: not _senders(), 10, 'the senders to end')
    assert delivered() == expected
    # Each is sent once, or once more for a repeat that came while it
    # was being sent.
    assert len(stub.notifications) <= 2 * len(expected)
    assert {body['notification']['hostname']
            for body in stub.notifications} == {HOSTNAME}


def test_domains_destroyed_through_libvirt_while_the_api_is_down(
        monitors_conf, monitor_logs, api_port):
    # The same through libvirt's own event loop (test:///default driver).
    monitors_conf({'DEFAULT': {'hostname': HOSTNAME},
                   'api': api_port.api_options(),
                   'libvirt': {'connection_uri': 'test:///default'},
                   'callback': {'retry_max': 100000, 'retry_interval': 1,
                                'notification_threads': 4}})
    running = Running(instance.InstancemonitorManager(host=HOSTNAME))
    driver = LibvirtTestDriver()
    try:
        wait_for(lambda: any(r.getMessage() == KEEPALIVE
                             for r in list(monitor_logs.records)),
                 10, 'the monitor to watch', interval=0.01)
        expected = set()
        most = 0
        for _ in range(100):
            domain = driver.create()
            domain.destroy()
            expected.add(domain.UUIDString())
            most = max(most, len(_senders()))
        assert most <= 4
        with stub_api.StubAPI() as stub:
            api_port.open(stub)

            def delivered() -> set:
                return {body['notification']['payload']['instance_uuid']
                        for body in list(stub.notifications)}
            wait_for(lambda: delivered() >= expected, 60,
                     'every notification', interval=0.1)
            wait_for(lambda: not _senders(), 10, 'the senders to end')
        assert delivered() == expected
        assert {body['notification']['payload']['vir_domain_event']
                for body in stub.notifications} == {'STOPPED_DESTROYED'}
    finally:
        running.stop()
        driver.close()


# The queue's policy, with a sender the test holds --------------------------

QUEUE_LOG = ('masakarimonitors.instancemonitor.libvirt_handler.'
             'notification_queue')
FAILED = (0, libvirt.VIR_DOMAIN_EVENT_STOPPED,
          libvirt.VIR_DOMAIN_EVENT_STOPPED_FAILED)
DESTROYED = (0, libvirt.VIR_DOMAIN_EVENT_STOPPED,
             libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)


class HeldSender:
    """The injected sender: each send waits until the test releases it."""

    def __init__(self, fail_first: bool = False) -> None:
        self.started: queue.Queue = queue.Queue()
        self.sent: list[tuple] = []
        self.release = threading.Event()
        self._fail_first = fail_first

    def send_notification(self, retry_max, retry_interval, event) -> None:
        notification = event['notification']
        payload = notification['payload']
        sent = (payload['instance_uuid'], payload['vir_domain_event'],
                notification['generated_time'])
        self.started.put(sent)
        assert self.release.wait(10)
        if self._fail_first:
            self._fail_first = False
            raise RuntimeError('broken sender')
        self.sent.append(sent)

    def wait_started(self) -> tuple:
        return self.started.get(timeout=5)


@pytest.fixture
def clock(monkeypatch):
    """events.utcnow() gives 12:00:01, 12:00:02, ... in turn."""
    ticks = (datetime.datetime(2026, 1, 1, 12, 0, s) for s in range(1, 60))
    monkeypatch.setattr(events, 'utcnow', lambda: next(ticks))
    return lambda s: datetime.datetime(2026, 1, 1, 12, 0, s)


def _queue_conf(monitors_conf, threads: int, size: int = 1000) -> None:
    monitors_conf({'DEFAULT': {'hostname': HOSTNAME},
                   'callback': {'notification_threads': threads,
                                'notification_queue_size': size}})


def _wait_senders_end() -> None:
    wait_for(lambda: not _senders(), 10, 'the senders to end', interval=0.01)


def test_an_instance_s_notifications_wait_in_order_and_repeats_replace(
        monitors_conf, monitor_logs, clock):
    _queue_conf(monitors_conf, threads=1)
    sender = HeldSender()
    event_filter = eventfilter.EventFilter(sender)
    a, b, c = 'a' * 8, 'b' * 8, 'c' * 8
    event_filter.vir_event_filter(*FAILED, a)           # 12:00:01, sending
    assert sender.wait_started() == (a, 'STOPPED_FAILED', clock(1))
    event_filter.vir_event_filter(*FAILED, b)           # 12:00:02, waits
    event_filter.vir_event_filter(*FAILED, c)           # 12:00:03, waits
    event_filter.vir_event_filter(*FAILED, b)           # 12:00:04 replaces
    event_filter.vir_event_filter(*DESTROYED, b)        # 12:00:05, after b
    assert log_messages(monitor_logs, QUEUE_LOG) == [
        ('INFO', f'A notification for instance {b} (LIFECYCLE '
                 'STOPPED_FAILED) is already waiting to be sent; the later '
                 'one replaces it. Until no notification waits, such '
                 'replacements are only counted.')]
    sender.release.set()
    _wait_senders_end()
    assert sender.sent == [(a, 'STOPPED_FAILED', clock(1)),
                           (b, 'STOPPED_FAILED', clock(4)),
                           (b, 'STOPPED_DESTROYED', clock(5)),
                           (c, 'STOPPED_FAILED', clock(3))]
    assert log_messages(monitor_logs, QUEUE_LOG)[1:] == [
        ('INFO', 'No notification waits any more; since the backlog '
                 'began, replaced by a later one: 1, dropped: 0.')]


def test_beyond_the_queue_size_new_ones_are_dropped_and_counted(
        monitors_conf, monitor_logs, clock):
    _queue_conf(monitors_conf, threads=1, size=2)
    sender = HeldSender()
    event_filter = eventfilter.EventFilter(sender)
    uuids = [str(n) * 8 for n in range(6)]
    event_filter.vir_event_filter(*FAILED, uuids[0])
    sender.wait_started()
    for domain_uuid in uuids[1:]:
        event_filter.vir_event_filter(*FAILED, domain_uuid)
    event_filter.vir_event_filter(*FAILED, uuids[1])    # replaces, kept
    event_filter.vir_event_filter(*DESTROYED, uuids[2])  # its instance's
    assert log_messages(monitor_logs, QUEUE_LOG) == [
        ('WARNING', f'Dropped the notification for instance {uuids[3]} '
                    '(LIFECYCLE STOPPED_FAILED): notifications of 2 '
                    'instances are waiting to be sent already. Until no '
                    'notification waits, further drops are only counted.'),
        ('INFO', f'A notification for instance {uuids[1]} (LIFECYCLE '
                 'STOPPED_FAILED) is already waiting to be sent; the later '
                 'one replaces it. Until no notification waits, such '
                 'replacements are only counted.')]
    sender.release.set()
    _wait_senders_end()
    assert [sent[:2] for sent in sender.sent] == [
        (uuids[0], 'STOPPED_FAILED'), (uuids[1], 'STOPPED_FAILED'),
        (uuids[2], 'STOPPED_FAILED'), (uuids[2], 'STOPPED_DESTROYED')]
    assert log_messages(monitor_logs, QUEUE_LOG)[2:] == [
        ('WARNING', 'No notification waits any more; since the backlog '
                    'began, replaced by a later one: 1, dropped: 3.')]

    # A new backlog is reported afresh.
    sender.release.clear()
    event_filter.vir_event_filter(*FAILED, uuids[0])
    sender.wait_started()
    for domain_uuid in uuids[1:4]:
        event_filter.vir_event_filter(*FAILED, domain_uuid)
    sender.release.set()
    _wait_senders_end()
    assert [level for level, _ in log_messages(monitor_logs, QUEUE_LOG)[3:]] == \
        ['WARNING', 'WARNING']


def test_an_instance_s_notifications_are_sent_one_after_the_other(
        monitors_conf, monitor_logs, clock):
    _queue_conf(monitors_conf, threads=3)
    sender = HeldSender()
    event_filter = eventfilter.EventFilter(sender)
    a, b = 'a' * 8, 'b' * 8
    event_filter.vir_event_filter(*FAILED, a)
    assert sender.wait_started()[0] == a
    event_filter.vir_event_filter(*FAILED, a)            # waits for the send
    event_filter.vir_event_filter(*DESTROYED, a)         # and so does this
    event_filter.vir_event_filter(*FAILED, b)            # a thread of its own
    assert sender.wait_started()[0] == b
    assert sender.started.empty()
    assert len(_senders()) == 2
    sender.release.set()
    _wait_senders_end()
    assert [sent for sent in sender.sent if sent[0] == a] == [
        (a, 'STOPPED_FAILED', clock(1)), (a, 'STOPPED_FAILED', clock(2)),
        (a, 'STOPPED_DESTROYED', clock(3))]
    assert [sent for sent in sender.sent if sent[0] == b] == [
        (b, 'STOPPED_FAILED', clock(4))]
    assert log_messages(monitor_logs, QUEUE_LOG) == []


def test_threads_stay_within_notification_threads(monitors_conf,
                                                  monitor_logs, clock):
    _queue_conf(monitors_conf, threads=4)
    sender = HeldSender()
    event_filter = eventfilter.EventFilter(sender)
    for n in range(20):
        event_filter.vir_event_filter(*FAILED, str(n) * 8)
    started = {sender.wait_started()[0] for _ in range(4)}
    assert started == {str(n) * 8 for n in range(4)}
    assert len(_senders()) == 4
    sender.release.set()
    _wait_senders_end()
    assert len(sender.sent) == 20


def test_a_failing_send_is_logged_and_the_queue_goes_on(
        monitors_conf, monitor_logs, clock):
    _queue_conf(monitors_conf, threads=1)
    sender = HeldSender(fail_first=True)
    event_filter = eventfilter.EventFilter(sender)
    event_filter.vir_event_filter(*FAILED, 'a' * 8)
    sender.wait_started()
    event_filter.vir_event_filter(*FAILED, 'b' * 8)
    sender.release.set()
    _wait_senders_end()
    assert [sent[0] for sent in sender.sent] == ['b' * 8]
    [record] = [r for r in monitor_logs.records if r.name == QUEUE_LOG]
    assert record.levelname == 'ERROR' and record.exc_info is not None
    assert record.getMessage() == ('Failed to send the notification for '
                                   f'instance {"a" * 8} (LIFECYCLE '
                                   'STOPPED_FAILED).')


def test_a_sender_that_cannot_start_leaves_its_notification_waiting(
        monitors_conf, monitor_logs, clock, monkeypatch):
    _queue_conf(monitors_conf, threads=1)
    sender = HeldSender()
    sender.release.set()
    event_filter = eventfilter.EventFilter(sender)
    start = threading.Thread.start
    refused = []

    def start_once_refused(thread):
        if not refused:
            refused.append(thread.name)
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, 'start', start_once_refused)
    event_filter.vir_event_filter(*FAILED, 'a' * 8)
    assert log_messages(monitor_logs, QUEUE_LOG) == [
        ('ERROR', "Could not start a thread to send notifications (can't "
                  "start new thread); notifications of 1 instances wait.")]
    # A repeat tries again.
    event_filter.vir_event_filter(*DESTROYED, 'a' * 8)
    _wait_senders_end()
    assert [sent[:2] for sent in sender.sent] == [
        ('a' * 8, 'STOPPED_FAILED'), ('a' * 8, 'STOPPED_DESTROYED')]
