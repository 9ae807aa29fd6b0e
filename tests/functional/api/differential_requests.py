"""The ordered request sequence the differential test sends to the release
and to ours, each on an empty database.

Each ``Step`` has a key that names it in doc/source/api-differences.csv.
``{name}`` in a path or a string body stands for a value an earlier step
saved on the same side (a uuid, say), so both sides address their own rows.
"""
import dataclasses
import json

V = 'OpenStack-API-Version'
NOVA_HOSTS = ['node1', 'node2', 'n3', 'hx', 'hy', 'hz']
GENERATED = '2026-11-25T10:00:00'


@dataclasses.dataclass
class Step:
    key: str
    method: str
    path: str
    body: object = None            # JSON-encoded unless bytes
    headers: dict = dataclasses.field(default_factory=dict)
    # name -> (resource key, field) of the JSON answer to remember
    save: dict = dataclasses.field(default_factory=dict)


STEPS: list[Step] = []


def step(key, method, path, body=None, version=None, save=None, **headers):
    headers = {name.replace('_', '-'): value for name, value in headers.items()}
    if version is not None:
        headers[V] = f'instance-ha {version}'
    assert key not in {s.key for s in STEPS}, key
    STEPS.append(Step(key, method, path, body, headers, save or {}))


def segment(name, method='auto', service_type='COMPUTE', **more):
    return {'segment': {'name': name, 'recovery_method': method,
                        'service_type': service_type, **more}}


def host(name, **more):
    return {'host': {'name': name, 'type': 'COMPUTE', 'control_attributes': 'SSH',
                     **more}}


def notification(kind, hostname, payload, generated=GENERATED):
    return {'notification': {'type': kind, 'hostname': hostname,
                             'generated_time': generated, 'payload': payload}}


PROCESS_DOWN = {'event': 'stopped', 'process_name': 'nova-compute'}
HOST_DOWN = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'}


def vm_down(instance='11111111-2222-3333-4444-555555555555'):
    return {'event': 'LIFECYCLE', 'instance_uuid': instance,
            'vir_domain_event': 'STOPPED_FAILED'}


# --- versions -------------------------------------------------------------
step('root', 'GET', '/')
step('root.json', 'GET', '/', Accept='application/json')
step('root.post', 'POST', '/', {})
step('v1', 'GET', '/v1')
step('v1.slash', 'GET', '/v1/')
for version in ('1.0', '1.1', '1.2', '1.3', 'latest', '1.4', '2.0', '0.9', 'abc', '1.01'):
    step(f'v1.version.{version}', 'GET', '/v1/', version=version)
step('versions.show', 'GET', '/v1/versions/v1.0')
step('versions.show.other', 'GET', '/v1/versions/v2.0')
step('versions.index', 'GET', '/v1/versions')
step('extensions.index', 'GET', '/v1/extensions')
step('extensions.show', 'GET', '/v1/extensions/segments')
step('extensions.show.unknown', 'GET', '/v1/extensions/nope')

# --- unknown URLs, methods ------------------------------------------------
step('unknown.v2', 'GET', '/v2/segments')
step('unknown.resource', 'GET', '/v1/nope')
step('unknown.double-slash', 'GET', '/v1//segments')
step('unknown.trailing-slash', 'GET', '/v1/segments/')
step('unknown.triple-slash', 'GET', '/v1///segments')
step('unknown.double-slash-end', 'GET', '/v1/segments//')
step('unknown.double-slash-v1', 'GET', '/v1//')
step('unknown.double-slash-versions', 'GET', '/v1//versions/v1.0')
step('unknown.double-slash-extensions', 'GET', '/v1//extensions')
step('unknown.double-slash-post', 'POST', '/v1//segments', {'segment': {}})
step('unknown.project', 'GET', '/v1/abc123/segments')
step('unknown.project-other', 'GET', '/v1/xyz/segments')
step('unknown.root-double', 'GET', '//v1/segments')
step('segments.json-suffix', 'GET', '/v1/segments.json')
step('method.segments.patch', 'PATCH', '/v1/segments')
step('method.segments.delete', 'DELETE', '/v1/segments')
step('method.segments.put', 'PUT', '/v1/segments', segment('x'))
step('segments.new', 'GET', '/v1/segments/new')
step('segments.edit', 'GET', '/v1/segments/abc/edit')

# --- segments: empty, validation ------------------------------------------
step('segments.index.empty', 'GET', '/v1/segments')
step('segments.create', 'POST', '/v1/segments', segment('seg1', description='first'),
     save={'seg1': ('segment', 'uuid')})
step('segments.create.2', 'POST', '/v1/segments', segment('seg2', 'reserved_host'),
     save={'seg2': ('segment', 'uuid')})
step('segments.create.3', 'POST', '/v1/segments', segment('seg3', 'rh_priority'),
     version='1.2', save={'seg3': ('segment', 'uuid')})
step('segments.create.4', 'POST', '/v1/segments',
     segment('seg4', 'auto_priority', enabled=False), version='1.2',
     save={'seg4': ('segment', 'uuid')})
step('segments.create.dup', 'POST', '/v1/segments', segment('seg1'))
step('segments.create.enabled-1.0', 'POST', '/v1/segments', segment('segx', enabled=True))
step('segments.create.bad-method', 'POST', '/v1/segments', segment('segx', 'nope'))
step('segments.create.no-name', 'POST', '/v1/segments',
     {'segment': {'recovery_method': 'auto', 'service_type': 'COMPUTE'}})
step('segments.create.empty-name', 'POST', '/v1/segments', segment(''))
step('segments.create.long-name', 'POST', '/v1/segments', segment('x' * 256))
step('segments.create.name-spaces', 'POST', '/v1/segments', segment(' lead'))
step('segments.create.extra', 'POST', '/v1/segments', segment('segx', color='red'))
step('segments.create.control-desc', 'POST', '/v1/segments',
     segment('segx', description='a\x01b'))
step('segments.create.no-wrapper', 'POST', '/v1/segments', {'name': 'x'})
step('segments.create.list', 'POST', '/v1/segments', [1, 2])
step('segments.create.not-json', 'POST', '/v1/segments', b'{not json',
     Content_Type='application/json')
step('segments.create.no-body', 'POST', '/v1/segments', b'',
     Content_Type='application/json')
step('segments.create.text', 'POST', '/v1/segments', json.dumps(segment('segx')).encode(),
     Content_Type='text/plain')
step('segments.create.no-type', 'POST', '/v1/segments', json.dumps(segment('segx')).encode())
step('segments.create.latin1', 'POST', '/v1/segments', b'{"segment": {"name": "\xe9"}}',
     Content_Type='application/json')
step('segments.create.enabled-str', 'POST', '/v1/segments',
     segment('segx', enabled='yes'), version='1.2')
step('segments.create.service-type-long', 'POST', '/v1/segments',
     segment('segx', service_type='x' * 256))

# --- segments: read, list, filters, sort, paging ----------------------------
for version in ('1.0', '1.1', '1.2', '1.3'):
    step(f'segments.show.{version}', 'GET', '/v1/segments/{seg4}', version=version)
    step(f'segments.index.{version}', 'GET', '/v1/segments', version=version)
step('segments.show.missing', 'GET', '/v1/segments/00000000-0000-0000-0000-000000000000')
step('segments.show.not-uuid', 'GET', '/v1/segments/abc')
step('segments.show.json-suffix', 'GET', '/v1/segments/{seg1}.json')
step('segments.show.double-slash', 'GET', '/v1//segments/{seg1}')
step('hosts.index.double-slash', 'GET', '/v1//segments/{seg1}/hosts')
for query in ('recovery_method=auto', 'recovery_method=reserved_host',
              'recovery_method=nope', 'service_type=COMPUTE', 'service_type=other',
              'enabled=0', 'enabled=false', 'enabled=1', 'is_enabled=false',
              'sort_key=name', 'sort_key=name&sort_dir=asc', 'sort_key=name&sort_dir=desc',
              'sort_key=nope', 'sort_dir=sideways', 'sort_key=recovery_method&sort_key=name',
              'sort_key=name&sort_dir=asc&sort_dir=desc', 'sort_key=id',
              'sort_key=created_at', 'limit=2', 'limit=0', 'limit=-1', 'limit=abc',
              'limit=1&sort_key=name', 'marker=1&sort_key=name',
              'marker=2&sort_key=name&limit=1', 'marker=nope',
              'marker=00000000-0000-0000-0000-000000000000', 'unknown=1', 'name=seg1'):
    step(f'segments.index?{query}', 'GET', '/v1/segments?' + query)
step('segments.index?enabled=0@1.2', 'GET', '/v1/segments?enabled=0', version='1.2')
step('segments.index?enabled=false@1.2', 'GET', '/v1/segments?enabled=false', version='1.2')
step('segments.index?enabled=maybe@1.2', 'GET', '/v1/segments?enabled=maybe', version='1.2')

# --- segments: update ---------------------------------------------------------
step('segments.update', 'PUT', '/v1/segments/{seg3}', {'segment': {'description': 'third'}})
step('segments.update.name-dup', 'PUT', '/v1/segments/{seg3}', {'segment': {'name': 'seg1'}})
step('segments.update.empty', 'PUT', '/v1/segments/{seg3}', {'segment': {}})
step('segments.update.bad-method', 'PUT', '/v1/segments/{seg3}',
     {'segment': {'recovery_method': 'x'}})
step('segments.update.enabled-1.0', 'PUT', '/v1/segments/{seg3}',
     {'segment': {'enabled': False}})
step('segments.update.enabled-1.2', 'PUT', '/v1/segments/{seg3}',
     {'segment': {'enabled': False}}, version='1.2')
step('segments.update.missing', 'PUT', '/v1/segments/00000000-0000-0000-0000-000000000000',
     {'segment': {'description': 'x'}})
step('segments.update.no-body', 'PUT', '/v1/segments/{seg3}', None)
step('segments.update.extra', 'PUT', '/v1/segments/{seg3}', {'segment': {'x': 1}})

# --- hosts -------------------------------------------------------------------
step('hosts.index.empty', 'GET', '/v1/segments/{seg1}/hosts')
step('hosts.index.no-segment', 'GET', '/v1/segments/00000000-0000-0000-0000-000000000000/hosts')
step('hosts.create', 'POST', '/v1/segments/{seg1}/hosts', host('node1'),
     save={'h1': ('host', 'uuid')})
step('hosts.create.2', 'POST', '/v1/segments/{seg1}/hosts', host('node2', reserved=True),
     save={'h2': ('host', 'uuid')})
step('hosts.create.3', 'POST', '/v1/segments/{seg2}/hosts',
     host('n3', reserved='true', on_maintenance=False), save={'h3': ('host', 'uuid')})
step('hosts.create.4', 'POST', '/v1/segments/{seg4}/hosts', host('hx', on_maintenance=True),
     save={'h4': ('host', 'uuid')})
step('hosts.create.dup', 'POST', '/v1/segments/{seg1}/hosts', host('node1'))
step('hosts.create.dup-other-segment', 'POST', '/v1/segments/{seg2}/hosts', host('node1'))
step('hosts.create.not-in-nova', 'POST', '/v1/segments/{seg1}/hosts', host('ghost'))
step('hosts.create.no-segment', 'POST',
     '/v1/segments/00000000-0000-0000-0000-000000000000/hosts', host('hy'))
step('hosts.create.no-type', 'POST', '/v1/segments/{seg1}/hosts',
     {'host': {'name': 'hy', 'control_attributes': 'x'}})
step('hosts.create.bad-reserved', 'POST', '/v1/segments/{seg1}/hosts',
     host('hy', reserved='maybe'))
step('hosts.create.extra', 'POST', '/v1/segments/{seg1}/hosts', host('hy', x=1))
step('hosts.create.long-name', 'POST', '/v1/segments/{seg1}/hosts', host('h' * 256))
step('hosts.create.control-name', 'POST', '/v1/segments/{seg1}/hosts', host('h\x01y'))
for version in ('1.0', '1.3'):
    step(f'hosts.show.{version}', 'GET', '/v1/segments/{seg1}/hosts/{h1}', version=version)
    step(f'hosts.index.{version}', 'GET', '/v1/segments/{seg1}/hosts', version=version)
step('hosts.show.wrong-segment', 'GET', '/v1/segments/{seg2}/hosts/{h1}')
step('hosts.show.missing', 'GET', '/v1/segments/{seg1}/hosts/00000000-0000-0000-0000-000000000000')
for query in ('reserved=1', 'reserved=true', 'reserved=0', 'reserved=False', 'reserved=maybe',
              'on_maintenance=1', 'on_maintenance=0', 'on_maintenance=x', 'type=COMPUTE',
              'type=other', 'control_attributes=SSH', 'sort_key=name&sort_dir=desc',
              'sort_key=reserved', 'sort_key=type', 'sort_key=nope', 'limit=1',
              'marker=1', 'marker=2&limit=1&sort_key=name', 'marker=nope',
              'failover_segment_id={seg2}'):
    step(f'hosts.index?{query}', 'GET', '/v1/segments/{seg1}/hosts?' + query)
step('hosts.update', 'PUT', '/v1/segments/{seg1}/hosts/{h2}',
     {'host': {'control_attributes': 'IPMI'}})
step('hosts.update.rename-dup', 'PUT', '/v1/segments/{seg1}/hosts/{h2}',
     {'host': {'name': 'node1'}})
step('hosts.update.rename-not-in-nova', 'PUT', '/v1/segments/{seg1}/hosts/{h2}',
     {'host': {'name': 'ghost'}})
step('hosts.update.maintenance', 'PUT', '/v1/segments/{seg1}/hosts/{h2}',
     {'host': {'on_maintenance': 'true'}})
step('hosts.update.empty', 'PUT', '/v1/segments/{seg1}/hosts/{h2}', {'host': {}})
step('hosts.update.bad', 'PUT', '/v1/segments/{seg1}/hosts/{h2}', {'host': {'reserved': 3}})
step('hosts.update.wrong-segment', 'PUT', '/v1/segments/{seg2}/hosts/{h2}',
     {'host': {'reserved': False}})
step('hosts.update.move-segment', 'PUT', '/v1/segments/{seg1}/hosts/{h2}',
     {'host': {'failover_segment_id': '{seg2}'}})
step('hosts.delete.wrong-segment', 'DELETE', '/v1/segments/{seg2}/hosts/{h1}')
step('hosts.delete.missing', 'DELETE',
     '/v1/segments/{seg1}/hosts/00000000-0000-0000-0000-000000000000')
step('hosts.new', 'GET', '/v1/segments/{seg1}/hosts/new')
step('hosts.action', 'POST', '/v1/segments/{seg1}/hosts/{h1}/action', {})

# --- notifications -----------------------------------------------------------
step('notifications.index.empty', 'GET', '/v1/notifications')
step('notifications.create.process', 'POST', '/v1/notifications',
     notification('PROCESS', 'node1', PROCESS_DOWN),
     save={'n1': ('notification', 'notification_uuid')})
step('notifications.create.process.dup', 'POST', '/v1/notifications',
     notification('PROCESS', 'node1', PROCESS_DOWN))
step('notifications.create.vm', 'POST', '/v1/notifications',
     notification('VM', 'node1', vm_down()), save={'n2': ('notification', 'notification_uuid')})
step('notifications.create.host', 'POST', '/v1/notifications',
     notification('COMPUTE_HOST', 'n3', HOST_DOWN),
     save={'n3': ('notification', 'notification_uuid')})
step('notifications.create.host.maintenance', 'POST', '/v1/notifications',
     notification('COMPUTE_HOST', 'hx', HOST_DOWN))
step('notifications.create.unknown-host', 'POST', '/v1/notifications',
     notification('VM', 'ghost', vm_down()))
step('notifications.create.bad-type', 'POST', '/v1/notifications',
     notification('NOPE', 'node1', vm_down()))
step('notifications.create.bad-payload', 'POST', '/v1/notifications',
     notification('VM', 'node1', {'event': 'x'}))
step('notifications.create.bad-time', 'POST', '/v1/notifications',
     notification('VM', 'node1', vm_down(), generated='yesterday'))
step('notifications.create.no-payload', 'POST', '/v1/notifications',
     {'notification': {'type': 'VM', 'hostname': 'node1', 'generated_time': GENERATED}})
step('notifications.create.extra', 'POST', '/v1/notifications',
     {'notification': dict(notification('VM', 'node1', vm_down())['notification'], x=1)})
step('notifications.create.host-payload-lower', 'POST', '/v1/notifications',
     notification('COMPUTE_HOST', 'node2', dict(HOST_DOWN, event='stopped')))
for version in ('1.0', '1.1', '1.3'):
    step(f'notifications.show.{version}', 'GET', '/v1/notifications/{n1}', version=version)
    step(f'notifications.index.{version}', 'GET', '/v1/notifications', version=version)
step('notifications.show.missing', 'GET', '/v1/notifications/00000000-0000-0000-0000-000000000000')
step('notifications.show.missing.1.1', 'GET',
     '/v1/notifications/00000000-0000-0000-0000-000000000000', version='1.1')
for query in ('status=new', 'status=finished', 'status=nope', 'type=VM', 'type=nope',
              'source_host_uuid={h1}', 'generated-since=2026-01-01T00:00:00',
              'generated-since=2027-01-01', 'generated-since=nope', 'generated_since=2027-01-01',
              'sort_key=type', 'sort_key=generated_time&sort_dir=asc', 'sort_key=nope',
              'limit=1', 'marker=1', 'marker=2&limit=1&sort_key=type&sort_dir=asc',
              'marker=nope'):
    step(f'notifications.index?{query}', 'GET', '/v1/notifications?' + query)
step('notifications.update', 'PUT', '/v1/notifications/{n1}', {'notification': {'status': 'x'}})
step('notifications.delete', 'DELETE', '/v1/notifications/{n1}')
step('notifications.action', 'POST', '/v1/notifications/{n1}/action', {})

# --- vmoves ---------------------------------------------------------------------
for version in ('1.0', '1.2', '1.3'):
    step(f'vmoves.index.host.{version}', 'GET', '/v1/notifications/{n3}/vmoves', version=version)
step('vmoves.index.vm', 'GET', '/v1/notifications/{n2}/vmoves', version='1.3')
step('vmoves.index.missing', 'GET',
     '/v1/notifications/00000000-0000-0000-0000-000000000000/vmoves', version='1.3')
step('vmoves.show.missing', 'GET',
     '/v1/notifications/{n3}/vmoves/00000000-0000-0000-0000-000000000000', version='1.3')
for query in ('status=succeeded', 'status=nope', 'type=evacuation', 'sort_key=nope',
              'limit=1', 'marker=nope'):
    step(f'vmoves.index?{query}', 'GET', '/v1/notifications/{n3}/vmoves?' + query,
         version='1.3')
step('vmoves.create', 'POST', '/v1/notifications/{n3}/vmoves', {}, version='1.3')

# --- business rules on delete -----------------------------------------------
step('segments.delete.in-use', 'DELETE', '/v1/segments/{seg1}')
step('hosts.delete.in-use', 'DELETE', '/v1/segments/{seg1}/hosts/{h1}')
step('hosts.update.in-use', 'PUT', '/v1/segments/{seg1}/hosts/{h1}',
     {'host': {'name': 'hy'}})
step('segments.update.in-use', 'PUT', '/v1/segments/{seg1}',
     {'segment': {'recovery_method': 'reserved_host'}})
step('hosts.delete', 'DELETE', '/v1/segments/{seg4}/hosts/{h4}')
step('hosts.delete.again', 'DELETE', '/v1/segments/{seg4}/hosts/{h4}')
step('segments.delete', 'DELETE', '/v1/segments/{seg4}')
step('segments.delete.again', 'DELETE', '/v1/segments/{seg4}')
step('segments.index.after', 'GET', '/v1/segments')
