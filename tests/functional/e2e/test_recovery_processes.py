"""End to end, with every part in its own process: masakari-api (keystone
pipeline, real Keystone) and masakari-engine on RabbitMQ and MariaDB, the
Nova stand-in over HTTP, notifications posted over HTTP as a monitor
posts them. One scenario per recovery method and per notification type;
``openstack notification show`` displays the recorded workflow details.
"""
import time
import uuid

import pytest
import requests

import novasim
from novasim.state import Timings
from tests.support import api_server
from tests.support import databases
from tests.support import nova
from tests.support import rabbit
from tests.support.engine_server import EngineServer
from tests.support.openstack_cli import CLI

HA = {'HA_Enabled': 'True'}
# Waits cut down from minutes to seconds; Nova moves servers in 0.5 s.
ENGINE_OPTIONS = """\
[DEFAULT]
wait_period_after_service_update = 1
wait_period_after_evacuation = 30
wait_period_after_power_off = 30
wait_period_after_power_on = 30
verify_interval = 1
periodic_fuzzy_delay = 0
"""


class Deployment:
    def __init__(self, url: str, token: str, sim: novasim.Simulator, cli: CLI,
                 engine: EngineServer):
        self.url, self.sim, self.cli, self.engine = url, sim, cli, engine
        self.session = requests.Session()
        self.session.headers.update({'X-Auth-Token': token,
                                     'OpenStack-API-Version': 'instance-ha 1.3'})

    def call(self, method: str, path: str, expected: int, body=None) -> dict:
        r = self.session.request(method, self.url + '/v1' + path, json=body, timeout=30)
        assert r.status_code == expected, r.text
        return r.json() if r.content else {}

    def segment(self, name: str, recovery_method: str, hosts: list[str],
                reserved: tuple[str, ...] = ()) -> str:
        """A segment of ``hosts`` (all Nova compute hosts), some reserved.
        Hosts are created in order: the last reserved one is the newest."""
        segment = self.call('POST', '/segments', 201, {'segment': {
            'name': name, 'recovery_method': recovery_method,
            'service_type': 'COMPUTE'}})['segment']
        for host in hosts:
            self.call('POST', f"/segments/{segment['uuid']}/hosts", 201, {'host': {
                'name': host, 'type': 'COMPUTE', 'control_attributes': 'SSH',
                'reserved': host in reserved}})
        return segment['uuid']

    def notify(self, type_: str, hostname: str, payload: dict) -> str:
        return self.call('POST', '/notifications', 202, {'notification': {
            'type': type_, 'hostname': hostname, 'payload': payload,
            'generated_time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}}
        )['notification']['notification_uuid']

    def wait_for(self, notification_uuid: str, timeout: float = 60) -> dict:
        """The notification once its status is final."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.call('GET', f'/notifications/{notification_uuid}',
                              200)['notification']
            if shown['status'] in ('finished', 'ignored', 'failed', 'error'):
                return shown
            assert time.monotonic() < deadline, shown
            time.sleep(0.5)

    def vmoves(self, notification_uuid: str) -> list[dict]:
        return self.call('GET', f'/notifications/{notification_uuid}/vmoves',
                         200)['vmoves']

    def server(self, server_id: str):
        return self.sim.cloud.get_server(server_id)

    def schedule_only_to(self, hosts: list[str]) -> None:
        """Nova's scheduler may pick any enabled compute host: leave only
        ``hosts`` enabled (spare, reserved hosts start disabled too)."""
        for name in self.sim.cloud.hosts:
            self.sim.cloud.set_service(name, disabled=name not in hosts)


@pytest.fixture(scope='module')
def deployment(keystone, masakari_api_port, tmp_path_factory):
    rabbit.require()
    work = tmp_path_factory.mktemp('e2e')
    database_url = databases.create('mysql', work)
    sim = novasim.Simulator()
    sim.cloud.timings = Timings(evacuate=0.5, stop=0.2, start=0.2)
    for host in ('a1', 'a2', 'r1', 'r2', 'rr', 'p1', 'p2', 'pr', 'q1', 'q2', 'qr',
                 'v1', 's1', 'k1', 'k2', 'k3'):
        sim.cloud.add_host(host)
    private = f'masakari-e2e-{uuid.uuid4().hex[:8]}'
    try:
        with novasim.start(sim) as nova_run:
            authtoken = ''.join(f'{key} = {value}\n'
                                for key, value in keystone.authtoken_options().items())
            extra = (nova.masakari_options(nova_run) + ENGINE_OPTIONS
                     + f'control_exchange = {private}\nmasakari_topic = {private}\n'
                     + '[keystone_authtoken]\n' + authtoken)
            config = api_server.write_config(
                work / 'masakari.conf', database_url, masakari_api_port, extra=extra,
                auth_strategy='keystone', transport_url=rabbit.URL)
            api_server.db_sync(config)
            api = api_server.APIServer(config, masakari_api_port, work / 'api.log').start()
            deployment = Deployment(api.url, keystone.token(), sim,
                                    CLI(keystone.auth_url, work),
                                    EngineServer(config, work / 'engine.log').start())
            try:
                yield deployment
            finally:
                deployment.engine.stop()
                api.stop()
    finally:
        databases.drop(database_url)


def host_failure(deployment, recovery_method: str, failed: str, others: list[str],
                 reserved: tuple[str, ...] = ()):
    """Two HA servers on ``failed``, which dies; a COMPUTE_HOST notification
    for it; returns the final notification, the two servers and the
    segment's hosts afterwards."""
    segment = deployment.segment(f'seg-{failed}', recovery_method, [failed, *others],
                                 reserved)
    deployment.schedule_only_to([failed] + [h for h in others if h not in reserved])
    servers = [deployment.sim.cloud.add_server(f'{failed}-vm{i}', failed, metadata=HA)
               for i in (1, 2)]
    deployment.sim.cloud.host_down(failed)
    notification_uuid = deployment.notify('COMPUTE_HOST', failed, {
        'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'})
    shown = deployment.wait_for(notification_uuid)
    hosts = deployment.call('GET', f'/segments/{segment}/hosts', 200)['hosts']
    return shown, servers, {host['name']: host for host in hosts}


def test_auto(deployment):
    shown, servers, hosts = host_failure(deployment, 'auto', 'a1', ['a2'])
    assert shown['status'] == 'finished'
    assert hosts['a1']['on_maintenance'] is True
    for server in servers:
        moved = deployment.server(server.id)
        assert (moved.host, moved.vm_state) == ('a2', 'active')
    moves = deployment.vmoves(shown['notification_uuid'])
    assert sorted((m['instance_uuid'], m['status'], m['dest_host']) for m in moves) == \
        sorted((s.id, 'succeeded', 'a2') for s in servers)


def test_reserved_host(deployment):
    shown, servers, hosts = host_failure(deployment, 'reserved_host', 'r1',
                                         ['r2', 'rr'], reserved=('rr',))
    assert shown['status'] == 'finished'
    assert {deployment.server(s.id).host for s in servers} == {'rr'}
    assert (hosts['rr']['reserved'], hosts['r1']['on_maintenance']) == (False, True)


@pytest.mark.parametrize('method, failed, others, reserved, target', [
    ('auto_priority', 'p1', ['p2', 'pr'], ('pr',), 'p2'),
    ('rh_priority', 'q1', ['q2', 'qr'], ('qr',), 'qr'),
])
def test_priority_methods(deployment, method, failed, others, reserved, target):
    shown, servers, hosts = host_failure(deployment, method, failed, others, reserved)
    assert shown['status'] == 'finished'
    assert {deployment.server(s.id).host for s in servers} == {target}
    # auto_priority: the auto flow works, so the reserved host stays spare
    # (and its disabled service keeps the scheduler away); rh_priority uses
    # the reserved host first.
    assert hosts[reserved[0]]['reserved'] is (method == 'auto_priority')


def test_instance_failure_and_workflow_details_in_the_cli(deployment):
    deployment.segment('seg-v1', 'auto', ['v1'])
    server = deployment.sim.cloud.add_server('v1-vm', 'v1', metadata=HA,
                                             vm_state='stopped')
    notification_uuid = deployment.notify('VM', 'v1', {
        'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
        'instance_uuid': server.id})
    assert deployment.wait_for(notification_uuid)['status'] == 'finished'
    assert deployment.server(server.id).vm_state == 'active'
    shown = deployment.cli.json('notification', 'show', notification_uuid)
    details = shown['recovery_workflow_details']
    assert [d['name'] for d in details] == ['StopInstanceTask', 'StartInstanceTask',
                                           'ConfirmInstanceActiveTask']
    assert all(d['state'] == 'SUCCESS' for d in details)
    assert details[-1]['progress_details'][-1]['message'] == \
        f"Confirmed instance '{server.id}' vm_state is ACTIVE"


def test_process_failure(deployment):
    deployment.segment('seg-s1', 'auto', ['s1'])
    deployment.sim.cloud.set_service('s1', disabled=False)
    notification_uuid = deployment.notify('PROCESS', 's1', {
        'process_name': 'nova-compute', 'event': 'STOPPED'})
    assert deployment.wait_for(notification_uuid)['status'] == 'finished'
    service = deployment.sim.cloud.compute_service('s1')
    assert (service.disabled, service.disabled_reason) == (
        True, 'Masakari detected process failed.')


def evacuations(deployment, server_id: str) -> int:
    """How many evacuate requests Nova accepted for a server."""
    return sum(1 for call in deployment.sim.calls.since()
               if call['action'] == 'evacuate' and call['status'] == 200
               and call['path'] == f'/servers/{server_id}/action')


def test_engine_killed_mid_evacuation_is_finished_by_the_next(deployment):
    deployment.segment('seg-k1', 'auto', ['k1', 'k2', 'k3'])
    deployment.schedule_only_to(['k1', 'k2', 'k3'])
    servers = [deployment.sim.cloud.add_server(f'k1-vm{i:02d}', 'k1', metadata=HA)
               for i in range(20)]
    deployment.sim.cloud.host_down('k1')
    notification_uuid = deployment.notify('COMPUTE_HOST', 'k1', {
        'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'})
    deadline = time.monotonic() + 60
    while sum(1 for m in deployment.vmoves(notification_uuid)
              if m['status'] == 'succeeded') < 4:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    deployment.engine.kill()
    moves = deployment.vmoves(notification_uuid)
    assert any(m['status'] != 'succeeded' for m in moves), 'killed too late'
    deployment.engine = EngineServer(deployment.engine.config,
                                     deployment.engine.log).start()

    shown = deployment.wait_for(notification_uuid, timeout=120)
    assert shown['status'] == 'finished'
    for server in servers:
        assert deployment.server(server.id).host in ('k2', 'k3')
        assert deployment.server(server.id).vm_state == 'active'
        assert evacuations(deployment, server.id) == 1, server.name
