"""The Nova stand-in over HTTP, driven by the real openstacksdk and keystoneauth1."""
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading
from keystoneauth1 import session
from openstack import connection
from openstack import exceptions as sdk_exceptions

import novasim
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def connect(identity_url, user='masakari', password='masakari', project='service',
            system_scope=None, microversion='2.53'):
    options = {'auth_url': identity_url, 'username': user, 'password': password,
               'user_domain_name': 'Default'}
    if system_scope:
        options['system_scope'] = system_scope
    else:
        options.update(project_name=project, project_domain_name='Default')
    auth = loading.get_plugin_loader('password').load_from_options(**options)
    return connection.Connection(session=session.Session(auth=auth), region_name='RegionOne',
                                 compute_service_name='nova', compute_interface='public',
                                 compute_api_version=microversion)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met in time')


@pytest.fixture
def sim():
    sim = novasim.Simulator()
    sim.cloud.timings.evacuate = 0.2
    sim.cloud.timings.stop = sim.cloud.timings.start = 0.1
    for host in ('h1', 'h2', 'h3'):
        sim.cloud.add_host(host)
    return sim


@pytest.fixture
def running(sim):
    with novasim.start(sim) as running:
        yield running


@pytest.fixture
def conn(running):
    return connect(running.identity_url)


def test_host_failure_sequence_as_the_engine_drives_it(sim, conn):
    i1 = sim.cloud.add_server('i1', 'h1', metadata={'HA_Enabled': 'True'})
    sim.cloud.add_server('elsewhere', 'h2')
    compute = conn.compute

    [service] = compute.services(host='h1', binary='nova-compute')
    compute.disable_service(service, disabled_reason='Masakari detected host failed.')
    # The SDK's 'host' keyword filters on a body field client-side; the
    # server-side host filter is 'compute_host'.
    servers = list(compute.servers(details=True, all_projects=True, compute_host='h1'))
    assert [(s.id, s.metadata, s.vm_state) for s in servers] == \
        [(i1.id, {'HA_Enabled': 'True'}, 'active')]

    server = compute.get_server(i1.id)
    assert (server.is_locked, server.task_state, server.power_state) == (False, None, 1)
    compute.lock_server(i1.id)
    with pytest.raises(sdk_exceptions.BadRequestException) as refused:
        compute.evacuate_server(i1.id)
    assert refused.value.details == 'Compute service of h1 is still in use.'

    sim.cloud.host_down('h1')
    compute.evacuate_server(i1.id)
    moved = wait_for(lambda: (s := compute.get_server(i1.id)).hypervisor_hostname != 'h1' and s)
    assert (moved.hypervisor_hostname, moved.compute_host, moved.vm_state) == \
        ('h3', 'h3', 'active')
    compute.unlock_server(i1.id)

    [service] = compute.services(host='h1', binary='nova-compute')
    assert (service.status, service.state) == ('disabled', 'down')
    assert [a.action for a in compute.server_actions(i1.id)] == \
        ['unlock', 'evacuate', 'lock', 'create']
    calls = [(c['method'], c['path'].replace(i1.id, '<i1>').replace(service.id, '<svc>'),
              c['action'], c['status'])
             for c in sim.calls.since(0) if c['service'] == 'compute' and c['path'] != '/']
    assert calls[:7] == [
        ('GET', '/os-services', None, 200),
        ('PUT', '/os-services/<svc>', None, 200),
        ('GET', '/servers/detail', None, 200),
        ('GET', '/servers/<i1>', None, 200),
        ('POST', '/servers/<i1>/action', 'lock', 202),
        ('POST', '/servers/<i1>/action', 'evacuate', 400),
        ('POST', '/servers/<i1>/action', 'evacuate', 200),
    ]
    assert calls[-1] == ('GET', '/servers/<i1>/os-instance-actions', None, 200)
    assert calls[-3] == ('POST', '/servers/<i1>/action', 'unlock', 202)
    disable = next(c for c in sim.calls.since(0) if c['method'] == 'PUT')
    assert disable['body'] == {'status': 'disabled',
                               'disabled_reason': 'Masakari detected host failed.'}
    assert {c['microversion'] for c in sim.calls.since(0)
            if c['service'] == 'compute' and c['path'] != '/'} == {'2.53'}


def test_not_found_carries_novas_message(conn):
    with pytest.raises(sdk_exceptions.NotFoundException) as caught:
        conn.compute.get_server('0b0a8b4c-5c8e-4d36-9d6e-000000000000')
    assert caught.value.status_code == 404
    assert caught.value.details == \
        'Instance 0b0a8b4c-5c8e-4d36-9d6e-000000000000 could not be found.'


def test_evacuate_conflicts_on_server_state(sim, conn):
    server = sim.cloud.add_server('i1', 'h1', vm_state='paused')
    sim.cloud.host_down('h1')
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.compute.evacuate_server(server.id)
    assert 'vm_state paused' in caught.value.details


def test_evacuation_into_error_and_stop_start(sim, conn):
    compute = conn.compute
    broken = sim.cloud.add_server('broken', 'h1', evacuation='error')
    sim.cloud.host_down('h1')
    compute.evacuate_server(broken.id)
    assert wait_for(lambda: compute.get_server(broken.id).vm_state == 'error')
    assert compute.get_server(broken.id).hypervisor_hostname == 'h1'

    server = sim.cloud.add_server('i2', 'h2')
    compute.stop_server(server.id)
    assert wait_for(lambda: compute.get_server(server.id).status == 'SHUTOFF')
    with pytest.raises(sdk_exceptions.ConflictException):
        compute.stop_server(server.id)
    compute.start_server(server.id)
    assert wait_for(lambda: compute.get_server(server.id).vm_state == 'active')
    compute.reset_server_state(server.id, 'error')
    assert compute.get_server(server.id).status == 'ERROR'


def test_aggregates_and_hypervisors(sim, conn):
    compute = conn.compute
    aggregate = sim.cloud.add_aggregate('A', hosts=['h1'])
    compute.add_host_to_aggregate(aggregate.id, 'h2')
    with pytest.raises(sdk_exceptions.ConflictException):
        compute.add_host_to_aggregate(aggregate.id, 'h2')
    assert [(a.name, a.hosts) for a in compute.aggregates()] == [('A', ['h1', 'h2'])]
    sim.cloud.host_down('h3')
    states = {h.name: h.state for h in compute.hypervisors(details=True)}
    assert states == {'h1': 'up', 'h2': 'up', 'h3': 'down'}


def test_system_scoped_connection(sim, running):
    conn = connect(running.identity_url, system_scope='all')
    assert [s.host for s in conn.compute.services(binary='nova-compute')] == ['h1', 'h2', 'h3']


def test_wrong_password_fails_authentication(running):
    conn = connect(running.identity_url, password='wrong')
    with pytest.raises(ks_exceptions.Unauthorized):
        list(conn.compute.services())


def test_dropped_connection_reaches_the_client_as_a_connection_failure(sim, conn):
    list(conn.compute.services())
    sim.add_fault(path='/os-services', drop=True)
    with pytest.raises(ks_exceptions.ConnectFailure):
        list(conn.compute.services())
    assert len(list(conn.compute.services())) == 3


def test_reauthenticates_after_tokens_are_revoked(sim, conn):
    list(conn.compute.services())
    sim.identity.revoke_all()
    assert len(list(conn.compute.services())) == 3
    auths = [c for c in sim.calls.since(0) if c['path'] == '/v3/auth/tokens']
    assert len(auths) == 2


def _control(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f'{url}/_sim{path}', data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=10) as response:
        return json.load(response)


def test_separate_process_seeded_and_steered_over_http(tmp_path):
    seed = tmp_path / 'seed.json'
    seed.write_text(json.dumps({
        'hosts': ['c1', 'c2'],
        'servers': [{'name': 'vm', 'host': 'c1', 'id': '6f1d3c9e-1111-4222-8333-944455556666',
                     'metadata': {'HA_Enabled': 'True'}}],
        'timings': {'evacuate': 0.1},
    }))
    port = free_port()
    process = subprocess.Popen([sys.executable, '-m', 'novasim', '--port', str(port),
                                '--seed', str(seed)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert 'listening' in process.stdout.readline()
        url = f'http://127.0.0.1:{port}'
        conn = connect(f'{url}/identity/v3')
        server_id = '6f1d3c9e-1111-4222-8333-944455556666'
        assert conn.compute.get_server(server_id).metadata == {'HA_Enabled': 'True'}

        _control(url, 'POST', '/hosts/c1/down', {'report_after': 0})
        _control(url, 'POST', '/faults', {'path': '/servers/*/action', 'action': 'evacuate',
                                          'status': 500, 'times': 1})
        with pytest.raises(sdk_exceptions.HttpException) as caught:
            conn.compute.evacuate_server(server_id)
        assert caught.value.status_code == 500
        conn.compute.evacuate_server(server_id)
        assert wait_for(lambda: conn.compute.get_server(server_id).compute_host == 'c2')

        actions = [(c['method'], c['action'], c['status'])
                   for c in _control(url, 'GET', '/calls') if c['action']]
        assert actions == [('POST', 'evacuate', 500), ('POST', 'evacuate', 200)]
        state = _control(url, 'GET', '/state')
        assert state['servers'][0]['host'] == 'c2'
    finally:
        process.terminate()
        process.wait(timeout=10)
