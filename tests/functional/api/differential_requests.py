"""The ordered request sequence the differential test sends to the release
and to ours, each on an empty database.

Each ``Step`` has a key that names it in doc/source/api-differences.csv.
``{name}`` in a path or a string body stands for a value an earlier step
saved on the same side (a uuid, say), so both sides address their own rows.
"""
import dataclasses
import json

V = 'OpenStack-API-Version'
NOVA_HOSTS = ['node1', 'node2', 'n3', 'hx', 'hy', 'hz', 'hw', 'hv']
GENERATED = '2026-11-25T10:00:00'


@dataclasses.dataclass
class Step:
    key: str
    method: str
    path: str
    body: object = None            # JSON-encoded unless bytes
    headers: dict = dataclasses.field(default_factory=dict)
    # name -> (resource key, field) of the JSON answer to remember (a row
    # id, as a marker, is saved under a name ending in _id: ids differ
    # between the sides where a failed insert used one)
    save: dict = dataclasses.field(default_factory=dict)
    # Instead of a request: rows (table -> list of rows) written to the
    # side's database, which only the engine would otherwise create.
    rows: dict | None = None


STEPS: list[Step] = []


def step(key, method, path, body=None, version=None, save=None, **headers):
    headers = {name.replace('_', '-'): value for name, value in headers.items()}
    if version is not None:
        headers[V] = f'instance-ha {version}'
    assert key not in {s.key for s in STEPS}, key
    STEPS.append(Step(key, method, path, body, headers, save or {}))


def seed(key, rows):
    STEPS.append(Step(key, 'SEED', '', rows=rows))


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


# --- media types, accept, microversion header spellings ----------------------
for name, content_type in (('vnd', 'application/vnd.openstack.masakari+json'),
                           ('charset', 'application/json; charset=UTF-8'),
                           ('upper', 'APPLICATION/JSON'), ('xml', 'application/xml'),
                           ('form', 'application/x-www-form-urlencoded'),
                           ('multipart', 'multipart/form-data; boundary=x'),
                           ('bogus-charset', 'application/json; charset=bogus'),
                           ('empty', '')):
    step(f'segments.create.content-type.{name}', 'POST', '/v1/segments',
         json.dumps(segment(f'ct-{name}')).encode(), Content_Type=content_type)
for name, accept in (('xml', 'application/xml'), ('html', 'text/html'),
                     ('vnd', 'application/vnd.openstack.masakari+json'), ('any', '*/*'),
                     ('none-acceptable', 'image/png')):
    step(f'segments.index.accept.{name}', 'GET', '/v1/segments', Accept=accept)
    step(f'root.accept.{name}', 'GET', '/', Accept=accept)
for name, header in (('spaces', 'instance-ha   1.2'), ('list', 'instance-ha 1.1, compute 2.1'),
                     ('upper', 'INSTANCE-HA 1.2'), ('other-service', 'compute 2.1'),
                     ('empty', ''), ('no-version', 'instance-ha'),
                     ('latest-upper', 'instance-ha LATEST'), ('negative', 'instance-ha -1.0')):
    step(f'segments.index.version-header.{name}', 'GET', '/v1/segments',
         OpenStack_API_Version=header)
step('segments.index.legacy-header', 'GET', '/v1/segments',
     X_OpenStack_Masakari_API_Version='1.2')
for method in ('HEAD', 'OPTIONS', 'PATCH'):
    step(f'method.{method}.segment', method, '/v1/segments/{seg1}')
    step(f'method.{method}.root', method, '/')
step('segments.index.query-latin1', 'GET', '/v1/segments?sort_key=%E9')
step('segments.xml-suffix', 'GET', '/v1/segments.xml')
step('segments.show.xml-suffix', 'GET', '/v1/segments/{seg1}.xml')
step('healthcheck', 'GET', '/healthcheck')
# Over [oslo_middleware] max_request_body_size (114688 bytes by default); the
# next request goes on the same connection.
step('segments.create.too-large', 'POST', '/v1/segments',
     json.dumps(segment('big', description='x' * 120000)).encode(),
     Content_Type='application/json')
step('segments.index.method-override', 'GET', '/v1/segments?_method=POST')
step('segments.show.method-override', 'GET', '/v1/segments/{seg1}?_method=PUT')
step('segments.create.method-override-form', 'POST', '/v1/segments', b'_method=GET',
     Content_Type='application/x-www-form-urlencoded')

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


# --- more segments and hosts --------------------------------------------------
step('segments.create.unicode', 'POST', '/v1/segments',
     segment('s\u00e9g\u4e2d', description='\u00e9\nline'),
     save={'seg5': ('segment', 'uuid')})
step('segments.create.trailing-space', 'POST', '/v1/segments', segment('seg '))
step('segments.create.null-description', 'POST', '/v1/segments',
     segment('seg6', description=None), save={'seg6': ('segment', 'uuid')})
step('segments.create.number-name', 'POST', '/v1/segments', segment(5))
step('segments.create.enabled-false-1.2', 'POST', '/v1/segments',
     segment('seg7', enabled='false'), version='1.2')
step('segments.create.enabled-no-1.2', 'POST', '/v1/segments',
     segment('seg8', enabled=0), version='1.2')
for version in ('1.0', '1.2'):
    step(f'segments.update.enabled-text.{version}', 'PUT', '/v1/segments/{seg6}',
         {'segment': {'enabled': 'false'}}, version=version)
step('segments.update.enabled-bool', 'PUT', '/v1/segments/{seg6}',
     {'segment': {'enabled': False}}, version='1.2')
step('segments.update.service-type', 'PUT', '/v1/segments/{seg6}',
     {'segment': {'service_type': 'other'}})
step('segments.update.description-null', 'PUT', '/v1/segments/{seg6}',
     {'segment': {'description': None}})
step('segments.update.name-same', 'PUT', '/v1/segments/{seg6}', {'segment': {'name': 'seg6'}})
step('segments.update.not-object', 'PUT', '/v1/segments/{seg6}', {'segment': 'x'})
step('segments.update.text', 'PUT', '/v1/segments/{seg6}',
     json.dumps({'segment': {'description': 'x'}}).encode(), Content_Type='text/plain')
for query in ('sort_key=name&sort_key=description&sort_dir=desc&sort_dir=asc',
              'sort_key=service_type', 'sort_key=enabled', 'sort_key=description',
              'sort_key=updated_at&sort_dir=desc', 'limit=1000', 'limit=2&marker=2',
              'limit=1.5', 'limit=', 'marker=', 'sort_dir=desc', 'sort_key=',
              'recovery_method=auto&recovery_method=rh_priority', 'service_type=COMPUTE&limit=1',
              'marker=99999', 'marker=-1'):
    step(f'segments.index2?{query}', 'GET', '/v1/segments?' + query)
step('hosts.create.yes', 'POST', '/v1/segments/{seg5}/hosts',
     host('hy', reserved='yes', on_maintenance='no'),
     save={'h5': ('host', 'uuid'), 'h5_id': ('host', 'id')})
step('hosts.create.true-str', 'POST', '/v1/segments/{seg5}/hosts',
     host('hz', reserved='True', on_maintenance='Off', control_attributes='a\nb'),
     save={'h6': ('host', 'uuid')})
step('hosts.create.type-bad', 'POST', '/v1/segments/{seg5}/hosts', host('hq', type='a b'))
step('hosts.create.control-null', 'POST', '/v1/segments/{seg5}/hosts',
     host('hq', control_attributes=None))
step('hosts.create.control-char', 'POST', '/v1/segments/{seg5}/hosts',
     host('hq', control_attributes='a\x02'))
step('hosts.create.no-body', 'POST', '/v1/segments/{seg5}/hosts', None)
step('hosts.create.no-wrapper', 'POST', '/v1/segments/{seg5}/hosts', {'name': 'hq'})
step('hosts.create.text', 'POST', '/v1/segments/{seg5}/hosts', json.dumps(host('hq')).encode(),
     Content_Type='text/plain')
for version in ('1.1', '1.2'):
    step(f'hosts.show.{version}', 'GET', '/v1/segments/{seg5}/hosts/{h5}', version=version)
for query in ('sort_key=name&sort_key=type&sort_dir=asc&sort_dir=desc', 'sort_key=on_maintenance',
              'sort_key=control_attributes', 'sort_dir=asc', 'reserved=yes', 'reserved=no',
              'on_maintenance=on', 'limit=1&marker={h5_id}', 'type=COMPUTE&reserved=1', 'name=hy'):
    step(f'hosts.index2?{query}', 'GET', '/v1/segments/{seg5}/hosts?' + query)
step('hosts.update.reserved-str', 'PUT', '/v1/segments/{seg5}/hosts/{h5}',
     {'host': {'reserved': 'no', 'on_maintenance': 'yes'}})
step('hosts.update.type', 'PUT', '/v1/segments/{seg5}/hosts/{h5}', {'host': {'type': 'XEN'}})
step('hosts.update.control-char', 'PUT', '/v1/segments/{seg5}/hosts/{h5}',
     {'host': {'control_attributes': 'a\x02'}})
step('hosts.update.not-object', 'PUT', '/v1/segments/{seg5}/hosts/{h5}', {'host': []})
step('hosts.update.rename', 'PUT', '/v1/segments/{seg5}/hosts/{h6}', {'host': {'name': 'hz'}})
step('hosts.show.after-update', 'GET', '/v1/segments/{seg5}/hosts/{h5}', version='1.3')
step('hosts.index.after-update', 'GET', '/v1/segments/{seg5}/hosts')

# --- more notifications ---------------------------------------------------------
for n, (kind, payload) in enumerate((
        ('VM', {'event': 'IO_ERROR', 'instance_uuid': '22222222-2222-3333-4444-555555555555',
                'vir_domain_event': 'IO_ERROR_REPORT'}),
        ('VM', {'event': 'QEMU_GUEST_AGENT_ERROR', 'vir_domain_event': 'STOPPED_FAILED',
                'instance_uuid': '33333333-2222-3333-4444-555555555555'}),
        ('VM', {'event': 'LIFECYCLE', 'vir_domain_event': 'STARTED_BOOTED',
                'instance_uuid': '44444444-2222-3333-4444-555555555555'}),
        ('VM', {'event': 'LIFECYCLE'}),
        ('VM', {'event': 'LIFECYCLE', 'instance_uuid': 'not-a-uuid',
                'vir_domain_event': 'STOPPED_FAILED'}),
        ('PROCESS', {'event': 'started', 'process_name': 'nova-compute'}),
        ('PROCESS', {'event': 'STOPPED', 'process_name': 'libvirtd'}),
        ('PROCESS', {'event': 'stopped'}),
        ('PROCESS', {'event': 'oops', 'process_name': 'x'}),
        ('COMPUTE_HOST', {'event': 'STARTED', 'host_status': 'NORMAL',
                          'cluster_status': 'ONLINE'}),
        ('COMPUTE_HOST', {'event': 'STOPPED', 'host_status': 'UNKNOWN',
                          'cluster_status': 'OFFLINE'}),
        ('COMPUTE_HOST', {'event': 'STOPPED', 'host_status': 'bad',
                          'cluster_status': 'OFFLINE'}),
        ('COMPUTE_HOST', {'event': 'STOPPED'}),
        ('COMPUTE_HOST', {'event': 'STOPPED', 'host_status': 'NORMAL',
                          'cluster_status': 'OFFLINE', 'extra': 'x'}),
        ('VM', 'not an object'),
        ('VM', {}))):
    step(f'notifications.create.payload.{n}', 'POST', '/v1/notifications',
         notification(kind, 'hy', payload))
for name, generated in (('date-only', '2026-11-25'), ('offset', '2026-11-25T10:00:00+02:00'),
                        ('zulu', '2026-11-25T10:00:00Z'), ('micro', '2026-11-25T10:00:00.123456'),
                        ('space', '2026-11-25 10:00:00'), ('number', 5)):
    step(f'notifications.create.generated.{name}', 'POST', '/v1/notifications',
         notification('PROCESS', 'hz', {'event': 'STOPPED', 'process_name': f'p-{name}'},
                      generated=generated))
step('notifications.create.hostname-bad', 'POST', '/v1/notifications',
     notification('VM', 'bad host!', vm_down()))
step('notifications.create.no-wrapper', 'POST', '/v1/notifications', {'type': 'VM'})
step('notifications.create.text', 'POST', '/v1/notifications',
     json.dumps(notification('VM', 'hz', vm_down())).encode(), Content_Type='text/plain')
step('notifications.create.dup-later', 'POST', '/v1/notifications',
     notification('PROCESS', 'node1', PROCESS_DOWN, generated='2026-11-25T10:05:00'))
step('notifications.create.dup-much-later', 'POST', '/v1/notifications',
     notification('PROCESS', 'node1', PROCESS_DOWN, generated='2026-11-26T10:05:00'))
for query in ('sort_key=status', 'sort_key=created_at&sort_dir=desc',
              'sort_key=type&sort_key=generated_time',
              'type=PROCESS&status=new', 'source_host_uuid={h6}', 'source_host_uuid=nope',
              'generated-since=2026-11-25T10:00:00', 'generated-since=2026-11-25T09:00:00Z',
              'limit=3&sort_key=generated_time&sort_dir=desc', 'limit=2&marker=3',
              'status=new&status=running', 'failover_segment_uuid={seg1}'):
    step(f'notifications.index2?{query}', 'GET', '/v1/notifications?' + query)
# (Not sorted by source_host_uuid or failover_segment_uuid: random uuids
# order the rows differently on each side.)

# --- vmoves with rows -------------------------------------------------------------
seed('vmoves.seed', {'vmoves': [
    {'uuid': '{v%d}' % i, 'notification_uuid': '{n3}',
     'instance_uuid': f'{i}{i}{i}{i}{i}{i}{i}{i}-0000-0000-0000-000000000000',
     'instance_name': f'vm{i}', 'source_host': 'n3', 'dest_host': dest,
     'start_time': '2026-11-25 10:00:0%d' % i, 'end_time': end, 'type': 'evacuation',
     'status': status, 'message': message}
    for i, dest, end, status, message in (
        (1, 'node1', '2026-11-25 10:01:00', 'succeeded', None),
        (2, None, None, 'pending', None),
        (3, 'node2', '2026-11-25 10:02:00', 'failed', 'No valid host was found.'),
        (4, 'node1', None, 'ongoing', None))]})
for version in ('1.0', '1.2', '1.3'):
    step(f'vmoves.index.rows.{version}', 'GET', '/v1/notifications/{n3}/vmoves',
         version=version)
    step(f'vmoves.show.{version}', 'GET', '/v1/notifications/{n3}/vmoves/{v3}', version=version)
step('vmoves.show.other-notification', 'GET', '/v1/notifications/{n2}/vmoves/{v1}',
     version='1.3')
step('vmoves.show.not-uuid', 'GET', '/v1/notifications/{n3}/vmoves/abc', version='1.3')
for query in ('status=succeeded', 'status=failed', 'status=pending', 'type=evacuation',
              'type=migration', 'sort_key=instance_name&sort_dir=desc', 'sort_key=start_time',
              'sort_key=status&sort_key=instance_name', 'sort_key=end_time&sort_dir=asc',
              'sort_key=dest_host', 'sort_dir=up', 'limit=2', 'limit=2&marker=2',
              'limit=1&marker=3&sort_key=instance_name', 'marker=99', 'limit=-3',
              'instance_name=vm1'):
    step(f'vmoves.index.rows?{query}', 'GET', '/v1/notifications/{n3}/vmoves?' + query,
         version='1.3')
step('vmoves.update', 'PUT', '/v1/notifications/{n3}/vmoves/{v1}', {}, version='1.3')
step('vmoves.delete', 'DELETE', '/v1/notifications/{n3}/vmoves/{v1}', version='1.3')
step('notifications.show.host.1.3', 'GET', '/v1/notifications/{n3}', version='1.3')

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
step('segments.delete.with-hosts', 'DELETE', '/v1/segments/{seg5}')
step('hosts.delete.h5', 'DELETE', '/v1/segments/{seg5}/hosts/{h5}')
step('hosts.delete.h6-with-notifications', 'DELETE', '/v1/segments/{seg5}/hosts/{h6}')
step('segments.delete.seg6', 'DELETE', '/v1/segments/{seg6}')
step('segments.delete.seg6.again', 'DELETE', '/v1/segments/{seg6}')
step('segments.show.deleted', 'GET', '/v1/segments/{seg6}')
step('hosts.index.final', 'GET', '/v1/segments/{seg5}/hosts', version='1.3')
step('notifications.index.final', 'GET', '/v1/notifications', version='1.3')
step('segments.index.final', 'GET', '/v1/segments', version='1.3')

# --- which notification statuses make a segment in use ----------------------------
step('segments.create.9', 'POST', '/v1/segments', segment('seg9', 'reserved_host'),
     save={'seg9': ('segment', 'uuid')})
step('hosts.create.9', 'POST', '/v1/segments/{seg9}/hosts', host('hx'),
     save={'h9': ('host', 'uuid')})


def host_notifications(key, statuses):
    seed(key, {'notifications': [
        {'notification_uuid': '{%s_%s}' % (key.replace('.', '_'), status),
         'generated_time': '2026-11-20 10:00:00', 'source_host_uuid': '{h9}',
         'type': 'COMPUTE_HOST', 'payload': HOST_DOWN, 'status': status,
         'failover_segment_uuid': '{seg9}', 'message': f'{status} before'}
        for status in statuses]})


host_notifications('done', ('finished', 'ignored', 'failed'))
step('segments.update.done-notifications', 'PUT', '/v1/segments/{seg9}',
     {'segment': {'recovery_method': 'auto'}})
step('hosts.update.done-notifications', 'PUT', '/v1/segments/{seg9}/hosts/{h9}',
     {'host': {'reserved': True}})
for status in ('finished', 'ignored', 'failed', 'error', 'running'):
    step(f'notifications.index.status.{status}', 'GET', '/v1/notifications?status=' + status)
for status in ('error', 'running'):
    host_notifications(status, (status,))
    step(f'segments.update.{status}-notification', 'PUT', '/v1/segments/{seg9}',
         {'segment': {'description': status}})
    step(f'hosts.update.{status}-notification', 'PUT', '/v1/segments/{seg9}/hosts/{h9}',
         {'host': {'reserved': False}})
    step(f'hosts.delete.{status}-notification', 'DELETE', '/v1/segments/{seg9}/hosts/{h9}')
    step(f'segments.delete.{status}-notification', 'DELETE', '/v1/segments/{seg9}')
step('notifications.create.host-already-failing', 'POST', '/v1/notifications',
     notification('COMPUTE_HOST', 'hx', HOST_DOWN, generated='2026-11-25T11:00:00'))
step('notifications.index.host', 'GET', '/v1/notifications?source_host_uuid={h9}'
     '&sort_key=status&sort_dir=asc', version='1.3')
step('notifications.show.seeded', 'GET', '/v1/notifications/{error_error}', version='1.3')

# --- project id in the URL -------------------------------------------------------------
for name, path, project in (('match', '/v1/abc123/segments', 'abc123'),
                            ('mismatch', '/v1/abc123/segments', 'def456'),
                            ('match-show', '/v1/abc123/segments/{seg9}', 'abc123'),
                            ('match-hosts', '/v1/abc123/segments/{seg9}/hosts', 'abc123'),
                            ('not-hex', '/v1/project-x/segments', 'project-x')):
    step(f'project.{name}', 'GET', path, X_Project_Id=project, X_User_Id='u1')

# --- every read at every microversion ------------------------------------------------------
for version in ('1.0', '1.1', '1.2', '1.3', 'latest'):
    for name, path in (('segments', '/v1/segments/{seg9}'), ('hosts', '/v1/segments/{seg9}/hosts'),
                       ('host', '/v1/segments/{seg9}/hosts/{h9}'),
                       ('notifications', '/v1/notifications?limit=2&sort_key=status'),
                       ('notification', '/v1/notifications/{done_finished}'),
                       ('vmoves', '/v1/notifications/{n3}/vmoves?limit=1'),
                       ('vmove', '/v1/notifications/{n3}/vmoves/{v2}'),
                       ('extensions', '/v1/extensions'), ('version', '/v1/versions/v1.0')):
        step(f'read.{name}.{version}', 'GET', path, version=version)
step('hosts.create.1.3', 'POST', '/v1/segments/{seg9}/hosts', host('hy'), version='1.3')
step('notifications.create.1.3', 'POST', '/v1/notifications',
     notification('VM', 'hy', vm_down(), generated='2026-11-25T12:00:00'), version='1.3')
step('segments.create.1.3', 'POST', '/v1/segments', segment('seg10', enabled=False),
     version='1.3')

# --- bodies at the edges of JSON ------------------------------------------------------------
for name, raw in (('nan', b'{"segment": {"name": "n", "recovery_method": "auto", '
                          b'"service_type": "C", "description": NaN}}'),
                  ('duplicate-keys', b'{"segment": {"name": "a", "name": "dupkey", '
                                     b'"recovery_method": "auto", "service_type": "C"}}'),
                  ('bom', b'\xef\xbb\xbf{"segment": {}}'),
                  ('utf16', '{"segment": {}}'.encode('utf-16')),
                  ('trailing', b'{"segment": {}} x'),
                  ('number', b'5'), ('string', b'"x"'), ('null', b'null'), ('array', b'[]'),
                  ('huge-number', b'{"segment": {"name": 1e999}}'),
                  ('whitespace', b'   '), ('nul', b'{"segment": {"name": "a\\u0000b", '
                                                  b'"recovery_method": "auto", '
                                                  b'"service_type": "C"}}')):
    step(f'segments.create.body.{name}', 'POST', '/v1/segments', raw,
         Content_Type='application/json')
step('segments.show.with-body', 'GET', '/v1/segments/{seg9}', b'{"x": 1}',
     Content_Type='application/json')
step('segments.delete.with-body', 'DELETE', '/v1/segments/{seg10}', b'not json',
     Content_Type='application/json')
step('segments.update.body-array', 'PUT', '/v1/segments/{seg9}', b'[]',
     Content_Type='application/json')
for query in ('limit=99999999999999999999', 'limit=1e3', 'marker=99999999999999999999',
              'sort_dir=ASC', 'sort_key=NAME', 'sort_key=name&sort_dir=asc&sort_dir=asc',
              'sort_key=deleted', 'sort_key=deleted_at'):
    step(f'segments.index3?{query}', 'GET', '/v1/segments?' + query)

# --- URL shapes ------------------------------------------------------------------------------
for name, method, path in (
        ('v1.json', 'GET', '/v1.json'),
        ('hosts.json', 'GET', '/v1/segments/{seg9}/hosts.json'),
        ('vmoves.json', 'GET', '/v1/notifications/{n3}/vmoves.json'),
        ('new.json', 'GET', '/v1/segments/new.json'),
        ('extensions.json', 'GET', '/v1/extensions.json'),
        ('version.json', 'GET', '/v1/versions/v1.0.json'),
        ('segments.txt', 'GET', '/v1/segments.txt'),
        ('healthcheck-detailed', 'GET', '/healthcheck?detailed=true'),
        ('healthcheck-head', 'HEAD', '/healthcheck'), ('healthcheck-post', 'POST', '/healthcheck'),
        ('segment-action', 'POST', '/v1/segments/{seg9}/action'),
        ('hosts-put', 'PUT', '/v1/segments/{seg9}/hosts'),
        ('hosts-delete', 'DELETE', '/v1/segments/{seg9}/hosts'),
        ('notifications-delete', 'DELETE', '/v1/notifications'),
        ('host-edit', 'GET', '/v1/segments/{seg9}/hosts/{h9}/edit'),
        ('notification-edit', 'GET', '/v1/notifications/{n3}/edit'),
        ('vmoves-new', 'GET', '/v1/notifications/{n3}/vmoves/new'),
        ('escaped-slash', 'GET', '/v1/segments/%2Fx'), ('space', 'GET', '/v1/segments/a%20b'),
        ('not-utf8', 'GET', '/v1/%FF'), ('not-utf8-id', 'GET', '/v1/segments/%C3%28'),
        ('root-not-utf8', 'GET', '/%FF'), ('dot-segment', 'GET', '/v1/segments/../extensions'),
        ('deep', 'GET', '/v1/segments/{seg9}/hosts/{h9}/x/y'),
        ('versions-slash', 'GET', '/v1/versions/'), ('root-other', 'GET', '/other')):
    step(f'url.{name}', method, path, {} if method in ('POST', 'PUT') else None)

# --- lengths and the calendar's edges -----------------------------------------------------------
step('segments.create.name-255', 'POST', '/v1/segments', segment('n' * 255))
step('segments.create.description-long', 'POST', '/v1/segments',
     segment('long-description', description='d' * 70000))
step('hosts.create.control-long', 'POST', '/v1/segments/{seg9}/hosts',
     host('hw', control_attributes='c' * 70000))
step('hosts.create.type-long', 'POST', '/v1/segments/{seg9}/hosts', host('hv', type='T' * 256))
for name, generated in (('year-1-east', '0001-01-01T00:00:00+14:00'),
                        ('year-9999-west', '9999-12-31T23:59:59-14:00'),
                        ('year-9999', '9999-12-31T23:59:59'), ('year-1900', '1900-01-01T00:00:00'),
                        ('leap', '2024-02-29T00:00:00'), ('not-leap', '2026-02-29T00:00:00'),
                        ('hour-24', '2026-11-25T24:00:00')):
    step(f'notifications.create.calendar.{name}', 'POST', '/v1/notifications',
         notification('PROCESS', 'hx', {'event': 'STOPPED', 'process_name': f'cal-{name}'},
                      generated=generated))
step('notifications.create.deleted-host', 'POST', '/v1/notifications',
     notification('VM', 'node2', vm_down(), generated='2026-11-25T13:00:00'))
step('vmoves.index.process', 'GET', '/v1/notifications/{n1}/vmoves', version='1.3')

# --- media types and versions on every kind of answer ---------------------------------------------
VND = 'application/vnd.openstack.masakari+json'
step('v1.accept-vnd', 'GET', '/v1', Accept=VND)
step('v1.accept-vnd.1.3', 'GET', '/v1/', version='1.3', Accept=VND)
step('fault.accept-vnd', 'GET', '/v1/segments/00000000-0000-0000-0000-000000000000', Accept=VND)
step('fault.accept-xml.1.2', 'GET', '/v1/segments/abc', version='1.2', Accept='application/xml')
step('segments.create.vnd-both', 'POST', '/v1/segments', json.dumps(segment('vnd')).encode(),
     Content_Type=VND, Accept=VND)
step('segments.delete.vnd', 'DELETE', '/v1/segments/{seg10}', Accept=VND, version='1.3')
step('root.version-header', 'GET', '/', version='1.2')
step('root.choices.version-header', 'GET', '/segments', version='1.2')
step('healthcheck.version-header', 'GET', '/healthcheck', version='1.2')
step('segments.preflight', 'OPTIONS', '/v1/segments', Origin='http://example.com',
     Access_Control_Request_Method='POST')
step('segments.index.origin', 'GET', '/v1/segments?limit=1', Origin='http://example.com')

