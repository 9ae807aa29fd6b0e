"""Versioned notifications (the segment, host and notification events)
that masakari-api sends over a real RabbitMQ with the messagingv2 driver,
read back from a private exchange."""
import re
import socket
import uuid

import pytest
import requests

from tests.support import api_server
from tests.support import nova
from tests.support import rabbit

NOVA_HOSTS = [f'node{i}' for i in range(1, 9)]
V12 = {'OpenStack-API-Version': 'instance-ha 1.2'}
PAYLOAD_CLASSES = {'segment': ('SegmentApiPayload', '1.1'),
                   'host': ('HostApiPayload', '1.0'),
                   'notification': ('NotificationApiPayload', '1.0')}
WRAPPER = {'masakari_object.name', 'masakari_object.namespace',
           'masakari_object.version', 'masakari_object.data'}
OBJECT_TIME = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ')
SEGMENT_FIELDS = {'id', 'uuid', 'name', 'service_type', 'description',
                  'recovery_method', 'enabled'}
HOST_FIELDS = {'id', 'uuid', 'name', 'type', 'reserved', 'control_attributes',
               'on_maintenance'}


@pytest.fixture(scope='module')
def collector():
    rabbit.require()
    collector = rabbit.NotificationCollector()
    yield collector
    collector.close()


@pytest.fixture(scope='module')
def server(collector, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('notifications')
    port = api_server.free_port()
    with nova.running(hosts=NOVA_HOSTS) as sim:
        # One worker: events of consecutive requests then come from one
        # process, in request order.
        config = api_server.write_config(
            tmp / 'masakari.conf', f'sqlite:///{tmp}/masakari.sqlite', port,
            workers=1, transport_url=rabbit.URL,
            extra=nova.masakari_options(sim) +
            f'control_exchange = {collector.exchange_name}\n'
            '[oslo_messaging_notifications]\ndriver = messagingv2\n')
        api_server.db_sync(config)
        server = api_server.APIServer(config, port, tmp / 'api.log').start()
        yield server
        server.stop()


@pytest.fixture
def events(collector, server):
    """The collector, rid of what an earlier failed test left behind."""
    collector.drain()
    return collector


def call(server, method: str, path: str, expected: int, body=None,
         headers=None) -> dict:
    r = requests.request(method, server.url + path, json=body, timeout=30,
                         headers=headers)
    assert r.status_code == expected, r.text
    return r.json() if r.content else {}


def expect_events(collector, *event_types: str) -> list[dict]:
    """The next events are exactly ``event_types``, each with oslo.messaging's
    envelope (priority, publisher, id, timestamp) and masakari's versioned
    payload wrapper; returns their payload data."""
    received = collector.take(len(event_types))
    assert [message['event_type'] for _, message in received] == list(event_types)
    return [_payload_data(key, message) for key, message in received]


def _payload_data(routing_key: str, message: dict) -> dict:
    resource, _, phase = message['event_type'].split('.')
    priority = 'ERROR' if phase == 'error' else 'INFO'
    assert routing_key == f'versioned_notifications.{priority.lower()}'
    assert message['priority'] == priority
    assert message['publisher_id'] == f'masakari-api:{socket.gethostname()}'
    uuid.UUID(message['message_id'])
    assert re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?',
                        message['timestamp'])
    payload = message['payload']
    assert set(payload) == WRAPPER
    assert (payload['masakari_object.name'], payload['masakari_object.version']) == \
        PAYLOAD_CLASSES[resource]
    assert payload['masakari_object.namespace'] == 'masakari'
    data = payload['masakari_object.data']
    if phase == 'error':
        assert data['fault'] is not None
    else:
        assert data['fault'] is None
    return data


def fault_of(data: dict) -> dict:
    fault = data['fault']
    assert set(fault) == WRAPPER
    assert fault['masakari_object.name'] == 'ExceptionPayload'
    assert fault['masakari_object.version'] == '1.0'
    assert set(fault['masakari_object.data']) == {
        'module_name', 'function_name', 'exception', 'exception_message',
        'traceback'}
    return fault['masakari_object.data']


def check_nested_segment(nested: dict, segment: dict) -> None:
    assert set(nested) == WRAPPER
    assert (nested['masakari_object.name'], nested['masakari_object.version'],
            nested['masakari_object.namespace']) == ('FailoverSegment', '1.1', 'masakari')
    data = dict(nested['masakari_object.data'])
    assert OBJECT_TIME.fullmatch(data.pop('created_at'))
    assert data == dict({k: segment[k] for k in SEGMENT_FIELDS},
                        updated_at=None, deleted_at=None, deleted=False)


def segment_fields(segment: dict, **changes) -> dict:
    return dict({k: segment[k] for k in SEGMENT_FIELDS}, fault=None, **changes)


def host_fields(host: dict, **changes) -> dict:
    return dict({k: host[k] for k in HOST_FIELDS}, fault=None, **changes)


def new_segment(server, events, name: str) -> dict:
    segment = call(server, 'POST', '/v1/segments', 201, {'segment': {
        'name': name, 'service_type': 'COMPUTE', 'recovery_method': 'auto'}})
    expect_events(events, 'segment.create.start', 'segment.create.end')
    return segment['segment']


def new_host(server, events, segment: dict, name: str, **fields) -> dict:
    host = call(server, 'POST', f"/v1/segments/{segment['uuid']}/hosts", 201,
                {'host': dict({'name': name, 'type': 'COMPUTE',
                               'control_attributes': 'SSH'}, **fields)})
    expect_events(events, 'host.create.start', 'host.create.end')
    return host['host']


def test_segment_create_events_lack_id_and_uuid(server, events):
    body = {'name': 'seg-create', 'service_type': 'COMPUTE',
            'recovery_method': 'auto', 'description': 'first', 'enabled': False}
    call(server, 'POST', '/v1/segments', 201, {'segment': body}, V12)
    start, end = expect_events(events, 'segment.create.start',
                               'segment.create.end')
    # Upstream emits both before copying the database row into the object.
    assert start == dict(body, fault=None)
    assert end == dict(body, fault=None)
    events.assert_quiet()


def test_segment_update_and_delete_events(server, events):
    segment = new_segment(server, events, 'seg-life')
    path = f"/v1/segments/{segment['uuid']}"
    changes = {'description': 'second', 'recovery_method': 'reserved_host'}
    call(server, 'PUT', path, 200, {'segment': changes})
    start, end = expect_events(events, 'segment.update.start',
                               'segment.update.end')
    assert start == end == segment_fields(segment, **changes)

    call(server, 'DELETE', path, 204)
    start, end = expect_events(events, 'segment.delete.start',
                               'segment.delete.end')
    assert start == end == segment_fields(segment, **changes)
    events.assert_quiet()


def test_segment_create_payload_has_fields_the_request_left_out(server, events):
    # Upstream sets description and enabled on the object it creates.
    body = {'name': 'seg-minimal', 'service_type': 'COMPUTE',
            'recovery_method': 'auto'}
    call(server, 'POST', '/v1/segments', 201, {'segment': body})
    start, end = expect_events(events, 'segment.create.start',
                               'segment.create.end')
    assert start == dict(body, description=None, enabled=True, fault=None)
    assert end == start
    events.assert_quiet()


def test_duplicate_segment_name_emits_error(server, events):
    first = new_segment(server, events, 'seg-dup')
    body = {'name': 'seg-dup', 'service_type': 'COMPUTE',
            'recovery_method': 'auto', 'description': 'again', 'enabled': True}
    call(server, 'POST', '/v1/segments', 409, {'segment': body}, V12)
    start, error = expect_events(events, 'segment.create.start',
                                 'segment.create.error')
    assert start == dict(body, fault=None)
    assert dict(error, fault=None) == start
    fault = fault_of(error)
    assert fault['exception'] == 'FailoverSegmentExists'
    assert 'seg-dup' in fault['exception_message']
    assert 'FailoverSegmentExists' in fault['traceback']

    other = new_segment(server, events, 'seg-dup-other')
    call(server, 'PUT', f"/v1/segments/{other['uuid']}", 409,
         {'segment': {'name': first['name']}})
    start, error = expect_events(events, 'segment.update.start',
                                 'segment.update.error')
    assert start == segment_fields(other, name='seg-dup')
    assert dict(error, fault=None) == start
    assert fault_of(error)['exception'] == 'FailoverSegmentExists'
    events.assert_quiet()


def test_host_create_events_lack_id_and_uuid(server, events):
    segment = new_segment(server, events, 'seg-host-create')
    body = {'name': 'node1', 'type': 'COMPUTE', 'control_attributes': 'SSH',
            'reserved': True, 'on_maintenance': False}
    call(server, 'POST', f"/v1/segments/{segment['uuid']}/hosts", 201, {'host': body})
    start, end = expect_events(events, 'host.create.start', 'host.create.end')
    check_nested_segment(start.pop('failover_segment'), segment)
    check_nested_segment(end.pop('failover_segment'), segment)
    assert start == dict(body, fault=None)
    assert end == dict(body, fault=None)
    events.assert_quiet()


def test_host_update_and_delete_events(server, events):
    segment = new_segment(server, events, 'seg-host-life')
    host = new_host(server, events, segment, 'node7', reserved=True)
    path = f"/v1/segments/{segment['uuid']}/hosts/{host['uuid']}"
    changes = {'reserved': False, 'on_maintenance': True}
    call(server, 'PUT', path, 200, {'host': changes})
    for data in expect_events(events, 'host.update.start', 'host.update.end'):
        check_nested_segment(data.pop('failover_segment'), segment)
        assert data == host_fields(host, **changes)

    call(server, 'DELETE', path, 204)
    for data in expect_events(events, 'host.delete.start', 'host.delete.end'):
        check_nested_segment(data.pop('failover_segment'), segment)
        assert data == host_fields(host, **changes)
    events.assert_quiet()


def test_duplicate_host_name_emits_error(server, events):
    segment = new_segment(server, events, 'seg-host-dup')
    new_host(server, events, segment, 'node2')
    hosts = f"/v1/segments/{segment['uuid']}/hosts"
    body = {'name': 'node2', 'type': 'COMPUTE', 'control_attributes': 'SSH',
            'reserved': False, 'on_maintenance': False}
    call(server, 'POST', hosts, 409, {'host': body})
    start, error = expect_events(events, 'host.create.start', 'host.create.error')
    assert start.pop('failover_segment') == error.pop('failover_segment')
    assert start == dict(body, fault=None)
    assert dict(error, fault=None) == start
    assert fault_of(error)['exception'] == 'HostExists'

    other = new_host(server, events, segment, 'node3')
    call(server, 'PUT', f"{hosts}/{other['uuid']}", 409, {'host': {'name': 'node2'}})
    start, error = expect_events(events, 'host.update.start', 'host.update.error')
    check_nested_segment(start.pop('failover_segment'), segment)
    assert start == host_fields(other, name='node2')
    error.pop('failover_segment')
    assert dict(error, fault=None) == start
    assert fault_of(error)['exception'] == 'HostExists'
    events.assert_quiet()


def test_notification_create_events_lack_id_and_uuid(server, events):
    segment = new_segment(server, events, 'seg-notify')
    host = new_host(server, events, segment, 'node4')
    body = {'type': 'COMPUTE_HOST', 'hostname': 'node4',
            'generated_time': '2026-11-25T10:00:00',
            'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                        'cluster_status': 'OFFLINE'}}
    call(server, 'POST', '/v1/notifications', 202, {'notification': body})
    start, end = expect_events(events, 'notification.create.start',
                               'notification.create.end')
    expected = {'generated_time': '2026-11-25T10:00:00Z',
                'source_host_uuid': host['uuid'], 'type': 'COMPUTE_HOST',
                'payload': body['payload'], 'status': 'new', 'fault': None}
    assert start == expected
    assert end == expected
    events.assert_quiet()


def test_notification_events_keep_the_client_offset(server, events):
    segment = new_segment(server, events, 'seg-notify-offset')
    new_host(server, events, segment, 'node8')
    body = {'type': 'VM', 'hostname': 'node8',
            'generated_time': '2026-11-25T19:30:00+09:00',
            'payload': {'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
                        'instance_uuid': str(uuid.uuid4())}}
    stored = call(server, 'POST', '/v1/notifications', 202,
                  {'notification': body})['notification']
    assert stored['generated_time'] == '2026-11-25T10:30:00.000000'
    start, end = expect_events(events, 'notification.create.start',
                               'notification.create.end')
    assert start['generated_time'] == '2026-11-25T19:30:00+09:00'
    assert end['generated_time'] == '2026-11-25T19:30:00+09:00'
    events.assert_quiet()


def test_rejected_requests_emit_nothing(server, events):
    segment = new_segment(server, events, 'seg-rejects')
    host = new_host(server, events, segment, 'node5')
    new_host(server, events, segment, 'node6', on_maintenance=True)
    segments = f"/v1/segments/{segment['uuid']}"
    hosts = f"{segments}/hosts"
    unknown = str(uuid.uuid4())
    notification = {'type': 'COMPUTE_HOST', 'hostname': 'node5',
                    'generated_time': '2026-11-25T11:00:00',
                    'payload': {'event': 'STOPPED'}}
    call(server, 'POST', '/v1/notifications', 202, {'notification': notification})
    expect_events(events, 'notification.create.start', 'notification.create.end')

    rejected = [
        # schema errors
        ('POST', '/v1/segments', 400, {'segment': {'name': 'x'}}),
        ('PUT', segments, 400, {'segment': {'recovery_method': 'never'}}),
        ('POST', hosts, 400, {'host': {'name': 'node1', 'type': 'COMPUTE'}}),
        ('POST', '/v1/notifications', 400,
         {'notification': dict(notification, type='DISK')}),
        # unknown objects
        ('PUT', f'/v1/segments/{unknown}', 404, {'segment': {'description': 'x'}}),
        ('DELETE', f'/v1/segments/{unknown}', 404, None),
        ('POST', f'/v1/segments/{unknown}/hosts', 404,
         {'host': {'name': 'node1', 'type': 'COMPUTE', 'control_attributes': 'SSH'}}),
        ('PUT', f'{hosts}/{unknown}', 404, {'host': {'reserved': True}}),
        ('DELETE', f'{hosts}/{unknown}', 404, None),
        # the Nova check
        ('POST', hosts, 400,
         {'host': {'name': 'not-in-nova', 'type': 'COMPUTE', 'control_attributes': 'SSH'}}),
        # the segment is in use by the new notification
        ('PUT', segments, 409, {'segment': {'description': 'x'}}),
        ('DELETE', segments, 409, None),
        ('PUT', f"{hosts}/{host['uuid']}", 409, {'host': {'reserved': True}}),
        ('DELETE', f"{hosts}/{host['uuid']}", 409, None),
        # duplicate, host on maintenance, unknown host
        ('POST', '/v1/notifications', 409, {'notification': notification}),
        ('POST', '/v1/notifications', 409,
         {'notification': dict(notification, hostname='node6')}),
        ('POST', '/v1/notifications', 400,
         {'notification': dict(notification, hostname='nowhere')}),
    ]
    for method, path, status, body in rejected:
        call(server, method, path, status, body)
    # Anything emitted above would arrive before this request's events.
    new_segment(server, events, 'seg-barrier')
    events.assert_quiet()
