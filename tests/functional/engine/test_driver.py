"""The taskflow driver over real parts: flows recorded in the taskflow
tables of a real database, read back as ``recovery_workflow_details``,
plug-in tasks loaded by name. What recoveries decide is covered by the
scenario folders of tests/scenarios/."""
import logging
import types

import pytest

from masakari import exception
from masakari.engine import progress
from masakari.engine.drivers.taskflow import TaskFlowDriver
from tests.support import recovery
from tests.support.recovery import IDS

VM_STOPPED = {'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED'}


def vm_notification(bench, name: str = 'i1') -> str:
    return bench.notify('VM', dict(VM_STOPPED, instance_uuid=IDS[name]))


def test_driver_needs_taskflow_connection():
    with pytest.raises(exception.InvalidConfiguration) as caught:
        TaskFlowDriver(env=None)
    assert str(caught.value) == '[taskflow] connection should be configured to use this driver.'


def test_progress_lines_are_recorded_with_the_engines_clock(tmp_path):
    with recovery.bench(tmp_path, failed=()) as bench:
        bench.add_server('i1')
        notification = vm_notification(bench)
        started = str(bench.clock.utcnow())
        bench.cast(bench.manager(), notification)

        stop = bench.progress(notification, 'VM')[0]
        assert (stop['name'], stop['progress'], stop['state']) == (
            'StopInstanceTask', 1.0, 'SUCCESS')
        assert [{key: line[key] for key in ('progress', 'message')}
                for line in stop['progress_details']] == [
            {'progress': '0.0', 'message': f"Stopping instance: {IDS['i1']}"},
            {'progress': '1.0', 'message': f"Stopped instance: '{IDS['i1']}'"}]
        assert started <= stop['progress_details'][0]['timestamp'] <= \
            str(bench.clock.utcnow())


def test_custom_flow(tmp_path, caplog):
    """Unknown task names are skipped with stevedore's warning; Noop runs
    under its class path and records no progress."""
    caplog.set_level(logging.INFO)
    flow = {'pre': ['no_op', 'no_such_task'], 'main': ['start_instance_task'], 'post': []}
    config = {'taskflow_driver_recovery_flows.instance_failure_recovery_tasks': flow}
    with recovery.bench(tmp_path, failed=(), config=config) as bench:
        bench.add_server('i1', vm_state='stopped')
        notification = vm_notification(bench)
        bench.cast(bench.manager(), notification)

        assert bench.notification(notification).status == 'finished'
        assert bench.flow_records(notification) == [{
            '_TaskFlow_INJECTOR': 'SUCCESS',
            'masakari.engine.drivers.taskflow.no_op.Noop': 'SUCCESS',
            'StartInstanceTask': 'SUCCESS'}]
        assert 'Custom task executed successfully..!!' in caplog.messages
        assert any('no_such_task' in message for message in caplog.messages)
        assert [entry['name'] for entry in bench.progress(notification, 'VM')] == [
            'StartInstanceTask']


@pytest.mark.parametrize('option, call, message', [
    ('host_auto_failure_recovery_tasks',
     lambda d, c, n: d.execute_host_failure(c, 'h1', 'auto', n, None),
     "Failed to execute host failure flow for notification '{}'."),
    ('instance_failure_recovery_tasks',
     lambda d, c, n: d.execute_instance_failure(c, IDS['i1'], n),
     "Failed to create instance failure flow for notification '{}'."),
    ('process_failure_recovery_tasks',
     lambda d, c, n: d.execute_process_failure(c, 'nova-compute', 'h1', n),
     "Failed to create process failure flow for notification '{}'."),
])
def test_flow_without_main_tasks(tmp_path, option, call, message):
    config = {f'taskflow_driver_recovery_flows.{option}': {'pre': [], 'post': []}}
    with recovery.bench(tmp_path, config=config) as bench:
        notification = vm_notification(bench)
        with pytest.raises(exception.MasakariException) as caught:
            call(TaskFlowDriver(bench.env), bench.context, notification)
        assert type(caught.value) is exception.MasakariException
        assert str(caught.value) == message.format(notification)
        assert bench.calls() == []


def test_workflow_details(tmp_path):
    with recovery.bench(tmp_path, 'reserved_host', reserved=('rh1',)) as bench:
        bench.add_server('i1')
        notification = bench.notify('COMPUTE_HOST', {
            'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'})
        bench.cast(bench.manager(), notification)
        assert bench.notification(notification).status == 'finished'
        row = types.SimpleNamespace(
            notification_uuid=notification, type='COMPUTE_HOST',
            source_host_uuid=bench.host('h1').uuid, failover_segment_uuid=bench.segment_uuid)

        details = TaskFlowDriver(bench.env).get_notification_recovery_workflow_details(
            bench.context, row)
        assert details == progress.workflow_details(bench.context, row)
        assert [(entry['name'], entry['state']) for entry in details] == [
            ('DisableComputeServiceTask', 'SUCCESS'),
            ('PrepareHAEnabledInstancesTask', 'SUCCESS'),
            ('EvacuateInstancesTask', 'SUCCESS')]
