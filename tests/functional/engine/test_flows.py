"""Recovery flows of the taskflow driver against the Nova stand-in, one case
per scenario of tests/support/scenarios.py, on a fake clock: each case
checks the exception the driver raises and what the flow left behind."""
import logging
import threading
import types
import uuid
from collections.abc import Callable

import pytest

from masakari import exception
from masakari.db import api as db
from masakari.engine import progress
from masakari.engine.drivers.taskflow import TaskFlowDriver
from masakari.engine.drivers.taskflow import host_failure
from tests.support import recovery
from tests.support.recovery import Bench
from tests.support.scenarios import HOST_CASES
from tests.support.scenarios import HOST_FAILURE_ERROR
from tests.support.scenarios import IDS
from tests.support.scenarios import INSTANCE_CASES
from tests.support.scenarios import PROCESS_CASES
from tests.support.scenarios import assert_rows
from tests.support.scenarios import check_host_recovery
from tests.support.scenarios import check_instance_recovery
from tests.support.scenarios import check_process_recovery
from tests.support.scenarios import raised
from tests.support.scenarios import text


def start_host_recovery(bench: Bench, method: str, notification: str) -> Callable[[], None]:
    """What the manager does on a COMPUTE_HOST STOPPED notification for h1;
    returns the driver call."""
    reserved_hosts = bench.fail_host('h1')
    return lambda: bench.driver.execute_host_failure(
        bench.context, 'h1', method, notification, update_host_method=bench.update_host,
        reserved_host_list=None if method == 'auto' else reserved_hosts)


@pytest.mark.parametrize('case', HOST_CASES, ids=lambda case: case.id)
def test_host_failure(tmp_path, caplog, case):
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path, case.method, reserved=case.reserved,
                        config=case.config) as bench:
        for name, fields in case.servers.items():
            bench.add_server(name, **fields)
        if case.setup:
            case.setup(bench)
        notification = str(uuid.uuid4())
        error = raised(start_host_recovery(bench, case.method, notification))

        if case.raises:
            assert type(error) is case.raises[0], error
            assert str(error) == text(case.raises[1], notification)
        else:
            assert error is None, error
        check_host_recovery(bench, case, notification, caplog.messages)


@pytest.mark.parametrize('reason, body', [
    (None, {'status': 'disabled', 'disabled_reason': 'Masakari detected host failed.'}),
    ('', {'status': 'disabled'}),
])
def test_host_disable_reason(tmp_path, reason, body):
    config = {} if reason is None else {'host_failure.service_disable_reason': reason}
    with recovery.bench(tmp_path, config=config) as bench:
        bench.add_server('i1')
        start_host_recovery(bench, 'auto', str(uuid.uuid4()))()
        assert [call['body'] for call in bench.sim.calls.since(0)
                if call['method'] == 'PUT'] == [body]


def test_failed_vmove_fails_later_runs(tmp_path):
    """At the driver level: a retry moves i1, yet the failed vmove of the
    first run fails the notification again, as upstream's does; kept on
    purpose."""
    with recovery.bench(tmp_path) as bench:
        bench.add_server('i1', evacuation='error')
        notification = str(uuid.uuid4())
        run = start_host_recovery(bench, 'auto', notification)
        assert type(raised(run)) is exception.HostRecoveryFailureException
        bench.sim.cloud.set_server(IDS['i1'], evacuation='move')

        error = raised(run)
        assert str(error) == text(HOST_FAILURE_ERROR[1])
        assert [m.status for m in bench.vmoves(notification)['i1']] == ['failed', 'succeeded']
        assert_rows(bench.server('i1'), {'host': 'h2', 'vm_state': 'error'})
        runs = bench.flow_records(notification)
        assert len(runs) == 2
        assert runs[1]['EvacuateInstancesTask'] == 'REVERTED'


def test_resumed_run_moves_each_instance_once(tmp_path):
    """A run after an engine died mid-evacuation: i1's move had landed (its
    vmove still ongoing), i2's had been asked for and is under way, i3's
    vmove was written as ongoing but Nova never got the request. Each ends
    succeeded through its first vmove, and only i3 is evacuated."""
    with recovery.bench(tmp_path) as bench:
        notification = str(uuid.uuid4())
        for name in ('i1', 'i2', 'i3'):
            bench.add_server(name)
            vmove = db.vmove_create(bench.context, {
                'notification_uuid': notification, 'instance_uuid': IDS[name],
                'instance_name': name, 'source_host': 'h1', 'status': 'ongoing'})
            bench.sim.cloud.lock_server(IDS[name], host_failure.evacuation_lock_reason(vmove))
        bench.sim.cloud.set_server(IDS['i1'], host='h2', node='h2')
        bench.sim.cloud.evacuate(IDS['i2'], force=True, host='h2')
        run = start_host_recovery(bench, 'auto', notification)
        assert raised(run) is None
        moves = bench.vmoves(notification)
        assert {name: [m.status for m in rows] for name, rows in moves.items()} == {
            'i1': ['succeeded'], 'i2': ['succeeded'], 'i3': ['succeeded']}
        assert [bench.server(name).host for name in ('i1', 'i2', 'i3')] == ['h2'] * 3
        assert 'evacuate' not in bench.calls('i1') + bench.calls('i2')
        assert bench.calls('i3').count('evacuate') == 1
        # The dead engine had locked them; this run unlocks them.
        assert not any(bench.server(name).locked for name in ('i1', 'i2', 'i3'))


def test_reserved_host_busy(tmp_path):
    """While h1's instances move to rh1, the recovery of h3 finds
    rh1 locked and evacuates nothing."""
    with recovery.bench(tmp_path, 'reserved_host', hosts=('h1', 'h2', 'h3'), reserved=('rh1',),
                        failed=('h1', 'h3')) as bench:
        bench.add_server('i1')
        bench.add_server('i3', host='h3')
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        # Both notifications computed their reserved list before either ran.
        run_first = start_host_recovery(bench, 'reserved_host', first)
        reserved_hosts = bench.fail_host('h3')
        assert reserved_hosts == ['rh1']
        evacuating, go_on = threading.Event(), threading.Event()
        evacuate = bench.driver.novaclient.evacuate_instance

        def held_evacuate(context, server_id, target=None):
            evacuating.set()
            go_on.wait(30)
            return evacuate(context, server_id, target=target)

        bench.driver.novaclient.evacuate_instance = held_evacuate
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.update(first=raised(run_first)))
        thread.start()
        try:
            assert evacuating.wait(30)
            error = raised(lambda: bench.driver.execute_host_failure(
                bench.context, 'h3', 'reserved_host', second, bench.update_host, reserved_hosts))
        finally:
            go_on.set()
            thread.join(30)

        assert type(error) is exception.HostRecoveryFailureException
        assert str(error) == 'Lock is already acquired on rh1.'
        assert outcome == {'first': None}
        assert [m.status for m in bench.vmoves(second)['i3']] == ['pending']
        assert recovery.matches(bench.calls('i3'), '')
        assert_rows(bench.server('i1'), {'host': 'rh1'})


# -- instance failure ---------------------------------------------------------

@pytest.mark.parametrize('case', INSTANCE_CASES, ids=lambda case: case.id)
def test_instance_failure(tmp_path, case):
    with recovery.bench(tmp_path, failed=(), config=case.config) as bench:
        if case.server is not None:
            bench.add_server('i1', **case.server)
        if case.setup:
            case.setup(bench)
        notification = str(uuid.uuid4())
        error = raised(lambda: bench.driver.execute_instance_failure(
            bench.context, IDS['i1'], notification))

        if case.raises:
            assert type(error) is case.raises[0], error
            assert str(error) == text(case.raises[1], notification)
        else:
            assert error is None, error
        check_instance_recovery(bench, case, notification)


# -- process failure ----------------------------------------------------------

@pytest.mark.parametrize('case', PROCESS_CASES, ids=lambda case: case.id)
def test_process_failure(tmp_path, caplog, case):
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path, failed=()) as bench:
        if case.service:
            bench.sim.cloud.set_service('h1', **case.service)
        notification = str(uuid.uuid4())
        error = raised(lambda: bench.driver.execute_process_failure(
            bench.context, case.process, 'h1', notification))

        if case.raises:
            assert type(error) is case.raises[0], error
            assert str(error) == case.raises[1]
        else:
            assert error is None, error
        check_process_recovery(bench, case, notification, caplog.messages)


def test_process_disable_reason(tmp_path):
    with recovery.bench(tmp_path, failed=()) as bench:
        bench.driver.execute_process_failure(bench.context, 'nova-compute', 'h1',
                                             str(uuid.uuid4()))
        service = bench.sim.cloud.compute_service('h1')
        assert (service.disabled, service.disabled_reason) == (
            True, 'Masakari detected process failed.')


# -- the driver itself --------------------------------------------------------

def test_driver_needs_taskflow_connection():
    with pytest.raises(exception.InvalidConfiguration) as caught:
        TaskFlowDriver()
    assert str(caught.value) == '[taskflow] connection should be configured to use this driver.'


def test_progress_lines(tmp_path):
    with recovery.bench(tmp_path, failed=()) as bench:
        bench.add_server('i1')
        notification = str(uuid.uuid4())
        started = str(bench.clock.utcnow())
        bench.driver.execute_instance_failure(bench.context, IDS['i1'], notification)

        stop = bench.progress(notification, 'VM')[0]
        assert (stop['name'], stop['progress'], stop['state']) == (
            'StopInstanceTask', 1.0, 'SUCCESS')
        assert [{key: line[key] for key in ('progress', 'message')}
                for line in stop['progress_details']] == [
            {'progress': '0.0', 'message': text('Stopping instance: {i1}')},
            {'progress': '1.0', 'message': text("Stopped instance: '{i1}'")}]
        # Timestamps come from the engine's clock.
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
        notification = str(uuid.uuid4())
        bench.driver.execute_instance_failure(bench.context, IDS['i1'], notification)

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
     "Failed to execute host failure flow for notification '{notification}'."),
    ('instance_failure_recovery_tasks',
     lambda d, c, n: d.execute_instance_failure(c, IDS['i1'], n),
     "Failed to create instance failure flow for notification '{notification}'."),
    ('process_failure_recovery_tasks',
     lambda d, c, n: d.execute_process_failure(c, 'nova-compute', 'h1', n),
     "Failed to create process failure flow for notification '{notification}'."),
])
def test_flow_without_main_tasks(tmp_path, option, call, message):
    config = {f'taskflow_driver_recovery_flows.{option}': {'pre': [], 'post': []}}
    with recovery.bench(tmp_path, config=config) as bench:
        notification = str(uuid.uuid4())
        error = raised(lambda: call(bench.driver, bench.context, notification))
        assert type(error) is exception.MasakariException
        assert str(error) == text(message, notification)
        assert bench.calls() == []


def test_workflow_details(tmp_path):
    with recovery.bench(tmp_path, 'reserved_host', reserved=('rh1',)) as bench:
        bench.add_server('i1')
        notification = str(uuid.uuid4())
        start_host_recovery(bench, 'reserved_host', notification)()
        row = types.SimpleNamespace(
            notification_uuid=notification, type='COMPUTE_HOST',
            source_host_uuid=bench.host('h1').uuid, failover_segment_uuid=bench.segment_uuid)

        details = bench.driver.get_notification_recovery_workflow_details(bench.context, row)
        assert details == progress.workflow_details(bench.context, row)
        assert [(entry['name'], entry['state']) for entry in details] == [
            ('DisableComputeServiceTask', 'SUCCESS'),
            ('PrepareHAEnabledInstancesTask', 'SUCCESS'),
            ('EvacuateInstancesTask', 'SUCCESS')]
