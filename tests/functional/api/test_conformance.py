"""The API's answers, resource by resource (discovery, microversions,
segments, hosts, notifications, vmoves, routing, deletes), over real HTTP
against a running masakari-api (two workers, noauth2) on each database.

Where this implementation deliberately differs from upstream the check is
marked "divergence" and documented in doc/source/divergences.rst.
"""
import re

import requests

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


def test_conformance_cases(api_server):
    c = Client(api_server.url)

    # Discovery and health
    r = c('GET', '/')
    assert r.status_code == 200
    v = r.json()['versions'][0]
    assert (v['id'], v['status'], v['version'], v['min_version'],
            v['updated']) == ('v1.0', 'CURRENT', '1.3', '1.0',
                              '2016-07-01T11:33:21Z')
    assert [link['rel'] for link in v['links']] == ['self']
    assert v['links'][0]['href'].endswith('/v1/')
    assert 'media-types' not in v
    assert 'OpenStack-API-Version' not in r.headers
    for path in ('/v1', '/v1/'):
        r = c('GET', path)
        assert r.status_code == 200
        doc = r.json()['version']
        assert doc['id'] == 'v1.0'
        assert [link['rel'] for link in doc['links']] == ['self', 'describedby']
        assert doc['media-types'][0]['type'] == \
            'application/vnd.openstack.masakari+json;version=1'
        assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.0'
        assert r.headers['Vary'] == 'OpenStack-API-Version'
    r = c('GET', '/foo')
    assert r.status_code == 300
    assert r.json()['choices'][0]['links'][0]['href'].endswith('/v1/foo')
    r = c('GET', '/healthcheck')
    assert (r.status_code, r.text) == (200, 'OK')

    # Microversions
    r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha 1.4'})
    fault(r, 'masakariFault', 406, 'Version 1.4 is not supported by the API. '
          'Minimum is 1.0 and maximum is 1.3.')
    assert 'OpenStack-API-Version' not in r.headers
    r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha 1.01'})
    assert fault(r, 'badRequest', 400).startswith('API Version String 1.01 is of invalid')
    assert 'OpenStack-API-Version' not in r.headers
    for asked, answered in (('instance-ha latest', 'instance-ha 1.3'),
                            ('masakari 1.2', 'instance-ha 1.0'),
                            ('instance-ha 1.1, compute 2.1', 'instance-ha 1.1')):
        r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': asked})
        assert r.status_code == 200
        assert r.headers['OpenStack-API-Version'] == answered

    # Segment create
    r = c('POST', '/v1/segments', json={'segment': SEGMENT})
    assert r.status_code == 201, r.text
    s = r.json()['segment']
    assert isinstance(s['id'], int) and UUID.match(s['uuid'])
    assert (s['enabled'], s['description'], s['updated_at'], s['deleted'],
            s['deleted_at']) == (True, None, None, False, None)
    assert TIMESTAMP.match(s['created_at'])
    fault(c('POST', '/v1/segments', json={'segment': SEGMENT}),
          'conflictingRequest', 409, 'Failover segment with name seg-a already exists.')
    seg_b = dict(SEGMENT, name='seg-b', enabled=False)
    fault(c('POST', '/v1/segments', json={'segment': seg_b}), 'badRequest', 400)
    r = c('POST', '/v1/segments', json={'segment': dict(seg_b, enabled='no')},
          headers=V12)
    assert r.status_code == 201 and r.json()['segment']['enabled'] is False
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.2'
    seg14 = r.json()['segment']
    r = c('POST', '/v1/segments', json={'segment': {'recovery_method': 'auto',
                                                    'service_type': 'C'}})
    assert "'name' is a required property" in fault(r, 'badRequest', 400)
    fault(c('POST', '/v1/segments', json={'segment': dict(SEGMENT, name=' lead')}),
          'badRequest', 400, "An invalid 'name' value was provided. The name must be: "
          'printable characters. Can not start or end with whitespace.')
    fault(c('POST', '/v1/segments',
            json={'segment': dict(SEGMENT, recovery_method='manual')}), 'badRequest', 400)
    fault(c('POST', '/v1/segments', json={'foo': {}}), 'badRequest', 400,
          "'segment' is a required property")
    fault(c('POST', '/v1/segments', data='{"segment": {}}',
            headers={'Content-Type': 'text/html'}),
          'badMediaType', 415, 'Unsupported Content-Type')
    fault(c('POST', '/v1/segments', data='{bad json',
            headers={'Content-Type': 'application/json'}),
          'badRequest', 400, 'Malformed request body')
    fault(c('POST', '/v1/segments', data=b'', headers={'Content-Length': '0'}),
          'badRequest', 400, "None is not of type 'object'")
    fault(c('POST', '/v1/segments', json={'segment': dict(SEGMENT, name='t',
                                                          description='a\tb')}),
          'badRequest', 400)
    r = c('POST', '/v1/segments', json={'segment': dict(SEGMENT, name='seg-long',
                                                        description='x' * 1000)})
    assert r.status_code == 201

    # Segment show and list
    r = c('GET', f"/v1/segments/{s['uuid']}")
    assert r.status_code == 200 and r.json()['segment'] == s
    fault(c('GET', '/v1/segments/abc'), 'itemNotFound', 404,
          'No failover segment with id abc.')
    fault(c('GET', '/v1/segments?limit=-1'), 'badRequest', 400,
          'Invalid input received: limit must be >= 0')
    assert c('GET', '/v1/segments?limit=0').json() == {'segments': []}
    fault(c('GET', '/v1/segments?page_size=x'), 'badRequest', 400,
          'Invalid input received: page_size must be an integer')
    fault(c('GET', '/v1/segments?sort_key=bogus'), 'badRequest', 400)
    fault(c('GET', '/v1/segments?sort_dir=up'), 'badRequest', 400)
    message = fault(c('GET', '/v1/segments?sort_key=name&sort_dir=asc&sort_dir=desc'
                         '&sort_dir=asc'), 'badRequest', 400)
    assert message.endswith('Sort direction size exceeds sort key size')
    fault(c('GET', '/v1/segments?marker=999999'), 'badRequest', 400,
          'Marker 999999 could not be found.')
    r = c('GET', '/v1/segments')
    listed = r.json()['segments']
    assert 'segments_links' not in r.json()
    assert [x['id'] for x in listed] == sorted((x['id'] for x in listed), reverse=True)
    first = c('GET', '/v1/segments?limit=1&sort_dir=asc').json()['segments']
    assert first[0]['id'] == min(x['id'] for x in listed)
    second = c('GET', f"/v1/segments?limit=1&sort_dir=asc&marker={first[0]['id']}")
    assert second.json()['segments'][0]['id'] == sorted(x['id'] for x in listed)[1]
    r = c('GET', '/v1/segments?recovery_method=auto&service_type=COMPUTE')
    assert {x['name'] for x in r.json()['segments']} == {'seg-a', 'seg-b', 'seg-long'}
    assert [x['name'] for x in c('GET', '/v1/segments?enabled=0').json()['segments']] \
        == ['seg-b']
    # divergence: enabled is parsed as a boolean, so "true" finds enabled ones.
    assert {x['name'] for x in c('GET', '/v1/segments?enabled=true').json()['segments']} \
        == {'seg-a', 'seg-long'}

    # Segment update
    fault(c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {}}), 'badRequest', 400)
    fault(c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': True}}),
          'badRequest', 400)
    r = c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': False}},
          headers=V12)
    assert r.status_code == 200 and r.json()['segment']['enabled'] is False
    assert TIMESTAMP.match(r.json()['segment']['updated_at'])
    # divergence: the string "false" is false (upstream: truthiness, true).
    r = c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': 'false'}},
          headers=V12)
    assert r.status_code == 200 and r.json()['segment']['enabled'] is False
    r = c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'enabled': 'yes'}},
          headers=V12)
    assert r.json()['segment']['enabled'] is True

    # Hosts
    hosts = f"/v1/segments/{s['uuid']}/hosts"
    r = c('POST', hosts, json={'host': {'name': 'node1', 'type': 'COMPUTE',
                                        'control_attributes': 'SSH'}})
    assert r.status_code == 201, r.text
    h = r.json()['host']
    assert h['failover_segment_id'] == s['uuid']
    assert h['failover_segment']['uuid'] == s['uuid']
    assert (h['reserved'], h['on_maintenance']) == (False, False)
    r = c('POST', hosts, json={'host': {'name': 'node2', 'type': 'COMPUTE',
                                        'control_attributes': 'SSH', 'reserved': 'yes'}})
    assert r.status_code == 201 and r.json()['host']['reserved'] is True
    node2 = r.json()['host']
    fault(c('POST', f"/v1/segments/{seg14['uuid']}/hosts",
            json={'host': {'name': 'node1', 'type': 'COMPUTE', 'control_attributes': 'x'}}),
          'conflictingRequest', 409, 'Host with name node1 already exists.')
    fault(c('POST', hosts, json={'host': {'name': 'n3', 'type': 'COMPUTE_HOST',
                                          'control_attributes': 'x'}}), 'badRequest', 400)
    fault(c('POST', hosts, json={'host': {'name': 'n3', 'type': 'COMPUTE',
                                          'control_attributes': 'x', 'reserved': 1}}),
          'badRequest', 400)
    # divergence: null type is a 400, not a 500.
    fault(c('POST', hosts, json={'host': {'name': 'n3', 'type': None,
                                          'control_attributes': 'x'}}), 'badRequest', 400)
    fault(c('POST', hosts, json={'host': {'name': 'badhost', 'type': 'COMPUTE',
                                          'control_attributes': 'x'}}),
          'badRequest', 400, 'Compute service with name badhost could not be found.')
    fault(c('POST', '/v1/segments/nonexistent/hosts',
            json={'host': {'name': 'n3', 'type': 'COMPUTE', 'control_attributes': 'x'}}),
          'itemNotFound', 404, 'No failover segment with id nonexistent.')
    r = c('GET', hosts + '?name=zzz')
    assert {x['name'] for x in r.json()['hosts']} == {'node1', 'node2'}
    assert [x['name'] for x in c('GET', hosts + '?reserved=T').json()['hosts']] == ['node2']
    message = fault(c('GET', hosts + '?on_maintenance=maybe'), 'badRequest', 400)
    assert message.startswith("Invalid value for on_maintenance: Unrecognized value 'maybe'")
    fault(c('GET', '/v1/segments/nonexistent/hosts'), 'itemNotFound', 404,
          'No failover segment with id nonexistent.')
    fault(c('GET', f"/v1/segments/{seg14['uuid']}/hosts/{h['uuid']}"), 'itemNotFound', 404,
          f"Host '{h['uuid']}' under failover_segment '{seg14['uuid']}' could not be found.")
    fault(c('GET', hosts + '/notauuid'), 'itemNotFound', 404, 'No host with id notauuid.')
    r = c('PUT', f"{hosts}/{h['uuid']}", json={'host': {'reserved': 'True'}})
    assert r.status_code == 200 and r.json()['host']['reserved'] is True

    # Notifications
    r = c('POST', '/v1/notifications', json=notification())
    assert r.status_code == 202, r.text
    n_p = r.json()['notification']
    assert (n_p['status'], n_p['generated_time'], n_p['source_host_uuid'],
            n_p['failover_segment_uuid'], n_p['message']) == \
        ('new', '2017-04-21T15:29:55.000000', h['uuid'], s['uuid'], None)
    assert 'recovery_workflow_details' not in n_p
    fault(c('POST', '/v1/notifications', json=notification()), 'conflictingRequest', 409,
          'Notification received from host node1 of type PROCESS is duplicate.')
    assert c('POST', '/v1/notifications',
             json=notification(generated_time='2017-04-21T18:29:55')).status_code == 202
    fault(c('POST', '/v1/notifications',
            json=notification(generated_time='2017-04-21T18:00:00')),
          'conflictingRequest', 409)
    fault(c('POST', '/v1/notifications',
            json=notification(payload={'process_name': 'nova-compute', 'event': 'stopped'})),
          'badRequest', 400)
    fault(c('POST', '/v1/notifications',
            json=notification(type='VM', hostname='nohost', payload=VM_PAYLOAD)),
          'badRequest', 400, 'Host with name nohost could not be found.')
    compute_stopped = {'event': 'STOPPED', 'host_status': 'NORMAL',
                       'cluster_status': 'OFFLINE'}
    r = c('POST', '/v1/notifications',
          json=notification(type='COMPUTE_HOST', hostname='node2',
                            generated_time='2017-04-21T15:29:55', payload=compute_stopped))
    assert r.status_code == 202, r.text
    n_c = r.json()['notification']
    fault(c('POST', '/v1/notifications',
            json=notification(type='COMPUTE_HOST', hostname='node2',
                              payload=dict(compute_stopped, extra='x'))),
          'badRequest', 400, "Additional properties are not allowed ('extra' was unexpected)")
    fault(c('POST', '/v1/notifications', json=notification(
        type='VM', payload=dict(VM_PAYLOAD, instance_uuid='not-a-uuid'))), 'badRequest', 400)
    fault(c('POST', '/v1/notifications', json=notification(hostname='node_2!')),
          'badRequest', 400)
    fault(c('POST', '/v1/notifications', json=notification(generated_time='yesterday')),
          'badRequest', 400)
    fault(c('POST', '/v1/notifications', json=notification(payload={'a/b': 'x'})),
          'badRequest', 400)
    seg_d = c('POST', '/v1/segments', json={'segment': dict(SEGMENT, name='seg-m')})
    r = c('POST', f"/v1/segments/{seg_d.json()['segment']['uuid']}/hosts",
          json={'host': {'name': 'hx', 'type': 'COMPUTE', 'control_attributes': 'x',
                         'on_maintenance': True}})
    assert r.status_code == 201, r.text
    fault(c('POST', '/v1/notifications', json=notification(
        type='COMPUTE_HOST', hostname='hx', payload=compute_stopped)),
        'conflictingRequest', 409, "Notification received from host hx of type "
        "'COMPUTE_HOST' is ignored as the host is already under maintenance.")

    # Segment in use
    fault(c('PUT', f"/v1/segments/{s['uuid']}", json={'segment': {'description': 'x'}}),
          'conflictingRequest', 409, f"Failover segment {s['uuid']} can't be updated as it "
          'is in-use to process notifications.')
    fault(c('DELETE', f"/v1/segments/{s['uuid']}"), 'conflictingRequest', 409,
          f"Failover segment ({s['uuid']}) can't be deleted as it is in-use to process "
          'notifications.')
    fault(c('PUT', f"{hosts}/{h['uuid']}", json={'host': {'on_maintenance': False}}),
          'conflictingRequest', 409, f"Host {h['uuid']} can't be updated as it is in-use "
          'to process notifications.')
    fault(c('DELETE', f"{hosts}/{node2['uuid']}"), 'conflictingRequest', 409,
          f"Host {node2['uuid']} can't be deleted as it is in-use to process notifications.")

    # Notification list, show, vmoves
    r = c('GET', '/v1/notifications?generated-since=2017-04-21T16:00:00')
    assert [x['generated_time'] for x in r.json()['notifications']] == \
        ['2017-04-21T18:29:55.000000']
    everything = c('GET', '/v1/notifications').json()['notifications']
    assert len(everything) == 3
    assert len(c('GET', '/v1/notifications?generated_since=2017-04-21T16:00:00')
               .json()['notifications']) == 3
    fault(c('GET', '/v1/notifications?generated-since=garbage'), 'badRequest', 400,
          'Invalid generated-since value')
    fault(c('GET', '/v1/notifications?sort_key=uuid'), 'badRequest', 400)
    assert c('GET', '/v1/notifications?status=bogus').json() == {'notifications': []}
    path = f"/v1/notifications/{n_p['notification_uuid']}"
    r = c('GET', path)
    assert r.status_code == 200 and 'recovery_workflow_details' not in r.json()['notification']
    r = c('GET', path, headers=V11)
    assert r.status_code == 200
    assert r.json()['notification']['recovery_workflow_details'] == []
    fault(c('GET', '/v1/notifications/nonexist'), 'itemNotFound', 404,
          'No notification with id nonexist.')
    fault(c('DELETE', path), 'badMethod', 405)
    fault(c('GET', path + '/vmoves'), 'badRequest', 400,
          f"This notification {n_p['notification_uuid']} without vm moves.")
    r = c('GET', f"/v1/notifications/{n_c['notification_uuid']}/vmoves")
    assert (r.status_code, r.json()) == (200, {'vmoves': []})
    fault(c('GET', '/v1/notifications/nonexist/vmoves'), 'itemNotFound', 404,
          'No notification with id nonexist.')
    # divergence: an unknown notification is a 404, not a 500.
    fault(c('GET', '/v1/notifications/nonexist/vmoves/abc'), 'itemNotFound', 404,
          'No notification with id nonexist.')
    fault(c('GET', f"/v1/notifications/{n_c['notification_uuid']}/vmoves/abc"),
          'itemNotFound', 404, 'No vm move with id abc.')

    # Routing
    fault(c('GET', '/v1/abcdef12/segments'), 'badRequest', 400,
          "Malformed request URL: URL's project_id 'abcdef12' doesn't match "
          "Context's project_id 'None'")
    assert c('GET', '/v1/abcdef12/segments',
             headers={'X-Project-Id': 'abcdef12'}).status_code == 200
    r = c('PATCH', f"/v1/segments/{s['uuid']}")
    assert r.status_code == 404 and 'itemNotFound' not in r.text
    fault(c('GET', '/v1/segments/new'), 'badMethod', 405,
          "The request method: 'GET' with action: 'new' is not allowed on this resource")
    assert c('GET', '/v1/segments.json').json() == c('GET', '/v1/segments').json()
    r = c('GET', '/v1/extensions')
    assert [x['alias'] for x in r.json()['extensions']] == [
        'extensions', 'notifications', 'os-hosts', 'segments', 'versions', 'vmoves']

    # Deletes
    seg_d = c('POST', '/v1/segments', json={'segment': dict(SEGMENT, name='seg-d')})
    seg_d = seg_d.json()['segment']
    d_hosts = f"/v1/segments/{seg_d['uuid']}/hosts"
    hy = c('POST', d_hosts, json={'host': {'name': 'hy', 'type': 'COMPUTE',
                                           'control_attributes': 'x'}}).json()['host']
    r = c('DELETE', f"{d_hosts}/{hy['uuid']}")
    assert (r.status_code, r.content) == (204, b'')
    assert c('POST', d_hosts, json={'host': {'name': 'hz', 'type': 'COMPUTE',
                                             'control_attributes': 'x'}}).status_code == 201
    assert c('DELETE', f"/v1/segments/{seg_d['uuid']}").status_code == 204
    fault(c('GET', f"/v1/segments/{seg_d['uuid']}"), 'itemNotFound', 404)
    r = c('POST', f"/v1/segments/{seg14['uuid']}/hosts",
          json={'host': {'name': 'hz', 'type': 'COMPUTE', 'control_attributes': 'x'}})
    assert r.status_code == 201

