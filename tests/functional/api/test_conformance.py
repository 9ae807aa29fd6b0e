"""The API's answers, resource by resource (discovery, microversions,
segments, hosts, notifications, vmoves, routing, deletes), over real HTTP
against a running masakari-api (two workers, noauth2) on each database.

One test per behaviour; the tests share one server per database, so each
creates what it needs under names of its own.

Where this implementation deliberately differs from upstream the check is
marked "divergence" and documented in doc/source/divergences.rst.
"""
import re
import uuid

import pytest
import requests

from tests.support import api_server as server_support
from tests.support import databases
from tests.support import nova

V11 = {'OpenStack-API-Version': 'instance-ha 1.1'}
V12 = {'OpenStack-API-Version': 'instance-ha 1.2'}
TIMESTAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
SEGMENT = {'name': 'seg-a', 'recovery_method': 'auto', 'service_type': 'COMPUTE'}
PROCESS_STOPPED = {'type': 'PROCESS', 'hostname': 'node1',
                   'generated_time': '2017-04-21T17:29:55+02:00',
                   'payload': {'process_name': 'nova-compute',
                               'event': 'STOPPED'}}
VM_PAYLOAD = {'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
              'instance_uuid': '2f8b9c50-7d45-4c6b-9d8f-0a4b0fa6d1b3'}
COMPUTE_STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL',
                   'cluster_status': 'OFFLINE'}
# Nova knows these hosts; each test takes fresh ones (a host name is unique
# across segments).
NOVA_HOSTS = [f'node{i}' for i in range(1, 41)]


class Client:
    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def __call__(self, method, path, json=None, data=None, headers=None):
        return self.session.request(method, self.url + path, json=json,
                                    data=data, headers=headers or {},
                                    timeout=30)


def fault(response, name: str, code: int, message: str | None = None):
    assert response.status_code == code, response.text
    assert response.headers['Content-Type'] == 'application/json; charset=UTF-8'
    body = response.json()
    assert list(body) == [name], body
    assert body[name]['code'] == code
    if message is not None:
        assert body[name]['message'] == message, body
    return body[name]['message']


def notification(**changes):
    body = dict(PROCESS_STOPPED, **changes)
    return {'notification': body}


@pytest.fixture(scope='module', params=databases.BACKENDS)
def api(request, tmp_path_factory):
    """A client of masakari-api (noauth2, two workers) on a fresh database,
    with the Nova stand-in as its Nova; ``api.host_names`` hands out host
    names Nova knows, each once."""
    work = tmp_path_factory.mktemp(f'conformance-{request.param}')
    database_url = databases.create(request.param, work)
    with nova.running(hosts=NOVA_HOSTS) as sim:
        port = server_support.free_port()
        config = server_support.write_config(
            work / 'masakari.conf', database_url, port,
            extra=nova.masakari_options(sim))
        server_support.db_sync(config)
        server = server_support.APIServer(config, port, work / 'api.log').start()
        try:
            client = Client(server.url)
            client.host_names = iter(NOVA_HOSTS)
            yield client
        finally:
            server.stop()
            databases.drop(database_url)


def unique(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex[:8]}'


def make_segment(api, **fields):
    body = dict(SEGMENT, name=unique('seg'), **fields)
    r = api('POST', '/v1/segments', json={'segment': body})
    assert r.status_code == 201, r.text
    return r.json()['segment']


def make_host(api, segment, name=None, **fields):
    body = dict({'name': name or next(api.host_names), 'type': 'COMPUTE',
                 'control_attributes': 'SSH'}, **fields)
    r = api('POST', f"/v1/segments/{segment['uuid']}/hosts", json={'host': body})
    assert r.status_code == 201, r.text
    return r.json()['host']


def hosts_path(segment):
    return f"/v1/segments/{segment['uuid']}/hosts"


# Discovery and health

def test_root_lists_v1_as_current_version(api):
    r = api('GET', '/')
    assert r.status_code == 200
    v = r.json()['versions'][0]
    assert (v['id'], v['status'], v['version'], v['min_version'],
            v['updated']) == ('v1.0', 'CURRENT', '1.3', '1.0',
                              '2016-07-01T11:33:21Z')
    assert [link['rel'] for link in v['links']] == ['self']
    assert v['links'][0]['href'].endswith('/v1/')
    assert 'media-types' not in v
    assert 'OpenStack-API-Version' not in r.headers


@pytest.mark.parametrize('path', ['/v1', '/v1/'])
def test_v1_document_describes_the_version_with_or_without_slash(api, path):
    r = api('GET', path)
    assert r.status_code == 200
    doc = r.json()['version']
    assert doc['id'] == 'v1.0'
    assert [link['rel'] for link in doc['links']] == ['self', 'describedby']
    assert doc['media-types'][0]['type'] == \
        'application/vnd.openstack.masakari+json;version=1'
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.0'
    assert r.headers['Vary'] == 'OpenStack-API-Version'


def test_unknown_top_level_path_answers_300_with_choices(api):
    r = api('GET', '/foo')
    assert r.status_code == 300
    assert r.json()['choices'][0]['links'][0]['href'].endswith('/v1/foo')


def test_healthcheck_answers_ok(api):
    r = api('GET', '/healthcheck')
    assert (r.status_code, r.text) == (200, 'OK')


# Microversions

def test_microversion_above_maximum_is_406_without_version_header(api):
    r = api('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha 1.4'})
    fault(r, 'masakariFault', 406, 'Version 1.4 is not supported by the API. '
          'Minimum is 1.0 and maximum is 1.3.')
    assert 'OpenStack-API-Version' not in r.headers


def test_microversion_with_leading_zero_is_400_without_version_header(api):
    r = api('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha 1.01'})
    assert fault(r, 'badRequest', 400).startswith('API Version String 1.01 is of invalid')
    assert 'OpenStack-API-Version' not in r.headers


@pytest.mark.parametrize('asked, answered', [
    ('instance-ha latest', 'instance-ha 1.3'),
    ('masakari 1.2', 'instance-ha 1.0'),
    ('instance-ha 1.1, compute 2.1', 'instance-ha 1.1'),
])
def test_microversion_header_answers_the_version_used(api, asked, answered):
    r = api('GET', '/v1/segments', headers={'OpenStack-API-Version': asked})
    assert r.status_code == 200
    assert r.headers['OpenStack-API-Version'] == answered


# Segment create

def test_segment_create_answers_201_with_the_segment(api):
    r = api('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=unique('seg'))})
    assert r.status_code == 201, r.text
    s = r.json()['segment']
    assert isinstance(s['id'], int) and UUID.match(s['uuid'])
    assert (s['enabled'], s['description'], s['updated_at'], s['deleted'],
            s['deleted_at']) == (True, None, None, False, None)
    assert TIMESTAMP.match(s['created_at'])


def test_segment_create_with_a_taken_name_is_409(api):
    s = make_segment(api)
    fault(api('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=s['name'])}),
          'conflictingRequest', 409,
          f"Failover segment with name {s['name']} already exists.")


def test_segment_enabled_is_refused_before_1_2_and_parsed_from_1_2(api):
    seg_b = dict(SEGMENT, name=unique('seg'), enabled=False)
    fault(api('POST', '/v1/segments', json={'segment': seg_b}), 'badRequest', 400)
    r = api('POST', '/v1/segments', json={'segment': dict(seg_b, enabled='no')},
            headers=V12)
    assert r.status_code == 201 and r.json()['segment']['enabled'] is False
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.2'


def test_segment_create_without_name_is_400(api):
    r = api('POST', '/v1/segments', json={'segment': {'recovery_method': 'auto',
                                                      'service_type': 'C'}})
    assert "'name' is a required property" in fault(r, 'badRequest', 400)


def test_segment_name_with_leading_whitespace_is_400(api):
    fault(api('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=' lead')}),
          'badRequest', 400, "An invalid 'name' value was provided. The name must be: "
          'printable characters. Can not start or end with whitespace.')


def test_segment_unknown_recovery_method_is_400(api):
    fault(api('POST', '/v1/segments',
              json={'segment': dict(SEGMENT, name=unique('seg'), recovery_method='manual')}),
          'badRequest', 400)


def test_segment_create_without_segment_key_is_400(api):
    fault(api('POST', '/v1/segments', json={'foo': {}}), 'badRequest', 400,
          "'segment' is a required property")


def test_segment_create_with_non_json_content_type_is_415(api):
    fault(api('POST', '/v1/segments', data='{"segment": {}}',
              headers={'Content-Type': 'text/html'}),
          'badMediaType', 415, 'Unsupported Content-Type')


def test_segment_create_with_malformed_json_is_400(api):
    fault(api('POST', '/v1/segments', data='{bad json',
              headers={'Content-Type': 'application/json'}),
          'badRequest', 400, 'Malformed request body')


def test_segment_create_with_empty_body_is_400(api):
    fault(api('POST', '/v1/segments', data=b'', headers={'Content-Length': '0'}),
          'badRequest', 400, "None is not of type 'object'")


def test_segment_description_with_a_tab_is_400(api):
    fault(api('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=unique('t'),
                                                            description='a\tb')}),
          'badRequest', 400)


def test_segment_description_of_1000_characters_is_accepted(api):
    r = api('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=unique('seg-long'),
                                                          description='x' * 1000)})
    assert r.status_code == 201


# Segment show and list

def test_segment_show_answers_the_created_segment(api):
    s = make_segment(api)
    r = api('GET', f"/v1/segments/{s['uuid']}")
    assert r.status_code == 200 and r.json()['segment'] == s


def test_segment_show_of_unknown_id_is_404(api):
    fault(api('GET', '/v1/segments/abc'), 'itemNotFound', 404,
          'No failover segment with id abc.')


def test_segment_list_with_negative_limit_is_400(api):
    fault(api('GET', '/v1/segments?limit=-1'), 'badRequest', 400,
          'Invalid input received: limit must be >= 0')


def test_segment_list_with_limit_0_is_empty(api):
    make_segment(api)
    assert api('GET', '/v1/segments?limit=0').json() == {'segments': []}


def test_segment_list_with_non_integer_page_size_is_400(api):
    fault(api('GET', '/v1/segments?page_size=x'), 'badRequest', 400,
          'Invalid input received: page_size must be an integer')


def test_segment_list_with_unknown_sort_key_or_direction_is_400(api):
    fault(api('GET', '/v1/segments?sort_key=bogus'), 'badRequest', 400)
    fault(api('GET', '/v1/segments?sort_dir=up'), 'badRequest', 400)


def test_segment_list_with_more_sort_directions_than_keys_is_400(api):
    message = fault(api('GET', '/v1/segments?sort_key=name&sort_dir=asc&sort_dir=desc'
                           '&sort_dir=asc'), 'badRequest', 400)
    assert message.endswith('Sort direction size exceeds sort key size')


def test_segment_list_with_unknown_marker_is_400(api):
    fault(api('GET', '/v1/segments?marker=999999'), 'badRequest', 400,
          'Marker 999999 could not be found.')


def test_segment_list_is_newest_first_and_pages_with_limit_and_marker(api):
    make_segment(api)
    make_segment(api)
    r = api('GET', '/v1/segments')
    listed = r.json()['segments']
    assert 'segments_links' not in r.json()
    assert [x['id'] for x in listed] == sorted((x['id'] for x in listed), reverse=True)
    first = api('GET', '/v1/segments?limit=1&sort_dir=asc').json()['segments']
    assert first[0]['id'] == min(x['id'] for x in listed)
    second = api('GET', f"/v1/segments?limit=1&sort_dir=asc&marker={first[0]['id']}")
    assert second.json()['segments'][0]['id'] == sorted(x['id'] for x in listed)[1]


def test_segment_list_filters_by_recovery_method_service_type_and_enabled(api):
    # A service type of this test's own keeps other tests' segments out.
    service_type = unique('COMPUTE')
    on_a = make_segment(api, service_type=service_type)
    on_long = make_segment(api, service_type=service_type, description='x' * 1000)
    r = api('POST', '/v1/segments', headers=V12, json={'segment': dict(
        SEGMENT, name=unique('seg'), service_type=service_type, enabled=False)})
    off = r.json()['segment']
    make_segment(api, recovery_method='reserved_host', service_type=service_type)
    r = api('GET', f'/v1/segments?recovery_method=auto&service_type={service_type}')
    assert {x['name'] for x in r.json()['segments']} == {
        on_a['name'], off['name'], on_long['name']}
    query = f'/v1/segments?service_type={service_type}'
    assert [x['name'] for x in api('GET', query + '&enabled=0').json()['segments']] \
        == [off['name']]
    # divergence: enabled is parsed as a boolean, so "true" finds enabled ones.
    assert {x['name'] for x in api('GET', query + '&enabled=true&recovery_method=auto')
            .json()['segments']} == {on_a['name'], on_long['name']}


# Segment update

def test_segment_update_with_nothing_or_enabled_before_1_2_is_400(api):
    s = make_segment(api)
    fault(api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {}}), 'badRequest', 400)
    fault(api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': True}}),
          'badRequest', 400)


def test_segment_update_enabled_from_1_2_parses_booleans(api):
    s = make_segment(api)
    r = api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': False}},
            headers=V12)
    assert r.status_code == 200 and r.json()['segment']['enabled'] is False
    assert TIMESTAMP.match(r.json()['segment']['updated_at'])
    # divergence: the string "false" is false (upstream: truthiness, true).
    r = api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': 'false'}},
            headers=V12)
    assert r.status_code == 200 and r.json()['segment']['enabled'] is False
    r = api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': 'yes'}},
            headers=V12)
    assert r.json()['segment']['enabled'] is True


# Hosts

def test_host_create_answers_201_with_the_host_and_its_segment(api):
    s = make_segment(api)
    r = api('POST', hosts_path(s), json={'host': {'name': next(api.host_names),
                                                  'type': 'COMPUTE',
                                                  'control_attributes': 'SSH'}})
    assert r.status_code == 201, r.text
    h = r.json()['host']
    assert h['failover_segment_id'] == s['uuid']
    assert h['failover_segment']['uuid'] == s['uuid']
    assert (h['reserved'], h['on_maintenance']) == (False, False)


def test_host_create_parses_reserved_as_a_boolean_string(api):
    s = make_segment(api)
    r = api('POST', hosts_path(s), json={'host': {
        'name': next(api.host_names), 'type': 'COMPUTE', 'control_attributes': 'SSH',
        'reserved': 'yes'}})
    assert r.status_code == 201 and r.json()['host']['reserved'] is True


def test_host_name_taken_in_another_segment_is_409(api):
    h = make_host(api, make_segment(api))
    fault(api('POST', hosts_path(make_segment(api)),
              json={'host': {'name': h['name'], 'type': 'COMPUTE', 'control_attributes': 'x'}}),
          'conflictingRequest', 409, f"Host with name {h['name']} already exists.")


def test_host_create_with_bad_type_or_reserved_is_400(api):
    hosts = hosts_path(make_segment(api))
    name = next(api.host_names)
    fault(api('POST', hosts, json={'host': {'name': name, 'type': 'COMPUTE_HOST',
                                            'control_attributes': 'x'}}), 'badRequest', 400)
    fault(api('POST', hosts, json={'host': {'name': name, 'type': 'COMPUTE',
                                            'control_attributes': 'x', 'reserved': 1}}),
          'badRequest', 400)
    # divergence: null type is a 400, not a 500.
    fault(api('POST', hosts, json={'host': {'name': name, 'type': None,
                                            'control_attributes': 'x'}}), 'badRequest', 400)


def test_host_unknown_to_nova_is_400(api):
    fault(api('POST', hosts_path(make_segment(api)),
              json={'host': {'name': 'badhost', 'type': 'COMPUTE', 'control_attributes': 'x'}}),
          'badRequest', 400, 'Compute service with name badhost could not be found.')


def test_host_create_in_unknown_segment_is_404(api):
    fault(api('POST', '/v1/segments/nonexistent/hosts',
              json={'host': {'name': next(api.host_names), 'type': 'COMPUTE',
                             'control_attributes': 'x'}}),
          'itemNotFound', 404, 'No failover segment with id nonexistent.')


def test_host_list_ignores_name_and_filters_by_reserved(api):
    s = make_segment(api)
    plain = make_host(api, s)
    reserved = make_host(api, s, reserved=True)
    r = api('GET', hosts_path(s) + '?name=zzz')
    assert {x['name'] for x in r.json()['hosts']} == {plain['name'], reserved['name']}
    assert [x['name'] for x in api('GET', hosts_path(s) + '?reserved=T').json()['hosts']] \
        == [reserved['name']]


def test_host_list_with_unparsable_on_maintenance_is_400(api):
    message = fault(api('GET', hosts_path(make_segment(api)) + '?on_maintenance=maybe'),
                    'badRequest', 400)
    assert message.startswith("Invalid value for on_maintenance: Unrecognized value 'maybe'")


def test_host_list_of_unknown_segment_is_404(api):
    fault(api('GET', '/v1/segments/nonexistent/hosts'), 'itemNotFound', 404,
          'No failover segment with id nonexistent.')


def test_host_show_under_another_segment_or_unknown_id_is_404(api):
    s = make_segment(api)
    other = make_segment(api)
    h = make_host(api, s)
    fault(api('GET', f"/v1/segments/{other['uuid']}/hosts/{h['uuid']}"), 'itemNotFound', 404,
          f"Host '{h['uuid']}' under failover_segment '{other['uuid']}' could not be found.")
    fault(api('GET', hosts_path(s) + '/notauuid'), 'itemNotFound', 404,
          'No host with id notauuid.')


def test_host_update_parses_reserved_as_a_boolean_string(api):
    s = make_segment(api)
    h = make_host(api, s)
    r = api('PUT', f"{hosts_path(s)}/{h['uuid']}", json={'host': {'reserved': 'True'}})
    assert r.status_code == 200 and r.json()['host']['reserved'] is True


# Notifications

def test_notification_create_answers_202_with_the_new_notification(api):
    s = make_segment(api)
    h = make_host(api, s)
    r = api('POST', '/v1/notifications', json=notification(hostname=h['name']))
    assert r.status_code == 202, r.text
    n_p = r.json()['notification']
    assert (n_p['status'], n_p['generated_time'], n_p['source_host_uuid'],
            n_p['failover_segment_uuid'], n_p['message']) == \
        ('new', '2017-04-21T15:29:55.000000', h['uuid'], s['uuid'], None)
    assert 'recovery_workflow_details' not in n_p


def test_notification_close_in_time_to_a_new_one_is_a_duplicate(api):
    h = make_host(api, make_segment(api))
    assert api('POST', '/v1/notifications',
               json=notification(hostname=h['name'])).status_code == 202
    fault(api('POST', '/v1/notifications', json=notification(hostname=h['name'])),
          'conflictingRequest', 409,
          f"Notification received from host {h['name']} of type PROCESS is duplicate.")
    assert api('POST', '/v1/notifications', json=notification(
        hostname=h['name'], generated_time='2017-04-21T18:29:55')).status_code == 202
    fault(api('POST', '/v1/notifications', json=notification(
        hostname=h['name'], generated_time='2017-04-21T18:00:00')),
          'conflictingRequest', 409)


def test_notification_with_lowercase_process_event_is_400(api):
    h = make_host(api, make_segment(api))
    fault(api('POST', '/v1/notifications',
              json=notification(hostname=h['name'],
                                payload={'process_name': 'nova-compute', 'event': 'stopped'})),
          'badRequest', 400)


def test_notification_from_unknown_host_is_400(api):
    fault(api('POST', '/v1/notifications',
              json=notification(type='VM', hostname='nohost', payload=VM_PAYLOAD)),
          'badRequest', 400, 'Host with name nohost could not be found.')


def test_notification_compute_host_payload_is_checked(api):
    h = make_host(api, make_segment(api))
    r = api('POST', '/v1/notifications',
            json=notification(type='COMPUTE_HOST', hostname=h['name'], payload=COMPUTE_STOPPED))
    assert r.status_code == 202, r.text
    fault(api('POST', '/v1/notifications',
              json=notification(type='COMPUTE_HOST', hostname=h['name'],
                                payload=dict(COMPUTE_STOPPED, extra='x'))),
          'badRequest', 400, "Additional properties are not allowed ('extra' was unexpected)")


def test_notification_with_malformed_fields_is_400(api):
    h = make_host(api, make_segment(api))
    fault(api('POST', '/v1/notifications', json=notification(
        type='VM', hostname=h['name'], payload=dict(VM_PAYLOAD, instance_uuid='not-a-uuid'))),
        'badRequest', 400)
    fault(api('POST', '/v1/notifications', json=notification(hostname='node_2!')),
          'badRequest', 400)
    fault(api('POST', '/v1/notifications', json=notification(
        hostname=h['name'], generated_time='yesterday')), 'badRequest', 400)
    fault(api('POST', '/v1/notifications', json=notification(
        hostname=h['name'], payload={'a/b': 'x'})), 'badRequest', 400)


def test_compute_host_notification_for_host_on_maintenance_is_409(api):
    hx = make_host(api, make_segment(api), on_maintenance=True)
    fault(api('POST', '/v1/notifications', json=notification(
        type='COMPUTE_HOST', hostname=hx['name'], payload=COMPUTE_STOPPED)),
        'conflictingRequest', 409, f"Notification received from host {hx['name']} of type "
        "'COMPUTE_HOST' is ignored as the host is already under maintenance.")


# Segment in use

def test_segment_and_hosts_with_a_new_notification_cannot_change(api):
    s = make_segment(api)
    h = make_host(api, s)
    other = make_host(api, s)
    r = api('POST', '/v1/notifications', json=notification(hostname=h['name']))
    assert r.status_code == 202, r.text
    fault(api('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'description': 'x'}}),
          'conflictingRequest', 409, f"Failover segment {s['uuid']} can't be updated as it "
          'is in-use to process notifications.')
    fault(api('DELETE', f"/v1/segments/{s['uuid']}"), 'conflictingRequest', 409,
          f"Failover segment ({s['uuid']}) can't be deleted as it is in-use to process "
          'notifications.')
    fault(api('PUT', f"{hosts_path(s)}/{h['uuid']}", json={'host': {'on_maintenance': False}}),
          'conflictingRequest', 409, f"Host {h['uuid']} can't be updated as it is in-use "
          'to process notifications.')
    fault(api('DELETE', f"{hosts_path(s)}/{other['uuid']}"), 'conflictingRequest', 409,
          f"Host {other['uuid']} can't be deleted as it is in-use to process notifications.")


# Notification list, show, vmoves

def test_notification_list_filters_by_hyphenated_generated_since_only(api):
    h = make_host(api, make_segment(api))
    for generated_time in ('2017-04-21T15:29:55', '2017-04-21T18:29:55'):
        assert api('POST', '/v1/notifications', json=notification(
            hostname=h['name'], generated_time=generated_time)).status_code == 202
    # Filtering on the host keeps other tests' notifications out.
    mine = f"/v1/notifications?source_host_uuid={h['uuid']}"
    r = api('GET', mine + '&generated-since=2017-04-21T16:00:00')
    assert [x['generated_time'] for x in r.json()['notifications']] == \
        ['2017-04-21T18:29:55.000000']
    everything = api('GET', mine).json()['notifications']
    assert len(everything) == 2
    assert len(api('GET', mine + '&generated_since=2017-04-21T16:00:00')
               .json()['notifications']) == 2


def test_notification_list_with_bad_filter_or_sort_key(api):
    fault(api('GET', '/v1/notifications?generated-since=garbage'), 'badRequest', 400,
          'Invalid generated-since value')
    fault(api('GET', '/v1/notifications?sort_key=uuid'), 'badRequest', 400)
    assert api('GET', '/v1/notifications?status=bogus').json() == {'notifications': []}


def test_notification_show_adds_workflow_details_from_1_1(api):
    h = make_host(api, make_segment(api))
    r = api('POST', '/v1/notifications', json=notification(hostname=h['name']))
    path = f"/v1/notifications/{r.json()['notification']['notification_uuid']}"
    r = api('GET', path)
    assert r.status_code == 200 and 'recovery_workflow_details' not in r.json()['notification']
    r = api('GET', path, headers=V11)
    assert r.status_code == 200
    assert r.json()['notification']['recovery_workflow_details'] == []


def test_notification_show_of_unknown_id_is_404(api):
    fault(api('GET', '/v1/notifications/nonexist'), 'itemNotFound', 404,
          'No notification with id nonexist.')


def test_notification_delete_is_405(api):
    h = make_host(api, make_segment(api))
    r = api('POST', '/v1/notifications', json=notification(hostname=h['name']))
    fault(api('DELETE', f"/v1/notifications/{r.json()['notification']['notification_uuid']}"),
          'badMethod', 405)


def test_vmoves_of_process_notification_is_400(api):
    h = make_host(api, make_segment(api))
    r = api('POST', '/v1/notifications', json=notification(hostname=h['name']))
    n_p = r.json()['notification']
    fault(api('GET', f"/v1/notifications/{n_p['notification_uuid']}/vmoves"), 'badRequest', 400,
          f"This notification {n_p['notification_uuid']} without vm moves.")


def test_vmoves_of_compute_host_notification_list_and_unknown_ids(api):
    h = make_host(api, make_segment(api))
    r = api('POST', '/v1/notifications', json=notification(
        type='COMPUTE_HOST', hostname=h['name'], payload=COMPUTE_STOPPED))
    n_c = r.json()['notification']
    r = api('GET', f"/v1/notifications/{n_c['notification_uuid']}/vmoves")
    assert (r.status_code, r.json()) == (200, {'vmoves': []})
    fault(api('GET', f"/v1/notifications/{n_c['notification_uuid']}/vmoves/abc"),
          'itemNotFound', 404, 'No vm move with id abc.')


def test_vmoves_of_unknown_notification_is_404(api):
    fault(api('GET', '/v1/notifications/nonexist/vmoves'), 'itemNotFound', 404,
          'No notification with id nonexist.')
    # divergence: an unknown notification is a 404, not a 500.
    fault(api('GET', '/v1/notifications/nonexist/vmoves/abc'), 'itemNotFound', 404,
          'No notification with id nonexist.')


# Routing

def test_project_id_in_url_must_match_the_callers(api):
    fault(api('GET', '/v1/abcdef12/segments'), 'badRequest', 400,
          "Malformed request URL: URL's project_id 'abcdef12' doesn't match "
          "Context's project_id 'None'")
    assert api('GET', '/v1/abcdef12/segments',
               headers={'X-Project-Id': 'abcdef12'}).status_code == 200


def test_unrouted_method_is_plain_404(api):
    s = make_segment(api)
    r = api('PATCH', f"/v1/segments/{s['uuid']}")
    assert r.status_code == 404 and 'itemNotFound' not in r.text


def test_segments_new_action_is_405(api):
    fault(api('GET', '/v1/segments/new'), 'badMethod', 405,
          "The request method: 'GET' with action: 'new' is not allowed on this resource")


def test_json_suffix_answers_as_without(api):
    make_segment(api)
    assert api('GET', '/v1/segments.json').json() == api('GET', '/v1/segments').json()


def test_extensions_are_listed(api):
    r = api('GET', '/v1/extensions')
    assert [x['alias'] for x in r.json()['extensions']] == [
        'extensions', 'notifications', 'os-hosts', 'segments', 'versions', 'vmoves']


# Deletes

def test_deletes_answer_204_and_a_deleted_segment_frees_its_host_names(api):
    seg_d = make_segment(api)
    other = make_segment(api)
    d_hosts = hosts_path(seg_d)
    hy = make_host(api, seg_d)
    r = api('DELETE', f"{d_hosts}/{hy['uuid']}")
    assert (r.status_code, r.content) == (204, b'')
    hz = next(api.host_names)
    assert api('POST', d_hosts, json={'host': {'name': hz, 'type': 'COMPUTE',
                                               'control_attributes': 'x'}}).status_code == 201
    assert api('DELETE', f"/v1/segments/{seg_d['uuid']}").status_code == 204
    fault(api('GET', f"/v1/segments/{seg_d['uuid']}"), 'itemNotFound', 404)
    r = api('POST', hosts_path(other),
            json={'host': {'name': hz, 'type': 'COMPUTE', 'control_attributes': 'x'}})
    assert r.status_code == 201
