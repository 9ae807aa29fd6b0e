"""The simulator's HTTP surface, driven in-process through its WSGI application."""
import datetime
import json
import time
from urllib.parse import quote

import pytest
import webob

from novasim import FakeClock
from novasim import Simulator
from novasim.identity import project_id_for
from novasim.state import Timings
from novasim.state import iso


def request(sim, method, path, body=None, token=None, version='2.53', **headers):
    req = webob.Request.blank(path, method=method)
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    if token:
        req.headers['X-Auth-Token'] = token
    if version:
        req.headers['OpenStack-API-Version'] = f'compute {version}'
    req.headers.update(headers)
    return req.get_response(sim)


def password_auth(user, password, scope=None):
    auth = {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'name': 'Default'}, 'password': password}}}}
    if scope is not None:
        auth['scope'] = scope
    return {'auth': auth}


def login(sim, user='admin', password='admin', scope=None):
    response = request(sim, 'POST', '/identity/v3/auth/tokens',
                       password_auth(user, password, scope), version=None)
    assert response.status_code == 201, response.text
    return response.headers['X-Subject-Token']


@pytest.fixture
def sim():
    sim = Simulator()
    sim.cloud.timings.evacuate = 0
    for host in ('h1', 'h2'):
        sim.cloud.add_host(host)
    return sim


@pytest.fixture
def admin(sim):
    return login(sim)


# -- identity ------------------------------------------------------------------


def test_identity_version_discovery(sim):
    response = request(sim, 'GET', '/identity/v3', version=None)
    assert response.status_code == 200
    assert response.json['version']['id'].startswith('v3')
    assert response.json['version']['links'][0]['href'] == 'http://localhost/identity/v3/'
    assert request(sim, 'GET', '/identity/', version=None).status_code == 300


def test_project_scoped_token_carries_the_compute_catalog(sim):
    scope = {'project': {'name': 'service', 'domain': {'name': 'default'}}}
    response = request(sim, 'POST', '/identity/v3/auth/tokens',
                       password_auth('masakari', 'masakari', scope), version=None)
    assert response.status_code == 201
    assert response.headers['X-Subject-Token']
    token = response.json['token']
    assert token['project'] == {'id': project_id_for('service'), 'name': 'service',
                                'domain': {'id': 'default', 'name': 'Default'}}
    assert {'admin', 'service', 'member', 'reader'} <= {r['name'] for r in token['roles']}
    compute = next(s for s in token['catalog'] if s['type'] == 'compute')
    assert compute['name'] == 'nova'
    assert sorted((e['interface'], e['region_id'], e['url']) for e in compute['endpoints']) == [
        (iface, 'RegionOne', 'http://localhost/compute/v2.1')
        for iface in ('admin', 'internal', 'public')]


def test_system_scope(sim):
    scope = {'system': {'all': True}}
    response = request(sim, 'POST', '/identity/v3/auth/tokens',
                       password_auth('masakari', 'masakari', scope), version=None)
    assert response.json['token']['system'] == {'all': True}
    assert 'project' not in response.json['token']
    denied = request(sim, 'POST', '/identity/v3/auth/tokens',
                     password_auth('demo', 'demo', scope), version=None)
    assert denied.status_code == 401


@pytest.mark.parametrize('user, password, scope', [
    ('masakari', 'wrong', None),
    ('nobody', 'masakari', None),
    ('masakari', 'masakari', {'project': {'name': 'demo', 'domain': {'id': 'default'}}}),
])
def test_authentication_failures_answer_401_in_keystone_format(sim, user, password, scope):
    response = request(sim, 'POST', '/identity/v3/auth/tokens',
                       password_auth(user, password, scope), version=None)
    assert response.status_code == 401
    assert response.json['error']['code'] == 401
    assert response.json['error']['title'] == 'Unauthorized'
    assert 'WWW-Authenticate' in response.headers


def test_token_validation(sim, admin):
    subject = login(sim, 'demo', 'demo')
    response = request(sim, 'GET', '/identity/v3/auth/tokens', token=admin, version=None,
                       **{'X-Subject-Token': subject})
    assert response.status_code == 200
    assert response.json['token']['user']['name'] == 'demo'
    missing = request(sim, 'GET', '/identity/v3/auth/tokens', token=admin, version=None,
                      **{'X-Subject-Token': 'bogus'})
    assert missing.status_code == 404
    assert missing.json['error']['message'] == 'Could not find token: bogus.'


# -- compute -------------------------------------------------------------------


def test_compute_version_documents(sim):
    root = request(sim, 'GET', '/compute/', version=None).json['versions'][0]
    assert (root['id'], root['min_version'], root['version']) == ('v2.1', '2.1', '2.95')
    assert request(sim, 'GET', '/compute/v2.1/', version=None).json['version']['id'] == 'v2.1'


def test_compute_requires_a_valid_token(sim):
    response = request(sim, 'GET', '/compute/v2.1/os-services', token='bogus')
    assert response.status_code == 401
    assert response.json['error']['code'] == 401


@pytest.mark.parametrize('headers, expected', [
    ({'OpenStack-API-Version': 'compute 2.53'}, '2.53'),
    ({'X-OpenStack-Nova-API-Version': '2.11'}, '2.11'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.95'),
    ({}, '2.1'),
])
def test_microversion_headers(sim, admin, headers, expected):
    response = request(sim, 'GET', '/compute/v2.1/os-services', token=admin, version=None,
                       **headers)
    assert response.headers['OpenStack-API-Version'] == f'compute {expected}'
    assert response.headers['X-OpenStack-Nova-API-Version'] == expected
    assert 'OpenStack-API-Version' in response.headers['Vary']


def test_unsupported_and_malformed_microversions(sim, admin):
    too_new = request(sim, 'GET', '/compute/v2.1/os-services', token=admin, version='2.200')
    assert too_new.status_code == 406
    assert 'maximum is 2.95' in too_new.json['computeFault']['message']
    bad = request(sim, 'GET', '/compute/v2.1/os-services', token=admin, version='2.x')
    assert bad.status_code == 400
    assert 'invalid format' in bad.json['badRequest']['message']


def test_service_ids_depend_on_the_microversion(sim, admin):
    new = request(sim, 'GET', '/compute/v2.1/os-services?host=h1', token=admin).json
    old = request(sim, 'GET', '/compute/v2.1/os-services?host=h1', token=admin,
                  version='2.1').json
    assert len(new['services'][0]['id']) == 36
    assert isinstance(old['services'][0]['id'], int)
    assert 'forced_down' in new['services'][0] and 'forced_down' not in old['services'][0]


def test_service_update_at_2_53(sim, admin):
    service_id = sim.cloud.compute_service('h1').id
    response = request(sim, 'PUT', f'/compute/v2.1/os-services/{service_id}',
                       {'status': 'disabled', 'disabled_reason': 'Masakari detected host failed.'},
                       token=admin)
    assert response.status_code == 200
    assert response.json['service']['status'] == 'disabled'
    assert response.json['service']['disabled_reason'] == 'Masakari detected host failed.'
    bad = request(sim, 'PUT', '/compute/v2.1/os-services/not-a-uuid', {'status': 'enabled'},
                  token=admin)
    assert bad.json == {'badRequest': {'code': 400, 'message': 'Invalid uuid not-a-uuid'}}


def test_legacy_service_update_before_2_53(sim, admin):
    response = request(sim, 'PUT', '/compute/v2.1/os-services/disable-log-reason',
                       {'host': 'h1', 'binary': 'nova-compute', 'disabled_reason': 'why'},
                       token=admin, version='2.11')
    assert response.json == {'service': {'host': 'h1', 'binary': 'nova-compute',
                                         'disabled_reason': 'why', 'status': 'disabled'}}
    assert sim.cloud.compute_service('h1').disabled


def test_unknown_server_is_item_not_found(sim, admin):
    response = request(sim, 'GET', '/compute/v2.1/servers/nope', token=admin)
    assert response.status_code == 404
    assert response.json == {'itemNotFound': {'code': 404,
                                              'message': 'Instance nope could not be found.'}}


def test_server_view(sim, admin):
    server = sim.cloud.add_server('i1', 'h1', metadata={'HA_Enabled': 'True'},
                                  vm_state='stopped')
    body = request(sim, 'GET', f'/compute/v2.1/servers/{server.id}', token=admin).json['server']
    assert body['status'] == 'SHUTOFF'
    assert body['OS-EXT-STS:vm_state'] == 'stopped'
    assert body['OS-EXT-STS:power_state'] == 4
    assert body['OS-EXT-STS:task_state'] is None
    assert body['OS-EXT-SRV-ATTR:host'] == body['OS-EXT-SRV-ATTR:hypervisor_hostname'] == 'h1'
    assert body['metadata'] == {'HA_Enabled': 'True'}
    assert body['locked'] is False
    assert body['host_status'] == 'UP'


def test_evacuate_errors_use_novas_fault_bodies(sim, admin):
    server = sim.cloud.add_server('i1', 'h1', task_state='rebooting')
    url = f'/compute/v2.1/servers/{server.id}/action'
    up = request(sim, 'POST', url, {'evacuate': {}}, token=admin)
    assert up.status_code == 409
    assert up.json['conflictingRequest']['message'] == (
        f"Cannot 'evacuate' instance {server.id} while it is in task_state rebooting")
    extra = request(sim, 'POST', url, {'evacuate': {'onSharedStorage': False}}, token=admin)
    assert extra.status_code == 400
    assert "'onSharedStorage' was unexpected" in extra.json['badRequest']['message']
    unknown = request(sim, 'POST', url, {'fly': None}, token=admin)
    assert unknown.json == {'itemNotFound': {'code': 404,
                                             'message': 'There is no such action: fly'}}


def test_evacuate_and_power_actions_over_http(sim, admin):
    server = sim.cloud.add_server('i1', 'h1')
    url = f'/compute/v2.1/servers/{server.id}/action'
    assert request(sim, 'POST', url, {'evacuate': {}}, token=admin).status_code == 400
    sim.cloud.host_down('h1')
    response = request(sim, 'POST', url, {'evacuate': {'host': 'h2'}}, token=admin)
    assert (response.status_code, response.body) == (200, b'')
    assert sim.cloud.get_server(server.id).host == 'h2'
    assert request(sim, 'POST', url, {'os-start': None}, token=admin).status_code == 409
    assert request(sim, 'POST', url, {'os-resetState': {'state': 'error'}},
                   token=admin).status_code == 202
    assert request(sim, 'POST', url, {'os-resetState': {'state': 'stopped'}},
                   token=admin).status_code == 400
    actions = request(sim, 'GET', f'/compute/v2.1/servers/{server.id}/os-instance-actions',
                      token=admin).json['instanceActions']
    assert [a['action'] for a in actions] == ['resetState', 'evacuate', 'create']


def test_non_admins_see_their_own_servers_only(sim):
    mine = sim.cloud.add_server('mine', 'h1', project='demo')
    theirs = sim.cloud.add_server('theirs', 'h1', project='other')
    demo = login(sim, 'demo', 'demo')
    listed = request(sim, 'GET', '/compute/v2.1/servers/detail?host=h2', token=demo).json
    assert [s['id'] for s in listed['servers']] == [mine.id]
    assert request(sim, 'GET', f'/compute/v2.1/servers/{theirs.id}',
                   token=demo).status_code == 404
    forbidden = request(sim, 'GET', '/compute/v2.1/servers/detail?all_tenants=1', token=demo)
    assert forbidden.status_code == 403
    assert 'get_all_tenants' in forbidden.json['forbidden']['message']
    assert request(sim, 'GET', '/compute/v2.1/os-services', token=demo).status_code == 403


def test_server_list_filters_and_pages(sim, admin):
    for n in range(3):
        sim.cloud.add_server(f'i{n}', 'h1')
    sim.cloud.add_server('elsewhere', 'h2')
    url = '/compute/v2.1/servers/detail?all_tenants=True&host=h1'
    assert len(request(sim, 'GET', url, token=admin).json['servers']) == 3
    assert request(sim, 'GET', '/compute/v2.1/servers/detail', token=admin).json == \
        {'servers': []}
    page = request(sim, 'GET', url + '&limit=2', token=admin).json
    assert len(page['servers']) == 2
    assert 'marker=' in page['servers_links'][0]['href']
    bad = request(sim, 'GET', '/compute/v2.1/servers/detail?all_tenants=maybe', token=admin)
    assert bad.status_code == 400


def test_aggregate_add_host_conflict(sim, admin):
    aggregate = sim.cloud.add_aggregate('A', hosts=['h1'])
    url = f'/compute/v2.1/os-aggregates/{aggregate.id}/action'
    ok = request(sim, 'POST', url, {'add_host': {'host': 'h2'}}, token=admin)
    assert ok.json['aggregate']['hosts'] == ['h1', 'h2']
    again = request(sim, 'POST', url, {'add_host': {'host': 'h2'}}, token=admin)
    assert again.status_code == 409
    assert again.json['conflictingRequest']['code'] == 409


def test_hypervisors(sim, admin):
    sim.cloud.add_server('i1', 'h1')
    sim.cloud.host_down('h2')
    listed = request(sim, 'GET', '/compute/v2.1/os-hypervisors/detail', token=admin).json
    by_name = {h['hypervisor_hostname']: h for h in listed['hypervisors']}
    assert by_name['h1']['running_vms'] == 1
    assert by_name['h2']['state'] == 'down'
    missing = request(sim, 'GET', '/compute/v2.1/os-hypervisors?hypervisor_hostname_pattern=zz',
                      token=admin)
    assert missing.status_code == 404


# -- faults, latency, call log -------------------------------------------------


def test_fault_answers_a_given_number_of_times(sim, admin):
    sim.add_fault(path='/servers/detail', status=500, times=2)
    url = '/compute/v2.1/servers/detail?all_tenants=1'
    codes = [request(sim, 'GET', url, token=admin).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    body = request(sim, 'GET', url, token=admin)
    assert body.status_code == 200
    sim.add_fault(path='/servers/detail', status=503, message='down for a bit')
    failed = request(sim, 'GET', url, token=admin)
    assert failed.json == {'serviceUnavailable': {'code': 503, 'message': 'down for a bit'}}
    assert failed.headers['OpenStack-API-Version'] == 'compute 2.53'


def test_fault_matches_the_action(sim, admin):
    server = sim.cloud.add_server('i1', 'h1')
    sim.cloud.host_down('h1')
    sim.add_fault(method='POST', path='/servers/*/action', action='evacuate', status=400,
                  message='No valid host was found.', times=None)
    url = f'/compute/v2.1/servers/{server.id}/action'
    assert request(sim, 'POST', url, {'lock': None}, token=admin).status_code == 202
    for _ in range(2):
        response = request(sim, 'POST', url, {'evacuate': {}}, token=admin)
        assert response.json['badRequest']['message'] == 'No valid host was found.'
    assert sim.cloud.get_server(server.id).task_state is None


def test_fault_performing_the_request_then_failing(sim, admin):
    server = sim.cloud.add_server('i1', 'h1')
    sim.cloud.timings.stop = 0
    sim.add_fault(path='/servers/*/action', action='os-stop', status=409, perform=True)
    response = request(sim, 'POST', f'/compute/v2.1/servers/{server.id}/action',
                       {'os-stop': None}, token=admin)
    assert response.status_code == 409
    assert sim.cloud.get_server(server.id).vm_state == 'stopped'


def test_identity_faults(sim):
    sim.add_fault(service='identity', method='POST', path='/v3/auth/tokens', status=503)
    response = request(sim, 'POST', '/identity/v3/auth/tokens', password_auth('admin', 'admin'),
                       version=None)
    assert response.status_code == 503
    assert response.json['error']['code'] == 503


def test_latency_and_slow_faults(sim, admin):
    sim.set_latency(0.05, services=['compute'])
    started = time.monotonic()
    request(sim, 'GET', '/compute/v2.1/os-services', token=admin)
    assert time.monotonic() - started >= 0.05
    sim.set_latency(0)
    sim.add_fault(path='/os-services', status=None, sleep=0.05)
    started = time.monotonic()
    assert request(sim, 'GET', '/compute/v2.1/os-services', token=admin).status_code == 200
    assert time.monotonic() - started >= 0.05


def test_call_log(sim, admin):
    server = sim.cloud.add_server('i1', 'h1')
    request(sim, 'GET', '/compute/v2.1/os-services?host=h1&binary=nova-compute', token=admin,
            **{'X-OpenStack-Request-ID': 'req-global'})
    request(sim, 'POST', f'/compute/v2.1/servers/{server.id}/action', {'lock': None},
            token=admin)
    calls = sim.calls.since(0)
    assert [(c['service'], c['method'], c['path'], c['status']) for c in calls] == [
        ('identity', 'POST', '/v3/auth/tokens', 201),
        ('compute', 'GET', '/os-services', 200),
        ('compute', 'POST', f'/servers/{server.id}/action', 202),
    ]
    assert calls[0]['body']['auth']['identity']['password']['user']['password'] == '***'
    assert calls[1]['query'] == 'host=h1&binary=nova-compute'
    assert calls[1]['microversion'] == '2.53'
    assert calls[1]['global_request_id'] == 'req-global'
    assert (calls[2]['action'], calls[2]['body']) == ('lock', {'lock': None})
    assert sim.calls.since(2) == calls[2:]


# -- control API ---------------------------------------------------------------


def test_control_api_seeds_steers_and_reports(sim):
    seeded = request(sim, 'POST', '/_sim/reset', {
        'hosts': ['a', 'b'],
        'servers': [{'name': 'i1', 'host': 'a', 'id': '11111111-2222-3333-4444-555555555555'}],
        'latency': {'compute': 0.0},
    }, version=None).json
    assert [h['name'] for h in seeded['hosts']] == ['a', 'b']
    down = request(sim, 'POST', '/_sim/hosts/a/down', {'report_after': 0}, version=None).json
    assert down['services'][0]['state'] == 'down'
    patched = request(sim, 'PATCH', '/_sim/servers/11111111-2222-3333-4444-555555555555',
                      {'evacuation': 'stuck'}, version=None).json
    assert patched['evacuation'] == 'stuck'
    fault = request(sim, 'POST', '/_sim/faults', {'path': '/os-services', 'status': 500},
                    version=None).json
    assert fault['id'] == 1 and fault['times'] == 1
    assert request(sim, 'PUT', '/_sim/timings', {'evacuate': 3}, version=None).json[
        'evacuate'] == 3
    assert request(sim, 'POST', '/_sim/hosts/nowhere/down', {}, version=None).status_code == 404
    assert request(sim, 'POST', '/_sim/servers', {'name': 'x', 'host': 'a', 'vm_state': 'bad'},
                   version=None).status_code == 400
    assert request(sim, 'GET', '/_sim/calls', version=None).json == []


def test_changes_since():
    clock = FakeClock()
    sim = Simulator(clock=clock)
    sim.cloud.add_host('h1')
    token = login(sim)
    first = sim.cloud.add_server('first', 'h1')
    clock.advance(10)
    second = sim.cloud.add_server('second', 'h1', project='other')
    since = iso(sim.cloud.get_server(second.id).updated, micro=False)

    def listed(query: str, path: str = '/servers/detail') -> list[str]:
        response = request(sim, 'GET', f'/compute/v2.1{path}?{query}', token=token)
        assert response.status_code == 200, response.text
        return [s['id'] for s in response.json['servers']]

    assert listed(f'all_tenants=True&changes-since={since}') == [second.id]
    assert listed(f'all_tenants=True&changes-since={since}Z', '/servers') == [second.id]
    # Another zone: the same moment 2 hours ahead.
    moment = datetime.datetime.fromisoformat(since) + datetime.timedelta(hours=2)
    ahead = quote(moment.isoformat() + '+02:00')
    assert listed(f'all_tenants=True&changes-since={ahead}') == [second.id]
    assert listed('all_tenants=True&changes-since=2000-01-01') == [second.id, first.id]
    # Without all_tenants: only the token's project.
    assert listed('changes-since=2000-01-01T00:00') == []
    clock.advance(5)
    assert listed(f'all_tenants=True&changes-since={iso(clock(), micro=False)}') == []
    request(sim, 'POST', f'/compute/v2.1/servers/{first.id}/action', {'lock': None}, token=token)
    assert listed(f'all_tenants=True&changes-since={iso(clock(), micro=False)}') == [first.id]

    bad = request(sim, 'GET', '/compute/v2.1/servers/detail?changes-since=yesterday',
                  token=token)
    assert bad.status_code == 400
    assert bad.json['badRequest']['message'] == (
        "Invalid input for query parameters changes-since. Value: yesterday. "
        "'yesterday' is not a 'date-time'")


def test_evacuations_beyond_novas_limit_are_accepted_and_wait(sim, admin):
    """Real time: one at a time, 0.1 s each."""
    sim.cloud.timings = Timings(evacuate=0.1, max_concurrent_evacuations=1)
    servers = [sim.cloud.add_server(f'i{n}', 'h1') for n in range(3)]
    sim.cloud.host_down('h1')
    began = time.monotonic()
    for server in servers:
        response = request(sim, 'POST', f'/compute/v2.1/servers/{server.id}/action',
                           {'evacuate': {}}, token=admin)
        assert response.status_code == 200
    shown = request(sim, 'GET', f'/compute/v2.1/servers/{servers[2].id}', token=admin)
    assert shown.json['server']['status'] == 'REBUILD'
    assert request(sim, 'GET', '/_sim/state', version=None).json['evacuations'] == {
        'running': 1, 'waiting': 2}
    while any(sim.cloud.get_server(s.id).host == 'h1' for s in servers):
        time.sleep(0.01)
    assert 0.3 <= time.monotonic() - began < 1


def test_control_api_sets_novas_evacuation_limit(sim):
    answer = request(sim, 'PUT', '/_sim/timings', {'max_concurrent_evacuations': 50},
                     version=None)
    assert answer.json == {'evacuate': 0, 'stop': 0.5, 'start': 0.5,
                           'max_concurrent_evacuations': 50}
    assert request(sim, 'PUT', '/_sim/timings', {'max_concurrent_evacuations': 0},
                   version=None).status_code == 400
    request(sim, 'POST', '/_sim/seed', {'timings': {'max_concurrent_evacuations': None}},
            version=None)
    state = request(sim, 'GET', '/_sim/state', version=None).json
    assert state['timings']['max_concurrent_evacuations'] is None
    assert state['evacuations'] == {'running': 0, 'waiting': 0}
