"""GET /v1/notifications/{id} at 1.1 when no engine answers: the progress
the engines recorded in taskflow's persistence tables, in the order of the
configured flow, over HTTP against a running masakari-api."""
import contextlib
import uuid

import pytest
from taskflow.persistence import backends
from taskflow.persistence import models as taskflow_models

from tests.functional.api.test_conformance import Client
from tests.support import api_server as server_support
from tests.support import nova

V11 = {'OpenStack-API-Version': 'instance-ha 1.1'}
# An operator's reserved_host flow without the preparation task.
RH_FLOW = ('[taskflow_driver_recovery_flows]\n'
           "host_rh_failure_recovery_tasks = pre:['disable_compute_service_task'],"
           "main:['evacuate_instances_task'],post:[]\n")


def line(message: str, progress: float) -> dict:
    return {'timestamp': '2026-11-25 06:00:00.000000', 'progress': progress,
            'message': message}


def shown(entry: dict) -> dict:
    """A progress line as the API shows it: string values."""
    return {key: str(value) for key, value in entry.items()}


def meta(progress: float, lines: list[dict]) -> dict:
    """An atom's meta as taskflow stores what the task passed to
    update_progress(progress, progress_details=lines)."""
    return {'progress': progress, 'progress_details': {
        'at_progress': progress, 'details': {'progress_details': lines}}}


def record_flow(database_url: str, notification_uuid: str, action: str,
                atoms: list[tuple[str, str, dict | None]]) -> None:
    """Writes one flow run the way taskflow persists it."""
    book = taskflow_models.LogBook(action, uuid=notification_uuid)
    backend = backends.fetch({'connection': database_url})
    with contextlib.closing(backend.get_connection()) as connection:
        with contextlib.suppress(Exception):
            book = connection.get_logbook(notification_uuid)
        flow = taskflow_models.FlowDetail(action, str(uuid.uuid4()))
        for name, state, meta in atoms:
            atom = taskflow_models.TaskDetail(name, str(uuid.uuid4()))
            atom.state = state
            atom.meta = meta
            flow.add(atom)
        book.add(flow)
        connection.save_logbook(book)


@pytest.fixture
def api(tmp_path):
    with nova.running(hosts=['wf1', 'wf2']) as sim, server_support.sqlite_server(
            tmp_path, nova.masakari_options(sim) + RH_FLOW, workers=2) as server:
        yield Client(server.url), server_support.sqlite_url(tmp_path)


def notify(c, segment_method: str, host: str, type_: str, payload: dict) -> str:
    segment = c('POST', '/v1/segments', json={'segment': {
        'name': f'wf-{host}', 'recovery_method': segment_method,
        'service_type': 'COMPUTE'}}).json()['segment']
    r = c('POST', f"/v1/segments/{segment['uuid']}/hosts", json={'host': {
        'name': host, 'type': 'COMPUTE', 'control_attributes': 'SSH'}})
    assert r.status_code == 201, r.text
    r = c('POST', '/v1/notifications', json={'notification': {
        'type': type_, 'hostname': host, 'generated_time': '2026-11-25T06:00:00',
        'payload': payload}})
    assert r.status_code == 202, r.text
    return r.json()['notification']['notification_uuid']


def test_recorded_details_without_engine(api):
    c, database_url = api
    vm = notify(c, 'auto', 'wf1', 'VM', {
        'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
        'instance_uuid': str(uuid.uuid4())})
    # Nothing recorded yet.
    r = c('GET', f'/v1/notifications/{vm}', headers=V11)
    assert r.json()['notification']['recovery_workflow_details'] == []

    stop, start, confirm = (line('Stopping instance', 0.0), line('Starting', 1.0),
                            line('Confirmed', 1.0))
    # Stored out of flow order, with a retry atom and a silent task.
    record_flow(database_url, vm, 'instance:recovery', [
        ('ConfirmInstanceActiveTask', 'SUCCESS', meta(1.0, [confirm])),
        ('instance_recovery_retry', 'SUCCESS', meta(1.0, [stop])),
        ('StartInstanceTask', 'SUCCESS', meta(1.0, [])),
        ('StopInstanceTask', 'SUCCESS', meta(1.0, [stop])),
    ])
    r = c('GET', f'/v1/notifications/{vm}', headers=V11)
    assert r.status_code == 200
    assert r.json()['notification']['recovery_workflow_details'] == [
        {'name': 'StopInstanceTask', 'progress': 1.0,
         'progress_details': [shown(stop)], 'state': 'SUCCESS'},
        {'name': 'ConfirmInstanceActiveTask', 'progress': 1.0,
         'progress_details': [shown(confirm)], 'state': 'SUCCESS'},
    ]
    # A second run (a periodic retry) follows the first.
    record_flow(database_url, vm, 'instance:recovery', [
        ('StartInstanceTask', 'FAILURE', meta(0.5, [start]))])
    details = c('GET', f'/v1/notifications/{vm}', headers=V11).json()[
        'notification']['recovery_workflow_details']
    assert [(d['name'], d['state']) for d in details] == [
        ('StopInstanceTask', 'SUCCESS'), ('ConfirmInstanceActiveTask', 'SUCCESS'),
        ('StartInstanceTask', 'FAILURE')]


def test_host_flow_follows_the_recovery_method_and_configuration(api):
    c, database_url = api
    host = notify(c, 'reserved_host', 'wf2', 'COMPUTE_HOST', {
        'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'})
    done = meta(1.0, [line('done', 1.0)])
    record_flow(database_url, host, 'instance:evacuate', [
        ('EvacuateInstancesTask', 'SUCCESS', done),
        ('PrepareHAEnabledInstancesTask', 'SUCCESS', done),
        ('DisableComputeServiceTask', 'SUCCESS', done)])
    details = c('GET', f'/v1/notifications/{host}', headers=V11).json()[
        'notification']['recovery_workflow_details']
    assert [d['name'] for d in details] == [
        'DisableComputeServiceTask', 'EvacuateInstancesTask']
