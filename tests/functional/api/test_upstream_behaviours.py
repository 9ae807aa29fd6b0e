"""Odd upstream API behaviours that this implementation keeps on purpose,
one test per behaviour, over real HTTP against one running masakari-api
(noauth2, two workers, SQLite).

Items where this implementation deliberately differs from upstream assert
the behaviour documented in doc/source/divergences.rst and say so.
"""
import json
import uuid

import pytest
import sqlalchemy as sa

from masakari.conf import api as conf_api
from masakari.db import models
from tests.functional.api.test_conformance import Client
from tests.functional.api.test_conformance import fault
from tests.support import api_server as server_support
from tests.support import nova

HOSTS = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6']
V10 = {'OpenStack-API-Version': 'instance-ha 1.0'}
V12 = {'OpenStack-API-Version': 'instance-ha 1.2'}
# Only callers with the role "creator" may create segments; everything else
# keeps its default (noauth2 makes every caller admin).
POLICY = {'os_masakari_api:segments:create': 'role:creator'}
CREATOR = {'X-Roles': 'creator'}


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    work = tmp_path_factory.mktemp('upstream-behaviours')
    policy_file = work / 'policy.json'
    policy_file.write_text(json.dumps(POLICY))
    with nova.running(hosts=HOSTS) as sim, server_support.sqlite_server(
            work, nova.masakari_options(sim) + f'[oslo_policy]\npolicy_file = {policy_file}\n',
            workers=2) as server:
        yield Client(server.url), server_support.sqlite_url(work)


@pytest.fixture(scope='module')
def segment(api):
    c, _ = api
    r = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'upstream-behaviours', 'recovery_method': 'auto', 'service_type': 'COMPUTE'}})
    assert r.status_code == 201, r.text
    segment = r.json()['segment']
    segment['hosts'] = {name: make_host(c, segment, name) for name in ('q3', 'q5', 'q6')}
    return segment


def make_host(c, segment, name, **fields):
    body = dict({'name': name, 'type': 'COMPUTE', 'control_attributes': 'SSH'}, **fields)
    r = c('POST', f"/v1/segments/{segment['uuid']}/hosts", json={'host': body})
    assert r.status_code == 201, r.text
    return r.json()['host']


def make_notification(c, hostname, type_='COMPUTE_HOST', payload=None,
                      generated_time='2026-11-25T10:00:00'):
    payload = payload or {'event': 'STOPPED', 'host_status': 'NORMAL',
                          'cluster_status': 'OFFLINE'}
    return c('POST', '/v1/notifications', json={'notification': {
        'type': type_, 'hostname': hostname, 'generated_time': generated_time,
        'payload': payload}})


def test_version_header_names_the_service_instance_ha(api):
    c, _ = api
    r = c('GET', '/v1/segments', headers=V12)
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.2'
    r = c('GET', '/v1/segments/abc', headers=V12)
    assert r.status_code == 404
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.2'
    # A request naming the service "masakari" is not a version request.
    r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': 'masakari 1.2'})
    assert r.headers['OpenStack-API-Version'] == 'instance-ha 1.0'


def test_unknown_version_is_406_and_malformed_one_400_without_version_header(api):
    c, _ = api
    r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha 2.0'})
    fault(r, 'masakariFault', 406)
    assert 'OpenStack-API-Version' not in r.headers
    r = c('GET', '/v1/segments', headers={'OpenStack-API-Version': 'instance-ha x'})
    fault(r, 'badRequest', 400)
    assert 'OpenStack-API-Version' not in r.headers


@pytest.fixture(scope='module')
def vmove(api, segment):
    """(notification uuid, vmove uuid) of a COMPUTE_HOST notification with a
    vmove row written the way the engine writes them."""
    c, database_url = api
    make_host(c, segment, 'q1')
    r = make_notification(c, 'q1')
    assert r.status_code == 202, r.text
    notification_uuid = r.json()['notification']['notification_uuid']
    vmove_uuid = str(uuid.uuid4())
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(models.VMove.__table__.insert().values(
            uuid=vmove_uuid, notification_uuid=notification_uuid,
            instance_uuid=str(uuid.uuid4()), instance_name='vm1',
            source_host='q1', type='evacuation', status='succeeded', deleted=0,
            created_at=models.utcnow_seconds()))
    engine.dispose()
    return notification_uuid, vmove_uuid


def test_vmoves_are_served_at_microversion_1_0(api, vmove):
    c, _ = api
    notification_uuid, vmove_uuid = vmove
    path = f'/v1/notifications/{notification_uuid}/vmoves'
    r = c('GET', path, headers=V10)
    assert r.status_code == 200
    assert [m['uuid'] for m in r.json()['vmoves']] == [vmove_uuid]
    r = c('GET', f'{path}/{vmove_uuid}', headers=V10)
    assert r.status_code == 200 and r.json()['vmove']['instance_name'] == 'vm1'


def test_create_and_delete_status_codes(api):
    c, _ = api
    r = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'q-status', 'recovery_method': 'auto', 'service_type': 'C'}})
    assert r.status_code == 201
    created = r.json()['segment']
    host = make_host(c, created, 'q2')
    r = c('DELETE', f"/v1/segments/{created['uuid']}/hosts/{host['uuid']}")
    assert (r.status_code, r.content) == (204, b'')
    host = make_host(c, created, 'q2')
    r = make_notification(c, 'q2', type_='PROCESS',
                          payload={'process_name': 'nova-compute', 'event': 'STARTED'})
    assert r.status_code == 202
    c('PUT', f"/v1/segments/{created['uuid']}/hosts/{host['uuid']}",
      json={'host': {'name': 'q2'}})
    r = c('DELETE', f"/v1/segments/{created['uuid']}")
    # The new notification keeps the segment in use.
    assert r.status_code == 409
    other = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'q-del', 'recovery_method': 'auto', 'service_type': 'C'}}).json()['segment']
    r = c('DELETE', f"/v1/segments/{other['uuid']}")
    assert (r.status_code, r.content) == (204, b'')


def test_noauth2_makes_everyone_admin(api):
    c, _ = api
    r = c('GET', '/v1/notifications', headers={'X-Roles': 'member'})
    assert r.status_code == 200


def test_marker_is_integer_id_and_page_size_ignored(api, segment):
    c, _ = api
    for name in ('q-p1', 'q-p2'):
        c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
            'name': name, 'recovery_method': 'auto', 'service_type': 'C'}})
    everything = c('GET', '/v1/segments?sort_key=id&sort_dir=asc').json()['segments']
    assert len(everything) >= 3
    r = c('GET', f"/v1/segments?sort_key=id&sort_dir=asc&marker={everything[0]['id']}")
    assert [s['id'] for s in r.json()['segments']] == [s['id'] for s in everything[1:]]
    fault(c('GET', f"/v1/segments?marker={everything[0]['uuid']}"), 'badRequest', 400,
          f"Marker {everything[0]['uuid']} could not be found.")
    r = c('GET', '/v1/segments?page_size=1')
    assert len(r.json()['segments']) == len(everything)
    assert list(r.json()) == ['segments']


def test_sort_keys_are_columns_not_relationships(api, segment):
    c, _ = api
    assert c('GET', f"/v1/segments/{segment['uuid']}/hosts"
                    '?sort_key=control_attributes').status_code == 200
    assert c('GET', '/v1/notifications?sort_key=payload').status_code == 200
    fault(c('GET', '/v1/notifications?sort_key=uuid'), 'badRequest', 400,
          "InvalidSortKey('Sort key supplied is invalid: uuid')")
    # divergence: a relationship name is a 400, not a 500.
    fault(c('GET', '/v1/segments?sort_key=hosts'), 'badRequest', 400,
          "InvalidSortKey('Sort key supplied is invalid: hosts')")
    fault(c('GET', f"/v1/segments/{segment['uuid']}/hosts?sort_key=failover_segment"),
          'badRequest', 400)


def test_segment_enabled_filter(api):
    c, _ = api
    c('POST', '/v1/segments', headers=dict(CREATOR, **V12), json={'segment': {
        'name': 'q-off', 'recovery_method': 'auto', 'service_type': 'C',
        'enabled': False}})
    # divergence: the filter is parsed as a boolean on every database.
    for value in ('0', 'false', 'no'):
        names = [s['name'] for s in c('GET', f'/v1/segments?enabled={value}')
                 .json()['segments']]
        assert names == ['q-off']
    fault(c('GET', '/v1/segments?enabled=maybe'), 'badRequest', 400)


def test_host_list_ignores_name_and_control_attributes_filters(api, segment):
    c, _ = api
    hosts = f"/v1/segments/{segment['uuid']}/hosts"
    every = {h['name'] for h in c('GET', hosts).json()['hosts']}
    assert {h['name'] for h in c('GET', hosts + '?name=q3').json()['hosts']} == every
    assert {h['name'] for h in c('GET', hosts + '?control_attributes=none')
            .json()['hosts']} == every
    assert len(every) > 1


def test_notification_list_filters_on_generated_since_with_a_hyphen_only(api, segment):
    c, _ = api
    for generated_time in ('2026-11-20T10:00:00', '2026-11-24T10:00:00'):
        r = make_notification(c, 'q3', generated_time=generated_time)
        assert r.status_code == 202, r.text
    later = c('GET', '/v1/notifications?generated-since=2026-11-24T00:00:00')
    times = [n['generated_time'] for n in later.json()['notifications']]
    assert times and all(t >= '2026-11-24' for t in times)
    every = c('GET', '/v1/notifications?generated_since=2026-11-24T00:00:00')
    assert len(every.json()['notifications']) > len(times)


def test_segment_enabled_takes_boolean_strings(api):
    c, _ = api
    seg = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'q-str', 'recovery_method': 'auto', 'service_type': 'C'}}).json()['segment']
    # divergence: "false" is false on update (upstream: truthiness, true).
    r = c('PUT', f"/v1/segments/{seg['uuid']}", headers=V12,
          json={'segment': {'enabled': 'false'}})
    assert r.json()['segment']['enabled'] is False
    fault(c('POST', '/v1/segments', headers=dict(CREATOR, **V12), json={'segment': {
        'name': 'q-str2', 'recovery_method': 'auto', 'service_type': 'C',
        'enabled': 'maybe'}}), 'badRequest', 400)


def test_host_type_compute_host_is_refused(api, segment):
    c, _ = api
    r = c('POST', f"/v1/segments/{segment['uuid']}/hosts", json={'host': {
        'name': 'q4', 'type': 'COMPUTE_HOST', 'control_attributes': 'SSH'}})
    fault(r, 'badRequest', 400)


def test_null_host_type_or_control_attributes_is_refused(api, segment):
    c, _ = api
    hosts = f"/v1/segments/{segment['uuid']}/hosts"
    # divergence: null is a 400 (upstream: 500), on create and update.
    for field in ('type', 'control_attributes'):
        body = dict({'name': 'q4', 'type': 'COMPUTE', 'control_attributes': 'x'},
                    **{field: None})
        fault(c('POST', hosts, json={'host': body}), 'badRequest', 400)
    host = make_host(c, segment, 'q4')
    for field in ('type', 'control_attributes'):
        fault(c('PUT', f"{hosts}/{host['uuid']}", json={'host': {field: None}}),
              'badRequest', 400)


def test_host_names_are_unique_across_segments(api, segment):
    c, _ = api
    other = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'q-other', 'recovery_method': 'auto', 'service_type': 'C'}}).json()['segment']
    fault(c('POST', f"/v1/segments/{other['uuid']}/hosts", json={'host': {
        'name': 'q5', 'type': 'COMPUTE', 'control_attributes': 'x'}}),
        'conflictingRequest', 409, 'Host with name q5 already exists.')


def test_host_not_found_messages(api, segment):
    c, _ = api
    host = segment['hosts']['q6']
    unknown = str(uuid.uuid4())
    message = (f"Host '{host['uuid']}' under failover_segment '{unknown}' "
               'could not be found.')
    path = f"/v1/segments/{unknown}/hosts/{host['uuid']}"
    fault(c('GET', path), 'itemNotFound', 404, message)
    fault(c('PUT', path, json={'host': {'reserved': True}}), 'itemNotFound', 404, message)
    fault(c('DELETE', path), 'itemNotFound', 404, message)
    segment_message = f'No failover segment with id {unknown}.'
    fault(c('GET', f'/v1/segments/{unknown}/hosts'), 'itemNotFound', 404, segment_message)
    fault(c('POST', f'/v1/segments/{unknown}/hosts', json={'host': {
        'name': 'zz', 'type': 'COMPUTE', 'control_attributes': 'x'}}),
        'itemNotFound', 404, segment_message)


def test_vmove_under_another_or_unknown_notification_is_not_found(api, vmove):
    c, _ = api
    vmove_uuid = vmove[1]
    r = make_notification(c, 'q1', payload={'event': 'STOPPED', 'host_status': 'UNKNOWN',
                                            'cluster_status': 'ONLINE'})
    other = r.json()['notification']['notification_uuid']
    # divergence: both are 404s (upstream: 500, and the foreign vmove is shown).
    fault(c('GET', f'/v1/notifications/{uuid.uuid4()}/vmoves/{vmove_uuid}'),
          'itemNotFound', 404)
    fault(c('GET', f'/v1/notifications/{other}/vmoves/{vmove_uuid}'), 'itemNotFound', 404,
          f'No vm move with id {vmove_uuid}.')


def test_duplicate_check_has_no_upper_bound_and_counts_finished_ones(api, segment):
    c, database_url = api
    payload = {'event': 'STOPPED', 'host_status': 'UNKNOWN', 'cluster_status': 'OFFLINE'}
    r = make_notification(c, 'q5', payload=payload, generated_time='2026-11-25T12:00:00')
    assert r.status_code == 202
    # The stored one is later than the new one: still a duplicate (no upper bound).
    fault(make_notification(c, 'q5', payload=payload, generated_time='2026-01-01T00:00:00'),
          'conflictingRequest', 409,
          'Notification received from host q5 of type COMPUTE_HOST is duplicate.')
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(models.Notification).where(
            models.Notification.notification_uuid ==
            r.json()['notification']['notification_uuid']).values(status='finished'))
    engine.dispose()
    # Finished ones count too.
    fault(make_notification(c, 'q5', payload=payload, generated_time='2026-11-25T12:01:00'),
          'conflictingRequest', 409)


def test_event_must_be_upper_case(api):
    c, _ = api
    for type_, payload in (('PROCESS', {'process_name': 'x', 'event': 'stopped'}),
                           ('COMPUTE_HOST', {'event': 'Stopped', 'host_status': 'NORMAL',
                                             'cluster_status': 'OFFLINE'})):
        fault(make_notification(c, 'q6', type_=type_, payload=payload), 'badRequest', 400)


def test_workflow_details_are_empty_without_an_engine(api, vmove):
    c, _ = api
    r = c('GET', f'/v1/notifications/{vmove[0]}',
          headers={'OpenStack-API-Version': 'instance-ha 1.1'})
    # divergence: [] once the engine does not answer (upstream: 500).
    assert (r.status_code, r.json()['notification']['recovery_workflow_details']) == \
        (200, [])


def test_no_notification_delay_by_default():
    option = {o.name: o for o in conf_api.api_opts}['notification_delay_max']
    # divergence: 0, because duplicate detection is atomic (upstream: 5).
    assert option.default == 0


def test_segment_description_has_no_length_limit(api):
    c, _ = api
    r = c('POST', '/v1/segments', headers=CREATOR, json={'segment': {
        'name': 'q-desc', 'recovery_method': 'auto', 'service_type': 'C',
        'description': 'd' * 5000}})
    assert r.status_code == 201 and len(r.json()['segment']['description']) == 5000


def test_unrouted_paths_get_a_plain_404(api):
    c, _ = api
    for path in ('/v1/nothing', '/v1/segments/'):
        r = c('GET', path)
        assert r.status_code == 404
        assert 'itemNotFound' not in r.text and '404 Not Found' in r.text
    r = c('GET', '/v2')
    assert r.status_code == 300 and 'choices' in r.json()


# The content of create events is checked in test_versioned_notifications.


def test_body_schema_is_checked_before_policy(api):
    c, _ = api
    fault(c('POST', '/v1/segments', json={'segment': {'name': 'q-pol'}}), 'badRequest', 400)
    fault(c('POST', '/v1/segments', json={'segment': {
        'name': 'q-pol', 'recovery_method': 'auto', 'service_type': 'C'}}),
        'forbidden', 403,
        "Policy doesn't allow os_masakari_api:segments:create to be performed.")


def test_project_id_in_url_must_match_the_caller(api):
    c, _ = api
    fault(c('GET', '/v1/a1/segments', headers={'X-Project-Id': 'b2'}), 'badRequest', 400,
          "Malformed request URL: URL's project_id 'a1' doesn't match "
          "Context's project_id 'b2'")
    fault(c('GET', '/v1/a1/segments'), 'badRequest', 400)
    assert c('GET', '/v1/a1/segments', headers={'X-Project-Id': 'a1'}).status_code == 200
    # Only [0-9a-f-]+ is a project id; anything else is an unrouted path.
    assert c('GET', '/v1/p1/segments', headers={'X-Project-Id': 'p1'}).status_code == 404
