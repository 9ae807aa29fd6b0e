"""The hostmonitor's consul driver against stdlib HTTP consul agents, its
notifications caught by the stub Masakari."""
import signal
import socket
import threading
import time

import pytest

from masakarimonitors.ha import masakari
from masakarimonitors.hostmonitor import host
from masakarimonitors.hostmonitor.consul_check import consul_helper
from masakarimonitors.hostmonitor.consul_check import manager
from tests.monitors.daemon import Daemon
from tests.monitors.logs import log_messages
from tests.support import json_http

DRIVER_LOG = 'masakarimonitors.hostmonitor.consul_check.manager'
CLIENT_LOG = 'masakarimonitors.ha.masakari'
HOST_LOG = 'masakarimonitors.hostmonitor.host'
ME = socket.gethostname()

ALIVE, FAILED = 1, 4


class ConsulAgentStub:
    """``GET /v1/agent/members`` answering from ``self.members``."""

    def __init__(self, members: dict[str, int]) -> None:
        self.members = dict(members)
        self.requests: list[str] = []
        self._server = json_http.JSONServer(self._answer).start()
        self.addr = f'127.0.0.1:{self._server.port}'

    def _answer(self, request: json_http.Request) -> json_http.Reply:
        self.requests.append(request.path)
        if request.path != '/v1/agent/members':
            return json_http.Reply(404)
        return json_http.Reply(200, [
            {'Name': name, 'Addr': '127.0.0.1', 'Port': 8301, 'Tags': {},
             'Status': status}
            for name, status in self.members.items()])

    def close(self) -> None:
        self._server.stop()


def _fmt(manage, tenant, storage) -> str:
    return str({'manage-interface': manage, 'tenant-interface': tenant,
                'storage-interface': storage})


@pytest.fixture
def agents():
    """manage, tenant, storage agents of node01, node02 and this host."""
    members = {'node01': ALIVE, 'node02': ALIVE, ME: ALIVE}
    stubs = {name: ConsulAgentStub(members)
             for name in ('manage', 'tenant', 'storage')}
    yield stubs
    for agent in stubs.values():
        agent.close()


@pytest.fixture
def consul(monitors_conf, stub, agents):
    def configure(samples=1, consul_options=None, **host_options):
        options = {'monitoring_interval': 0, 'monitoring_samples': samples,
                   'api_retry_max': 0, 'api_retry_interval': 0}
        options.update(host_options)
        consul = {f'agent_{name}': agent.addr
                  for name, agent in agents.items()}
        consul.update(consul_options or {})
        monitors_conf({'host': options, 'consul': consul,
                       'api': stub.api_options()})
        return manager.ConsulCheck(notifier=masakari.SendNotification())
    return configure


def _compute_host(notification) -> tuple:
    body = notification['notification']
    assert body['type'] == 'COMPUTE_HOST'
    payload = body['payload']
    return (body['hostname'], payload['event'], payload['cluster_status'],
            payload['host_status'])


def test_storage_down_sends_stopped_then_started(consul, agents, stub,
                                                 monitor_logs):
    driver = consul()
    driver.monitor_once()                 # first sighting: silent
    assert stub.notifications == []

    agents['storage'].members['node02'] = FAILED
    agents['storage'].members[ME] = FAILED        # never about itself
    driver.monitor_once()
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node02', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert ('INFO', f"Host node02 needs recovery, health status: "
            f"{_fmt('up', 'up', 'down')}.") in \
        log_messages(monitor_logs, DRIVER_LOG)

    driver.monitor_once()                 # unchanged: nothing more
    assert len(stub.notifications) == 1

    agents['storage'].members['node02'] = ALIVE
    driver.monitor_once()
    started = stub.wait_for(2)[1]
    assert _compute_host(started) == ('node02', 'STARTED', 'ONLINE',
                                      'NORMAL')
    assert len(stub.notifications) == 2

    logged = log_messages(monitor_logs, DRIVER_LOG)
    assert logged.count(('DEBUG', 'update monitoring data from consul.')) \
        == 4
    state = {'node01': ['up', 'up', 'up'], 'node02': ['up', 'up', 'down'],
             ME: ['up', 'up', 'down']}
    assert ('DEBUG', f'Current cluster state: {state}.') in logged
    client = log_messages(monitor_logs, CLIENT_LOG)
    assert [m for level, m in client
            if m.startswith('Send a notification. ')] and all(
        level == 'INFO' for level, _ in client)


def test_management_only_down_is_silent_then_started(
        consul, agents, stub, monitor_logs):
    driver = consul()
    driver.monitor_once()
    agents['manage'].members['node01'] = FAILED
    driver.monitor_once()
    driver.monitor_once()
    assert stub.notifications == []
    assert not any('needs recovery' in m
                   for _, m in log_messages(monitor_logs, DRIVER_LOG))

    agents['manage'].members['node01'] = ALIVE
    driver.monitor_once()
    [started] = stub.wait_for(1)
    assert _compute_host(started) == ('node01', 'STARTED', 'ONLINE',
                                      'NORMAL')


def test_samples_window_unstable_then_recovery(consul, agents, stub,
                                               monitor_logs):
    driver = consul(samples=2)
    driver.monitor_once()
    logged = log_messages(monitor_logs, DRIVER_LOG)
    assert ('DEBUG', 'Not enough monitoring data for host node02') in logged
    assert ('DEBUG', f'Not enough monitoring data for host {ME}') \
        not in logged
    driver.monitor_once()                 # window full: seeds last

    agents['storage'].members['node02'] = FAILED
    driver.monitor_once()                 # [up, down] mixed
    assert stub.notifications == []
    assert ('DEBUG', f'Host node02 has unstable health state '
            f"{_fmt('up', 'up', None)}, skipping notification.") \
        in log_messages(monitor_logs, DRIVER_LOG)

    driver.monitor_once()                 # [down, down]
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node02', 'STOPPED', 'OFFLINE',
                                      'NORMAL')


def test_first_sighting_of_a_down_host_is_silent(consul, agents, stub):
    agents['storage'].members['node02'] = FAILED
    driver = consul()
    driver.monitor_once()
    driver.monitor_once()
    assert stub.notifications == []


def test_unreachable_agent_blocks_the_cycle(consul, agents, stub,
                                            monitor_logs):
    driver = consul()
    driver.monitor_once()
    agents['tenant'].close()
    agents['storage'].members['node02'] = FAILED
    driver.monitor_once()
    assert stub.notifications == []
    errors = [r for r in monitor_logs.records
              if r.name == DRIVER_LOG and r.levelname == 'ERROR']
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert message.startswith('Exception when host-monitor by consul: '
                              'Failed to get members of tenant: ')
    assert message.endswith('.')
    assert errors[0].exc_info is not None
    # Nothing was appended that cycle.
    assert [list(w) for w in driver.windows.values()] == \
        [[['up', 'up', 'up']]] * 3


def test_matrix_file_single_cluster(consul, agents, stub, tmp_path,
                                    monitor_logs):
    matrix = tmp_path / 'matrix.yaml'
    matrix.write_text("sequence: ['manage']\n"
                      "matrix:\n"
                      "  - health: ['up']\n    action: []\n"
                      "  - health: ['down']\n    action: ['recovery']\n")
    driver = consul(consul_options={'agent_tenant': '', 'agent_storage': '',
                                    'matrix_config_file': matrix})
    driver.monitor_once()
    agents['manage'].members['node01'] = FAILED
    driver.monitor_once()
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node01', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert ('INFO', "Host node01 needs recovery, health status: "
            "{'manage-interface': 'down'}.") in \
        log_messages(monitor_logs, DRIVER_LOG)
    assert agents['tenant'].requests == []


def test_missing_matrix_file_uses_the_default(consul, tmp_path):
    driver = consul(consul_options={
        'matrix_config_file': tmp_path / 'absent.yaml'})
    assert driver.sequence == ['manage', 'tenant', 'storage']
    assert [row['health'] for row in driver.matrix
            if 'recovery' in row['action']] == [
        ['up', 'up', 'down'], ['up', 'down', 'down'],
        ['down', 'up', 'down'], ['down', 'down', 'down']]
    assert len(driver.matrix) == 8


@pytest.mark.parametrize('value,expected', [
    ('192.168.10.1:8500', ('192.168.10.1', 8500)),
    ('192.168.10.1:18500', ('192.168.10.1', 18500)),
    ('consul.local', ('consul.local', 8500)),
    ('[fd00::1]:8600', ('fd00::1', 8600)),
    ('[fd00::1]', ('fd00::1', 8500)),
    ('fd00::1', ('fd00::1', 8500)),
])
def test_parse_agent(value, expected):
    assert consul_helper.parse_agent(value) == expected


def test_combine():
    assert manager.combine([['up', 'down'], ['up', 'down']]) == \
        ['up', 'down']
    assert manager.combine([['up', 'down'], ['down', 'down']]) == \
        [None, 'down']


def test_manager_runs_the_consul_driver_until_stopped(consul, agents, stub,
                                                      monitor_logs):
    consul(monitoring_driver='consul', monitoring_interval=0)
    hostmonitor = host.HostmonitorManager(host=ME)
    hostmonitor.init_host()
    assert isinstance(hostmonitor.driver, manager.ConsulCheck)
    thread = threading.Thread(target=hostmonitor.main, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        agents['storage'].members['node02'] = FAILED
        [stopped] = stub.wait_for(1, timeout=10)
        assert _compute_host(stopped) == ('node02', 'STOPPED', 'OFFLINE',
                                          'NORMAL')
    finally:
        hostmonitor.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert log_messages(monitor_logs, HOST_LOG) == []


def test_unknown_driver_exits_1(monitors_conf, hostmonitor_init_failure):
    monitors_conf({'host': {'monitoring_driver': 'nonesuch'}})
    record = hostmonitor_init_failure(ME)
    assert record.getMessage().startswith(
        'Exception caught during initializing hostmonitor: ')
    assert 'nonesuch' in record.getMessage()


def test_driver_loop_exception_is_logged_and_main_returns(
        monitors_conf, monitor_logs):
    class Broken:
        def monitor_hosts(self):
            raise RuntimeError('boom')

    monitors_conf({})
    hostmonitor = host.HostmonitorManager(host=ME)
    hostmonitor.driver = Broken()
    hostmonitor.main()
    assert log_messages(monitor_logs, HOST_LOG) == [
        ('ERROR', 'Exception caught: boom')]


def test_daemon_notifies_and_stops_on_sigterm(tmp_path, agents, stub):
    daemon = Daemon('masakari-hostmonitor', tmp_path, {
        'host': {'monitoring_driver': 'consul', 'monitoring_interval': 1,
                 'api_retry_max': 0},
        'consul': {f'agent_{name}': agent.addr
                   for name, agent in agents.items()},
        'api': stub.api_options()})
    try:
        daemon.wait_for_log('update monitoring data from consul.', timeout=20,
                            count=2)
        agents['storage'].members['node02'] = FAILED
        [stopped] = stub.wait_for(1, timeout=20)
        assert _compute_host(stopped) == ('node02', 'STOPPED', 'OFFLINE',
                                          'NORMAL')
        daemon.wait_for_log('Response: ', timeout=20)
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(20) == 0
        logged = daemon.text()
        assert 'INFO masakarimonitors.service [-] Starting ' \
            'masakarimonitors-hostmonitor' in logged
        assert ("INFO masakarimonitors.hostmonitor.consul_check.manager [-] "
                "Host node02 needs recovery, health status: "
                f"{_fmt('up', 'up', 'down')}.") in logged
        assert 'INFO masakarimonitors.service [-] Stopping ' \
            'masakarimonitors-hostmonitor' in logged
    finally:
        daemon.close()


def test_daemon_with_unknown_driver_exits_1(tmp_path):
    daemon = Daemon('masakari-hostmonitor', tmp_path, {
        'host': {'monitoring_driver': 'nonesuch'}})
    try:
        assert daemon.wait(30) == 1
    finally:
        daemon.close()
    assert 'ERROR masakarimonitors.hostmonitor.host [-] Exception caught ' \
        'during initializing hostmonitor: ' in daemon.text()
