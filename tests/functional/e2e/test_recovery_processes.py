"""End to end, with every part in its own process: masakari-api (keystone
pipeline, real Keystone) and masakari-engine on RabbitMQ and MariaDB, the
Nova stand-in over HTTP, notifications posted over HTTP as a monitor
posts them. One scenario per recovery method and per notification type;
``openstack notification show`` displays the recorded workflow details.
"""
import time

import pytest

from tests.support import e2e
from tests.support.e2e import HA
from tests.support.openstack_cli import CLI


@pytest.fixture(scope='module')
def deployment(keystone, masakari_api_port, tmp_path_factory):
    work = tmp_path_factory.mktemp('e2e')
    authtoken = ''.join(f'{key} = {value}\n'
                        for key, value in keystone.authtoken_options().items())
    hosts = ['a1', 'a2', 'r1', 'r2', 'rr', 'p1', 'p2', 'pr', 'q1', 'q2', 'qr',
             'v1', 's1', 'k1', 'k2', 'k3']
    with e2e.deploy(work, hosts, masakari_api_port, auth_strategy='keystone',
                    token=keystone.token(),
                    extra='[keystone_authtoken]\n' + authtoken) as deployment:
        deployment.cli = CLI(keystone.auth_url, work)
        yield deployment


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
    # The engine answered over RPC (the API did not fall back to the tables).
    assert 'No engine reported' not in (deployment.work / 'api.log').read_text()


def test_process_failure(deployment):
    deployment.segment('seg-s1', 'auto', ['s1'])
    deployment.sim.cloud.set_service('s1', disabled=False)
    notification_uuid = deployment.notify('PROCESS', 's1', {
        'process_name': 'nova-compute', 'event': 'STOPPED'})
    assert deployment.wait_for(notification_uuid)['status'] == 'finished'
    service = deployment.sim.cloud.compute_service('s1')
    assert (service.disabled, service.disabled_reason) == (
        True, 'Masakari detected process failed.')


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
    deployment.start_engine()

    shown = deployment.wait_for(notification_uuid, timeout=120)
    assert shown['status'] == 'finished'
    for server in servers:
        assert deployment.server(server.id).host in ('k2', 'k3')
        assert deployment.server(server.id).vm_state == 'active'
        assert deployment.evacuations(server.id) == 1, server.name
