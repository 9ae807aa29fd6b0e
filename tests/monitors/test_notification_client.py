"""The shared notification client against the real masakari-api (behind a
real Keystone) and against a stub answering 500."""
import contextlib
import datetime
import socket
import threading
import time

import pytest

from masakarimonitors.ha import events
from masakarimonitors.ha import masakari
from tests.monitors import stub_api
from tests.monitors.logs import log_messages
from tests.support import api_server
from tests.support import keystone as ks

LOGGER = 'masakarimonitors.ha.masakari'
WHEN = datetime.datetime(2026, 11, 25, 3, 33, 41, 101079)


def _event(hostname: str, name: str = 'nova-compute') -> dict:
    return events.build_event('PROCESS', hostname,
                              {'event': 'STOPPED', 'process_name': name},
                              generated_time=WHEN)


def test_real_api_accepts_refuses_duplicate_and_unknown_host(
        keystone, real_api, monitors_conf, monitor_logs):
    creds = ks.ADMIN
    monitors_conf({'api': {
        'auth_url': keystone.auth_url, 'username': creds.username,
        'password': creds.password, 'project_name': creds.project_name,
        'user_domain_name': creds.user_domain_name,
        'project_domain_name': creds.project_domain_name}})
    sender = masakari.SendNotification(sleep=pytest.fail)

    sender.send_notification(3, 0, _event('compute-1'))
    logged = log_messages(monitor_logs, LOGGER)
    assert logged[0] == ('INFO', 'Send a notification. ' + repr(
        _event('compute-1')))
    assert 'datetime.datetime(2026, 11, 25, 3, 33, 41, 101079)' in logged[0][1]
    level, response = logged[1]
    assert level == 'INFO' and response.startswith('Response: ')
    assert 'status=new' in response and 'hostname=compute-1' in response
    assert 'notification_uuid=' in response
    assert len(logged) == 2

    monitor_logs.clear()
    sender.send_notification(3, 0, _event('compute-1'))
    level, text = log_messages(monitor_logs, LOGGER)[1]
    assert level == 'INFO'
    assert text.startswith('ConflictException: 409: Client Error for url: '
                           f'{real_api.url}/v1/')
    assert len(log_messages(monitor_logs, LOGGER)) == 2        # no retry

    monitor_logs.clear()
    sender.send_notification(3, 0, _event('compute-9'))
    level, text = log_messages(monitor_logs, LOGGER)[1]
    assert level == 'INFO'
    assert text.startswith('BadRequestException: 400: Client Error for url: ')
    assert 'compute-9' in text
    assert len(log_messages(monitor_logs, LOGGER)) == 2


def test_server_error_is_retried_then_given_up(monitors_conf, monitor_logs,
                                               stub):
    monitors_conf({'api': stub.api_options()})
    stub.statuses.extend([500] * 3)
    sleeps = []
    sender = masakari.SendNotification(sleep=sleeps.append)
    sender.send_notification(2, 7, _event('compute-1'))

    assert len(stub.notifications) == 3          # retry_max + 1
    assert sleeps == [7, 7]
    logged = log_messages(monitor_logs, LOGGER)
    assert [level for level, _ in logged] == [
        'INFO', 'WARNING', 'WARNING', 'ERROR']
    url = f'{stub.url}/v1/{stub_api.PROJECT_ID}/notifications'
    error = f'HttpException: 500: Server Error for url: {url}'
    for _, text in logged[1:3]:
        assert text.startswith(f'Retry sending a notification. ({error}')
    assert logged[3][1].startswith(f'Exception caught: {error}')
    assert monitor_logs.records[-1].exc_info is not None
    assert stub.notifications[0] == {'notification': {
        'type': 'PROCESS', 'hostname': 'compute-1',
        'generated_time': '2026-11-25T03:33:41.101079',
        'payload': {'event': 'STOPPED', 'process_name': 'nova-compute'}}}

    # The exhausted loop dropped the client: the next send
    # authenticates again, and a recovered API is reached.
    tokens = stub.token_requests
    monitor_logs.clear()
    sender.send_notification(2, 7, _event('compute-1'))
    assert stub.token_requests == tokens + 1
    assert [level for level, _ in log_messages(monitor_logs, LOGGER)] == [
        'INFO', 'INFO']
    assert sleeps == [7, 7]


def test_a_retry_that_succeeds_keeps_the_client(monitors_conf, monitor_logs,
                                                stub):
    monitors_conf({'api': stub.api_options()})
    stub.statuses.extend([503])
    sender = masakari.SendNotification(sleep=lambda seconds: None)
    sender.send_notification(12, 10, _event('compute-1'))
    sender.send_notification(12, 10, _event('compute-2'))
    assert len(stub.notifications) == 3
    assert stub.token_requests == 1
    levels = [level for level, _ in log_messages(monitor_logs, LOGGER)]
    assert levels == ['INFO', 'WARNING', 'INFO', 'INFO', 'INFO']


def test_unreachable_api_is_retried(monitors_conf, monitor_logs):
    monitors_conf({'api': {
        'auth_url': f'http://127.0.0.1:{api_server.free_port()}/identity',
        'username': 'u', 'password': 'p', 'project_name': 'p',
        'user_domain_name': 'Default', 'project_domain_name': 'Default'}})
    sleeps = []
    masakari.SendNotification(sleep=sleeps.append).send_notification(
        1, 3, _event('compute-1'))
    levels = [level for level, _ in log_messages(monitor_logs, LOGGER)]
    assert levels == ['INFO', 'WARNING', 'ERROR']
    assert sleeps == [3]


@contextlib.contextmanager
def _silent_api():
    """A TCP server on 127.0.0.1 that accepts connections and never answers;
    yields (url, accepted connections)."""
    listener = socket.create_server(('127.0.0.1', 0))
    accepted = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f'http://127.0.0.1:{listener.getsockname()[1]}', accepted
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def _silent_api_options(url: str) -> dict:
    return {'auth_url': f'{url}/identity', 'username': 'u', 'password': 'p',
            'project_name': 'p', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}


def test_api_that_never_answers_counts_as_a_failed_try(monitors_conf,
                                                        monitor_logs):
    with _silent_api() as (url, accepted):
        monitors_conf({'api': {**_silent_api_options(url), 'timeout': '1'}})
        sleeps = []
        sender = masakari.SendNotification(sleep=sleeps.append)
        started = time.monotonic()
        thread = threading.Thread(target=sender.send_notification,
                                  args=(2, 5, _event('compute-1')),
                                  daemon=True)
        thread.start()
        thread.join(15)
        assert not thread.is_alive(), 'the client waited for ever'
        assert time.monotonic() - started < 10
        assert len(accepted) == 3                    # retry_max + 1
        assert sleeps == [5, 5]
        levels = [level for level, _ in log_messages(monitor_logs, LOGGER)]
        assert levels == ['INFO', 'WARNING', 'WARNING', 'ERROR']


def test_requests_are_bounded_when_no_timeout_is_configured(monitors_conf,
                                                             stub):
    monitors_conf({'api': stub.api_options()})
    client = masakari.make_instance_ha_client()
    assert client.session.timeout == masakari.DEFAULT_REQUEST_TIMEOUT == 30
