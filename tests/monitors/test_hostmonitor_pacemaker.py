"""The hostmonitor's default (pacemaker/corosync) driver, run against the
real Pacemaker 2.1.5 ``cibadmin``/``crm_mon`` reading a CIB file, with
stubbed ``systemctl``/``crmadmin``/``tcpdump``/``ipmitool`` and its
notifications caught by the stub Masakari.
"""
import signal
import threading
import time

import pytest

from masakarimonitors import command
from masakarimonitors.conf import CONF
from masakarimonitors.ha import masakari
from masakarimonitors.hostmonitor import host
from masakarimonitors.hostmonitor.host_handler import handle_host
from masakarimonitors.hostmonitor.host_handler import hold_host_status
from masakarimonitors.hostmonitor.host_handler import parse_cib_xml
from masakarimonitors.hostmonitor.host_handler import parse_crmmon_xml
from tests.monitors import pacemaker_cluster
from tests.monitors.daemon import Daemon
from tests.monitors.daemon import wait_for
from tests.monitors.logs import log_messages
from tests.monitors.pacemaker_cluster import ME

DRIVER_LOG = 'masakarimonitors.hostmonitor.host_handler.handle_host'
CIB_LOG = 'masakarimonitors.hostmonitor.host_handler.parse_cib_xml'
CRMMON_LOG = 'masakarimonitors.hostmonitor.host_handler.parse_crmmon_xml'
SKIP = ('WARNING', 'hostmonitor skips monitoring hosts.')


@pytest.fixture(scope='module')
def pacemaker_root():
    return pacemaker_cluster.ensure_pacemaker_tools()


@pytest.fixture
def cluster(tmp_path, pacemaker_root, monkeypatch):
    """This host and two peers, node2 and node3, all online, with IPMI
    stonith resources; corosync traffic seen on eth0."""
    cluster = pacemaker_cluster.FakeCluster(tmp_path, pacemaker_root)
    cluster.nodes.update({'node2': 'online', 'node3': 'online'})
    cluster.ipmi.update({'node2': '192.0.2.12', 'node3': '192.0.2.13'})
    cluster.traffic(eth0='ok')
    cluster.write()
    monkeypatch.setenv('PATH', cluster.path())
    return cluster


class RecordingExecute:
    """command.execute, remembering (time, cmd, run_as_root) of each run."""

    def __init__(self) -> None:
        self.runs: list[tuple[float, str, bool]] = []

    def __call__(self, cmd: str, run_as_root: bool = False, **kwargs):
        self.runs.append((time.monotonic(), cmd, run_as_root))
        return command.execute(cmd, run_as_root=run_as_root, **kwargs)

    def commands(self, program: str) -> list[tuple[str, bool]]:
        return [(cmd, as_root) for _, cmd, as_root in self.runs
                if program in cmd.split()[:3]]


@pytest.fixture
def hostmonitor(monitors_conf, stub, cluster):
    """Builds the driver with [host] options over fast test defaults; its
    notifications go through the real client to the stub API."""
    def configure(privileged: dict | None = None,
                  **host_options) -> handle_host.HandleHost:
        options = {'monitoring_interval': 0, 'monitoring_samples': 1,
                   'api_retry_max': 0, 'api_retry_interval': 0,
                   'corosync_multicast_interfaces': 'eth0',
                   'corosync_multicast_ports': 5405,
                   'ipmi_retry_interval': 0, 'stonith_wait': 0,
                   'tcpdump_timeout': 1}
        options.update(host_options)
        monitors_conf({'host': options, 'api': stub.api_options(),
                       'masakarimonitors_privileged': privileged or {}})
        driver = handle_host.HandleHost(
            notifier=masakari.SendNotification(),
            execute=RecordingExecute())
        return driver
    return configure


def _compute_host(notification) -> tuple:
    body = notification['notification']
    assert body['type'] == 'COMPUTE_HOST'
    payload = body['payload']
    assert set(payload) == {'event', 'cluster_status', 'host_status'}
    return (body['hostname'], payload['event'], payload['cluster_status'],
            payload['host_status'])


def _cycle(driver, cluster, caplog=None, **nodes):
    """Sets the peers' crmd values, runs one cycle and returns what the
    driver logged during it."""
    cluster.nodes.update(nodes)
    cluster.write()
    if caplog is not None:
        caplog.clear()
    driver.monitor_once()
    return log_messages(caplog, DRIVER_LOG) if caplog is not None else None


# -- offline / online transitions ---------------------------------------------

def test_peer_goes_offline_without_ipmi_check(hostmonitor, cluster, stub,
                                              monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('INFO', "Recognized 'node2' as a new member of cluster. Host "
            "status is 'online'.") in logged
    assert not any(f"'{ME}'" in message for _, message in logged)
    assert stub.notifications == []

    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert ('INFO', "'node2' is 'offline' (current: 'offline').") in logged
    assert ('INFO', "'node3' is 'online' (current: 'online').") in logged
    assert driver._execute.commands('ipmitool') == []
    assert driver.status.held['node2'] == 'offline'

    _cycle(driver, cluster)                       # unchanged: nothing more
    assert len(stub.notifications) == 1


def test_ipmi_says_power_off(hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(ipmi_timeout=7)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert ('INFO', 'ipmitool command output stdout: Chassis Power is '
            'off\n') in logged
    # Not as root; the credentials and address come from node2's
    # resource, the password through the environment, never the argv.
    assert driver._execute.commands('ipmitool') == [
        ('timeout 7 ipmitool -U admin -E -I lanplus -H 192.0.2.12 '
         'power status', False)]
    assert cluster.calls('ipmitool') == [
        'ipmitool -U admin -E -I lanplus -H 192.0.2.12 power status']
    assert cluster.ipmitool_password() == 'secret'


def test_ipmi_password_stays_out_of_logs_and_argv(hostmonitor, cluster,
                                                  stub, monitor_logs):
    cluster.ipmitool('Error: Unable to establish IPMI v2 / RMCP+ session',
                     rc=1)
    driver = hostmonitor(ipmi_retry_max=1)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped)[3] == 'UNKNOWN'
    failures = [m for level, m in logged if level in ('WARNING', 'ERROR')
                and 'ipmitool' in m]
    assert len(failures) == 2 and 'Exit code: 1' in failures[-1]
    assert all('ipmitool -U admin -E' in m for m in failures)
    assert not any('secret' in record.getMessage()
                   for record in monitor_logs.records)
    assert all('secret' not in call for call in cluster.calls())
    assert cluster.ipmitool_password() == 'secret'


def test_ipmi_never_says_off(hostmonitor, cluster, stub, monitor_logs):
    cluster.ipmitool('Chassis Power is on')
    driver = hostmonitor(ipmi_retry_max=3, ipmi_retry_interval=1)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'UNKNOWN')
    runs = [at for at, cmd, _ in driver._execute.runs if 'ipmitool' in cmd]
    assert len(runs) == 4
    assert all(later - earlier >= 0.9
               for earlier, later in zip(runs, runs[1:]))
    reason = 'ipmitool command output unexpected power status: ' \
             'Chassis Power is on'
    assert [m for m in logged if 'ipmitool' in m[1]] == \
        [('WARNING', f'Retry executing ipmitool command. ({reason})')] * 3 \
        + [('ERROR', f'Exception caught: {reason}')]


def test_ipmitool_stderr_counts_as_failure(hostmonitor, cluster, stub,
                                           monitor_logs):
    cluster.ipmitool('Chassis Power is off', err='Get Session Challenge '
                     'command failed')
    driver = hostmonitor(ipmi_retry_max=1)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped)[3] == 'UNKNOWN'
    assert ('WARNING', 'Retry executing ipmitool command. (ipmitool command '
            'output stderr: Get Session Challenge command failed\n)') \
        in logged


def test_ipmi_params_missing_gives_unknown(hostmonitor, cluster, stub,
                                           monitor_logs):
    del cluster.ipmi['node2']
    driver = hostmonitor()
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped)[3] == 'UNKNOWN'
    assert ('ERROR', 'Failed to get params of ipmi RA.') in logged
    assert driver._execute.commands('ipmitool') == []


def test_peer_returns_online(hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    _cycle(driver, cluster, node2='offline')
    logged = _cycle(driver, cluster, monitor_logs, node2='online')
    stopped, started = stub.wait_for(2)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert _compute_host(started) == ('node2', 'STARTED', 'ONLINE', 'NORMAL')
    assert ('INFO', "'node2' is 'online' (current: 'online').") in logged


def test_peer_already_offline_at_start(hostmonitor, cluster, stub,
                                       monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    assert ('INFO', "Recognized 'node2' as a new member of cluster. Host "
            "status is 'offline'.") in logged
    _cycle(driver, cluster)
    _cycle(driver, cluster)
    assert stub.notifications == []


# -- monitoring_samples --------------------------------------------------------

def test_flapping_peer_is_uncertain(hostmonitor, cluster, stub,
                                    monitor_logs):
    driver = hostmonitor(monitoring_samples=3, disable_ipmi_check=True)
    for _ in range(3):
        _cycle(driver, cluster)
    for crmd in ('offline', 'online', 'offline', 'online'):
        logged = _cycle(driver, cluster, monitor_logs, node2=crmd)
        assert ('INFO', f"'node2' is '_uncertain' (current: '{crmd}').") \
            in logged
        assert ('INFO', "Since host status is '_uncertain', hostmonitor "
                "doesn't send a notification.") in logged
        assert driver.status.held['node2'] == 'online'
    assert stub.notifications == []


def test_samples_3_notifies_on_third_offline_cycle(
        hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(monitoring_samples=3, disable_ipmi_check=True)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('DEBUG', 'Not enough monitoring data for host node2.') in logged
    assert ('INFO', "'node2' is '_being_collected' (current: 'online').") \
        in logged
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('INFO', "'node2' is 'online' (current: 'online').") in logged

    for _ in range(2):
        logged = _cycle(driver, cluster, monitor_logs, node2='offline')
        assert ('INFO', "'node2' is '_uncertain' (current: 'offline').") \
            in logged
        assert stub.notifications == []
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    assert ('INFO', "'node2' is 'offline' (current: 'offline').") in logged
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert not any('_being_collected' in m for _, m in
                   log_messages(monitor_logs, DRIVER_LOG))


# -- skipped cycles ------------------------------------------------------------

def test_no_quorum_in_cib(hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    cluster.have_quorum = '0'
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    assert logged[-2:] == [
        ('WARNING', "Pacemaker cluster doesn't have quorum."), SKIP]
    assert stub.notifications == []


def test_no_quorum_in_crm_mon(hostmonitor, cluster, stub, monitor_logs):
    cluster.remotes['remote1'] = True
    driver = hostmonitor(restrict_to_remotes=True, disable_ipmi_check=True)
    _cycle(driver, cluster)
    cluster.have_quorum = '0'
    cluster.remotes['remote1'] = False
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-2:] == [
        ('WARNING', "Pacemaker cluster doesn't have quorum."), SKIP]
    assert stub.notifications == []


def test_missing_have_quorum_ends_the_cycle(hostmonitor, cluster,
                                            monitor_logs):
    cluster.have_quorum = None
    driver = hostmonitor()
    _cycle(driver, cluster)
    [record] = [r for r in monitor_logs.records
                if r.name == DRIVER_LOG and r.levelname == 'ERROR']
    assert record.getMessage().startswith('Exception caught: int() ')
    assert record.exc_info is not None
    assert driver.status.held == {}


@pytest.mark.parametrize('out,err,rc,reason', [
    (f'Controller on {ME} in state S_ELECTION: ok', None, 0,
     'crmadmin command output unexpected host status.'),
    (f'Controller on {ME} in state S_IDLE: ok', 'some warning', 0,
     'crmadmin command output stderr: some warning\n'),
])
def test_unstable_own_node_skips(hostmonitor, cluster, stub, monitor_logs,
                                 out, err, rc, reason):
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    cluster.crmadmin(out, err, rc)
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    assert logged[-3:] == [
        ('WARNING', f'Exception caught: {reason}'),
        ('WARNING', f"'{ME}' is unstable state on cluster."), SKIP]
    assert stub.notifications == []
    assert driver._execute.commands('crmadmin')[-1] == (f'crmadmin -S {ME}',
                                                        True)
    assert len(driver._execute.commands('cibadmin')) == 1


def test_crmadmin_without_controller(hostmonitor, cluster, monitor_logs):
    cluster.crmadmin('', 'error: Could not connect to controller: '
                     'Connection refused', rc=102)
    driver = hostmonitor()
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-3][0] == 'WARNING'
    assert logged[-3][1].startswith(
        'Exception caught: Unexpected error while running command.\n'
        f'Command: crmadmin -S {ME}\nExit code: 102\n')
    assert logged[-2:] == [
        ('WARNING', f"'{ME}' is unstable state on cluster."), SKIP]


def test_old_crmadmin_wording_is_stable(hostmonitor, cluster, stub):
    cluster.crmadmin(f'Status of crmd@{ME}: S_NOT_DC (ok)')
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    _cycle(driver, cluster, node2='offline')
    assert len(stub.wait_for(1)) == 1


def test_no_corosync_traffic_waits_then_carries_on(
        hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(corosync_multicast_interfaces='eth0,eth1',
                         corosync_multicast_ports='5405,5406',
                         stonith_wait=1, tcpdump_timeout=1,
                         pacemaker_node_type='cluster',
                         disable_ipmi_check=True)
    _cycle(driver, cluster)
    cluster.traffic(eth0=None, eth1='hang')
    started = time.monotonic()
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    elapsed = time.monotonic() - started
    assert logged[:3] == [
        ('WARNING', "Corosync communication using 'eth0' is failed."),
        ('WARNING', "Corosync communication using 'eth1' is failed."),
        ('ERROR', 'Corosync communication is failed.')]
    # tcpdump on eth1 ran until the real timeout stopped it, then
    # stonith_wait passed: about 2 s.
    assert elapsed >= 1.9
    # The cycle carried on, as upstream.
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert SKIP not in logged
    assert driver._execute.commands('tcpdump')[-2:] == [
        ('timeout 1 tcpdump -n -c 1 -p -i eth0 port 5405', True),
        ('timeout 1 tcpdump -n -c 1 -p -i eth1 port 5406', True)]


def test_traffic_on_second_interface_is_enough(hostmonitor, cluster,
                                               monitor_logs):
    cluster.traffic(eth0=None, eth1='ok')
    driver = hostmonitor(corosync_multicast_interfaces='eth0,eth1',
                         corosync_multicast_ports='5405,5406',
                         pacemaker_node_type='cluster', stonith_wait=30)
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[:2] == [
        ('WARNING', "Corosync communication using 'eth0' is failed."),
        ('INFO', "Corosync communication using 'eth1' is normal.")]
    assert ('ERROR', 'Corosync communication is failed.') not in logged


def test_no_pacemaker_stack_skips(hostmonitor, cluster, monitor_logs):
    cluster.services(corosync=False, pacemaker=False, pacemaker_remote=False)
    driver = hostmonitor()
    _cycle(driver, cluster, monitor_logs)
    records = [r for r in monitor_logs.records if r.name == DRIVER_LOG]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ('WARNING', "Failed to check pacemaker service 'corosync'."),
        ('WARNING', "Failed to check pacemaker service 'pacemaker'."),
        ('WARNING', "Failed to check pacemaker service 'pacemaker_remote'."),
        ('ERROR', 'Neither pacemaker nor pacemaker-remote is running.'),
        SKIP]
    assert all(r.exc_info is not None for r in records[:3])
    assert cluster.calls('systemctl') == [
        'systemctl status corosync', 'systemctl status pacemaker',
        'systemctl status pacemaker_remote']
    assert cluster.calls('cibadmin') == []
    assert driver._execute.commands('systemctl')[0] == (
        'systemctl status corosync', True)


# -- Pacemaker >= 2.1.7 crmd values -------------------------------------------

def test_crmd_timestamps(hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    logged = _cycle(driver, cluster, monitor_logs, node2='1767856436',
                    node3='0')
    assert ('INFO', "Recognized 'node2' as a new member of cluster. Host "
            "status is 'online'.") in logged
    assert ('INFO', "Recognized 'node3' as a new member of cluster. Host "
            "status is 'offline'.") in logged
    logged = _cycle(driver, cluster, monitor_logs, node2='1767856999')
    assert ('INFO', "'node2' is 'online' (current: 'online').") in logged
    assert ('INFO', "'node3' is 'offline' (current: 'offline').") in logged
    assert stub.notifications == []

    _cycle(driver, cluster, node2='0')
    _cycle(driver, cluster, node3='1767857000')
    stopped, started = stub.wait_for(2)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')
    assert _compute_host(started) == ('node3', 'STARTED', 'ONLINE', 'NORMAL')


def test_crm_simulate_node_down_is_detected(hostmonitor, cluster, stub,
                                            monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    cluster.simulate('-d', 'node2')
    monitor_logs.clear()
    driver.monitor_once()
    assert ('INFO', "'node2' is 'offline' (current: 'offline').") in \
        log_messages(monitor_logs, DRIVER_LOG)
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                      'NORMAL')


@pytest.mark.parametrize('raw,expected', [
    ('1767856436', 'online'), ('1', 'online'), ('0', 'offline'),
    ('-1', 'offline'), ('online', 'online'), ('offline', 'offline'),
    ('other', 'other'), (None, None)])
def test_normalize(raw, expected):
    assert hold_host_status.normalize(raw) == expected


def test_stable_odd_status_is_held_without_notification(
        hostmonitor, cluster, stub, monitor_logs):
    driver = hostmonitor(disable_ipmi_check=True)
    _cycle(driver, cluster)
    logged = _cycle(driver, cluster, monitor_logs, node2='other')
    assert ('INFO', "Since host status is 'other', hostmonitor doesn't send "
            "a notification.") in logged
    assert driver.status.held['node2'] == 'other'
    assert stub.notifications == []
    _cycle(driver, cluster, node2='online')
    [started] = stub.wait_for(1)
    assert _compute_host(started) == ('node2', 'STARTED', 'ONLINE', 'NORMAL')


# -- restrict_to_remotes (crm_mon mode) ---------------------------------------

def test_member_nodes_are_ignored_remotes_notified(
        hostmonitor, cluster, stub, monitor_logs):
    cluster.remotes.update({'remote1': True, 'remote2': True})
    driver = hostmonitor(restrict_to_remotes=True, disable_ipmi_check=True)
    logged = _cycle(driver, cluster, monitor_logs)
    assert [m for _, m in logged if m.startswith('Recognized')] == [
        "Recognized 'remote1' as a new member of cluster. Host status is "
        "'online'.",
        "Recognized 'remote2' as a new member of cluster. Host status is "
        "'online'."]

    cluster.down.add('node2')
    logged = _cycle(driver, cluster, monitor_logs, node2='offline')
    assert not any('node2' in m for _, m in logged)
    assert stub.notifications == []
    assert cluster.calls('cibadmin') == []
    assert driver._execute.commands('crm_mon')[-1] == ('crm_mon -X', True)

    cluster.remotes['remote1'] = False
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('INFO', "'remote1' is 'offline' (current: 'offline').") in logged
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped) == ('remote1', 'STOPPED', 'OFFLINE',
                                      'NORMAL')


def test_remotes_with_ipmi_check_fail_every_cycle(
        hostmonitor, cluster, stub, monitor_logs):
    cluster.remotes['remote1'] = True
    driver = hostmonitor(restrict_to_remotes=True)
    _cycle(driver, cluster)
    cluster.remotes['remote1'] = False
    for _ in range(2):
        monitor_logs.clear()
        _cycle(driver, cluster)
        errors = [r for r in monitor_logs.records
                  if r.name == DRIVER_LOG and r.levelname == 'ERROR']
        assert [r.getMessage() for r in errors] == [
            "Exception caught: 'NoneType' object is not iterable"]
        assert errors[0].exc_info is not None
        assert driver.status.held['remote1'] == 'online'
    assert stub.notifications == []
    assert driver._execute.commands('ipmitool') == []


# -- the stack on this node ---------------------------------------------------

def test_full_stack_autodetect_checks_pacemaker_remote_twice(
        hostmonitor, cluster, monitor_logs):
    driver = hostmonitor()
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged.count(('WARNING', "Failed to check pacemaker service "
                         "'pacemaker_remote'.")) == 2
    assert ('INFO', "Corosync communication using 'eth0' is normal.") \
        in logged
    assert cluster.calls('systemctl') == [
        'systemctl status corosync', 'systemctl status pacemaker',
        'systemctl status pacemaker_remote',
        'systemctl status pacemaker_remote']
    assert cluster.calls('crmadmin') == [f'crmadmin -S {ME}']
    assert cluster.calls('cibadmin') == ['cibadmin --query']


def test_systemctl_stderr_means_not_running(hostmonitor, cluster,
                                            monitor_logs):
    cluster.services(pacemaker='stderr')
    driver = hostmonitor()
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('WARNING', "Failed to check pacemaker service 'pacemaker'.") \
        in logged
    assert logged[-2:] == [
        ('ERROR', 'Neither pacemaker nor pacemaker-remote is running.'),
        SKIP]


def test_autodetected_remote_node(hostmonitor, cluster, stub, monitor_logs):
    cluster.services(corosync=False, pacemaker=False, pacemaker_remote=True)
    driver = hostmonitor(disable_ipmi_check=True)
    logged = _cycle(driver, cluster, monitor_logs)
    assert ('INFO', 'Works on pacemaker-remote.') in logged
    _cycle(driver, cluster, node3='offline')
    [stopped] = stub.wait_for(1)
    assert _compute_host(stopped)[:2] == ('node3', 'STOPPED')
    assert cluster.calls('tcpdump') == []
    assert cluster.calls('crmadmin') == []


@pytest.mark.parametrize('node_type,crmadmin_runs', [('cluster', 1),
                                                     ('remote', 0)])
def test_configured_node_type_needs_no_systemctl(
        hostmonitor, cluster, monitor_logs, node_type, crmadmin_runs):
    cluster.services(corosync=False, pacemaker=False, pacemaker_remote=False)
    driver = hostmonitor(pacemaker_node_type=node_type)
    logged = _cycle(driver, cluster, monitor_logs)
    assert cluster.calls('systemctl') == []
    assert len(cluster.calls('crmadmin')) == crmadmin_runs
    assert cluster.calls('cibadmin') == ['cibadmin --query']
    assert SKIP not in logged


@pytest.mark.parametrize('options,message', [
    ({'corosync_multicast_interfaces': ''},
     'corosync_multicast_interfaces or corosync_multicast_ports is not set.'),
    ({'corosync_multicast_ports': ''},
     'corosync_multicast_interfaces or corosync_multicast_ports is not set.'),
    ({'corosync_multicast_interfaces': 'eth0,eth1'},
     'Incorrect parameters corosync_multicast_interfaces or '
     'corosync_multicast_ports.'),
])
def test_corosync_options_missing_or_unpaired(hostmonitor, cluster,
                                              monitor_logs, options, message):
    driver = hostmonitor(**options)
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-2:] == [('ERROR', message), SKIP]
    assert cluster.calls('tcpdump') == []
    assert cluster.calls('cibadmin') == []


def test_corosync_port_out_of_range_is_refused(monitors_conf):
    monitors_conf({'host': {'corosync_multicast_ports': '5405,70000'}})
    with pytest.raises(ValueError):
        CONF.host.corosync_multicast_ports


# -- tools missing or failing -------------------------------------------------

def test_missing_cibadmin_is_a_clear_failure(hostmonitor, cluster,
                                             monitor_logs):
    cluster.remove_tool('cibadmin')
    driver = hostmonitor()
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-2:] == [
        ('WARNING', "Exception caught: [Errno 2] No such file or directory: "
         "'cibadmin'"), SKIP]


def test_missing_crmadmin_makes_the_node_unstable(hostmonitor, cluster,
                                                  monitor_logs):
    cluster.remove_tool('crmadmin')
    driver = hostmonitor()
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-3:] == [
        ('WARNING', "Exception caught: [Errno 2] No such file or directory: "
         "'crmadmin'"),
        ('WARNING', f"'{ME}' is unstable state on cluster."), SKIP]


def test_cibadmin_error_skips(hostmonitor, cluster, monitor_logs):
    cluster.cib_file.unlink()
    driver = hostmonitor()
    monitor_logs.clear()
    driver.monitor_once()
    logged = log_messages(monitor_logs, DRIVER_LOG)
    assert logged[-2][0] == 'WARNING'
    assert logged[-2][1].startswith(
        'Exception caught: Unexpected error while running command.\n'
        'Command: cibadmin --query\n')
    assert logged[-1] == SKIP


def test_crm_mon_stderr_skips(hostmonitor, cluster, monitor_logs):
    cluster.remotes['remote1'] = True
    driver = hostmonitor(restrict_to_remotes=True)
    real = driver._execute

    def noisy(cmd, run_as_root=False):
        out, err = real(cmd, run_as_root=run_as_root)
        return out, ('warning: something\n' if cmd == 'crm_mon -X' else err)
    driver._execute = noisy
    logged = _cycle(driver, cluster, monitor_logs)
    assert logged[-2:] == [
        ('WARNING', 'Exception caught: crmmon command output stderr: '
         'warning: something\n'), SKIP]


def test_empty_status_section(hostmonitor, cluster, monitor_logs):
    cluster.with_status_section = False       # cibadmin adds <status/>
    driver = hostmonitor()
    _cycle(driver, cluster)
    assert log_messages(monitor_logs, CIB_LOG) == [
        ('ERROR', "Cib xml doesn't have node_state tag.")]
    [error] = [r for r in monitor_logs.records
               if r.name == DRIVER_LOG and r.levelname == 'ERROR']
    assert error.getMessage() == \
        'Exception caught: Failed to get node_state tag from cib xml.'
    assert error.exc_info is not None


# -- the parsers on documents the real tools never print ----------------------

def test_cib_without_status_tag(monitor_logs):
    parser = parse_cib_xml.ParseCibXml()
    parser.set_cib_xml('<cib have-quorum="1"><configuration/></cib>')
    assert parser.get_node_states() == []
    assert log_messages(monitor_logs, CIB_LOG) == [
        ('ERROR', "Cib xml doesn't have status tag.")]


@pytest.mark.parametrize('cib,error', [
    ('<cib/>', "Cib xml doesn't have configuration tag."),
    ('<cib><configuration/></cib>', "Cib xml doesn't have resources tag."),
])
def test_cib_without_resources(monitor_logs, cib, error):
    parser = parse_cib_xml.ParseCibXml()
    parser.set_cib_xml(cib)
    assert parser.get_stonith_ipmi_params('node2') is None
    assert log_messages(monitor_logs, CIB_LOG) == [('ERROR', error)]


def test_ipmi_primitive_outside_a_group_is_ignored():
    parser = parse_cib_xml.ParseCibXml()
    nvpairs = ''.join(f'<nvpair name="{k}" value="{v}"/>' for k, v in {
        'hostname': 'node2', 'ipaddr': '192.0.2.12', 'userid': 'u',
        'passwd': 'p', 'interface': 'lan'}.items())
    primitive = ('<primitive id="p" class="stonith" type="external/ipmi">'
                 f'<instance_attributes>{nvpairs}</instance_attributes>'
                 '</primitive>')
    parser.set_cib_xml(f'<cib><configuration><resources>{primitive}'
                       '</resources></configuration></cib>')
    assert parser.get_stonith_ipmi_params('node2') is None
    parser.set_cib_xml(f'<cib><configuration><resources><group id="g">'
                       f'{primitive}</group></resources></configuration>'
                       '</cib>')
    assert parser.get_stonith_ipmi_params('node2') == {
        'userid': 'u', 'passwd': 'p', 'interface': 'lan',
        'ipaddr': '192.0.2.12'}
    assert parser.get_stonith_ipmi_params('node3') is None


@pytest.mark.parametrize('xml,error', [
    ('<crm_mon/>', "crm_mon xml doesn't have nodes tag."),
    ('<crm_mon><nodes/></crm_mon>', "crm_mon xml doesn't have online tag."),
])
def test_crm_mon_without_nodes(monitor_logs, xml, error):
    parser = parse_crmmon_xml.ParseCrmMonXml()
    parser.set_crmmon_xml(xml)
    assert parser.get_nodes() == []
    assert log_messages(monitor_logs, CRMMON_LOG) == [('ERROR', error)]


def test_crm_mon_without_nodes_raises_in_the_driver(hostmonitor, cluster,
                                                    monitor_logs):
    driver = hostmonitor(restrict_to_remotes=True)
    driver._execute = lambda cmd, run_as_root=False: (
        ('<crm_mon><summary><current_dc with_quorum="true"/></summary>'
         '<nodes/></crm_mon>', '') if cmd == 'crm_mon -X'
        else command.execute(cmd, run_as_root=run_as_root))
    _cycle(driver, cluster)
    [error] = [r for r in monitor_logs.records
               if r.name == DRIVER_LOG and r.levelname == 'ERROR']
    assert error.getMessage() == \
        'Exception caught: Failed to get nodes tag from crm_mon xml.'


# -- root, the manager, stop --------------------------------------------------

def test_not_root_runs_root_commands_through_privsep(hostmonitor, cluster, stub,
                                                     privsep_helper, tmp_path):
    driver = hostmonitor(pacemaker_node_type='cluster', privileged=privsep_helper)
    _cycle(driver, cluster)
    _cycle(driver, cluster, node2='offline')
    assert len(stub.wait_for(1)) == 1
    # The root commands ran (the stubs saw them) through one privsep daemon;
    # ipmitool runs as the monitor's user.
    assert len((tmp_path / 'privsep-helper.calls').read_text().splitlines()) == 1
    as_root = {cmd for _, cmd, root in driver._execute.runs if root}
    assert {'crmadmin -S ' + ME, 'cibadmin --query',
            'timeout 1 tcpdump -n -c 1 -p -i eth0 port 5405'} <= as_root
    assert cluster.calls('crmadmin') and cluster.calls('tcpdump')
    assert not any('ipmitool' in cmd for cmd in as_root)
    assert len(cluster.calls('ipmitool')) == 1


@pytest.mark.parametrize('name', ['default', 'simple'])
def test_manager_loads_the_pacemaker_driver(monitors_conf, name):
    monitors_conf({'host': {'monitoring_driver': name}})
    manager = host.HostmonitorManager(host=ME)
    manager.init_host()
    assert isinstance(manager.driver, handle_host.HandleHost)


def test_manager_loop_notifies_and_stops_promptly(monitors_conf, stub,
                                                  cluster):
    monitors_conf({'host': {'monitoring_driver': 'default',
                            'monitoring_interval': 1,
                            'corosync_multicast_interfaces': 'eth0',
                            'corosync_multicast_ports': '5405',
                            'disable_ipmi_check': True},
                   'api': stub.api_options()})
    manager = host.HostmonitorManager(host=ME)
    manager.init_host()
    thread = threading.Thread(target=manager.main, daemon=True)
    thread.start()
    try:
        # The first sighting done (cibadmin read the file), not merely
        # started.
        wait_for(lambda: 'node2' in manager.driver.status.held)
        cluster.nodes['node2'] = 'offline'
        cluster.write()
        [stopped] = stub.wait_for(1, timeout=15)
        assert _compute_host(stopped) == ('node2', 'STOPPED', 'OFFLINE',
                                          'NORMAL')
    finally:
        manager.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_stop_does_not_wait_for_the_interval(hostmonitor, cluster):
    driver = hostmonitor(monitoring_interval=60)
    thread = threading.Thread(target=driver.monitor_hosts, daemon=True)
    thread.start()
    wait_for(lambda: 'node2' in driver.status.held)
    time.sleep(0.2)
    started = time.monotonic()
    driver.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2
    assert driver.running is False


def test_daemon_logs_and_ends_promptly_on_sigterm(tmp_path, cluster, stub):
    daemon = Daemon('masakari-hostmonitor', tmp_path, {
        'host': {'monitoring_interval': 60,
                 'corosync_multicast_interfaces': 'eth0',
                 'corosync_multicast_ports': '5405'},
        'api': stub.api_options()})
    try:
        daemon.wait_for_log("Recognized 'node3'", timeout=30)
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(10) == 0
        assert time.monotonic() - started < 5
    finally:
        daemon.close()
    logged = daemon.text()
    prefix = 'masakarimonitors.hostmonitor.host_handler.handle_host [-] '
    assert f"INFO {prefix}Corosync communication using 'eth0' is " \
        'normal.' in logged
    assert f"INFO {prefix}Recognized 'node2' as a new member of cluster. " \
        "Host status is 'online'." in logged
    assert f"WARNING {prefix}Failed to check pacemaker service " \
        "'pacemaker_remote'." in logged
    assert 'INFO masakarimonitors.service [-] Stopping ' \
        'masakarimonitors-hostmonitor' in logged


@pytest.mark.parametrize('ci,outcome', [('true', pytest.fail.Exception),
                                        ('', pytest.skip.Exception)])
def test_unobtainable_tools_fail_on_ci(tmp_path, monkeypatch, ci, outcome):
    failing = tmp_path / 'pacemaker-tools.sh'
    failing.write_text('#!/bin/sh\necho "E: no network" >&2\nexit 1\n')
    failing.chmod(0o755)
    monkeypatch.setattr(pacemaker_cluster, 'TOOLS_SCRIPT', failing)
    monkeypatch.setenv('CI', ci)
    with pytest.raises(outcome, match='E: no network'):
        pacemaker_cluster.ensure_pacemaker_tools(tmp_path / 'root')
