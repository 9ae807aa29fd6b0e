"""Recovery flows of the taskflow driver against the Nova stand-in, one case
per scenario of engine.md §16 (the numbers in the ids), on a fake clock.

A case gives the starting state, then what the driver must do: the Nova
calls in order (tokens, see tests/support/recovery.py), the exception it
raises, the vmoves, hosts and servers afterwards, and key progress lines as
the engine reads them back. Texts may name servers as ``{i1}`` and the
notification as ``{notification}``.
"""
import dataclasses
import logging
import threading
import types
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from masakari import exception
from masakari.db import api as db
from masakari.engine import progress
from masakari.engine.drivers.taskflow import TaskFlowDriver
from novasim.state import Timings
from tests.support import recovery
from tests.support.recovery import Bench

IDS = {name: recovery.server_id(name) for name in ('i1', 'i2', 'i3')}
HA, NON_HA = {}, {'ha': False}
MOVED = 'get get lock evacuate get get+ unlock'
DISABLE_H1 = 'services:h1 disable:h1 servers:h1'


def text(template: str, notification: str = '') -> str:
    return template.format(notification=notification, **IDS)


@dataclasses.dataclass
class Case:
    id: str
    method: str = 'auto'
    servers: dict[str, dict] = dataclasses.field(default_factory=dict)
    reserved: tuple[str, ...] = ()
    config: dict[str, Any] = dataclasses.field(default_factory=dict)
    setup: Callable[[Bench], Any] | None = None
    raises: tuple[type, str] | None = None
    host_calls: str | None = None  # None: not checked
    server_calls: dict[str, str] = dataclasses.field(default_factory=dict)
    # name -> [(status, dest_host, message)], oldest first
    vmoves: dict[str, list[tuple]] = dataclasses.field(default_factory=dict)
    servers_after: dict[str, dict] = dataclasses.field(default_factory=dict)
    hosts_after: dict[str, dict] = dataclasses.field(default_factory=dict)
    progress: list[str] = dataclasses.field(default_factory=list)
    logs: list[str] = dataclasses.field(default_factory=list)
    flow_runs: int | None = None


def fault(**fields: Any) -> Callable[[Bench], Any]:
    return lambda bench: bench.sim.add_fault(**fields)


def evacuate_fault(status: int, message: str) -> Callable[[Bench], Any]:
    return fault(method='POST', path='/servers/*/action', action='evacuate',
                 status=status, message=message)


def aggregates(*members: tuple[str, list[str]]) -> Callable[[Bench], None]:
    def add(bench: Bench) -> None:
        for name, hosts in members:
            bench.sim.cloud.add_aggregate(name, hosts)
    return add


def set_host(name: str, **values: Any) -> Callable[[Bench], None]:
    def update(bench: Bench) -> None:
        db.host_set_state(bench.context, bench.host(name).uuid, values)
    return update


def no_compute_service(bench: Bench) -> None:
    bench.sim.cloud.hosts['h1'].services.clear()


def evacuations_fail_on(host: str) -> Callable[[Bench], None]:
    def fail(bench: Bench) -> None:
        bench.sim.cloud.hosts[host].evacuations_fail = True
    return fail


def succeeded(dest: str = 'h2') -> list[tuple]:
    return [('succeeded', dest, None)]


HOST_FAILURE_ERROR = (exception.HostRecoveryFailureException,
                      "Failed to evacuate instances '{i1}' from host 'h1'")
NO_RESERVED = (exception.ReservedHostsUnavailable, 'No reserved_hosts available for evacuation.')
SKIPPED = (exception.SkipHostRecoveryException,
           "Skipped host 'h1' recovery as no instances needs to be evacuated")
FLOW_ERROR = (exception.MasakariException,
              "Failed to execute host failure flow for notification '{notification}'.")
AUTO_TO_RH = ("Failed to evacuate all instances from failed_host: 'h1' using 'auto' workflow, "
              "retrying using 'reserved_host' workflow.")
RH_TO_AUTO = ("Failed to evacuate all instances from failed_host 'h1' using 'reserved_host' "
              "workflow, retrying using 'auto' workflow")


def state_case(number: str, vm_state: str, calls: str, after: str, **fields: Any) -> Case:
    """An auto recovery of i1 in ``vm_state`` (fields: task_state, ...)."""
    return Case(f'{number}-{vm_state}', servers={'i1': {'vm_state': vm_state, **fields}},
                server_calls={'i1': calls}, vmoves={'i1': succeeded()},
                servers_after={'i1': {'host': 'h2', 'vm_state': after, 'locked': False}})


HOST_CASES = [
    Case('01-auto', servers={'i1': HA, 'i2': HA}, host_calls=DISABLE_H1,
         server_calls={'i1': MOVED, 'i2': MOVED},
         vmoves={'i1': succeeded(), 'i2': succeeded()},
         servers_after={'i1': {'host': 'h2', 'vm_state': 'active', 'locked': False}},
         progress=["Disabling compute service on host: 'h1'",
                   "Disabled compute service on host: 'h1'",
                   'Preparing instances for evacuation',
                   "Total instances running on failed host 'h1' is 2",
                   "Total HA Enabled instances count: '2'",
                   "Instances to be evacuated are: '{i2},{i1}'",
                   "Start evacuation of instances from failed host 'h1', instance uuids are: "
                   "'{i1},{i2}'",
                   "Successfully evacuate instances '{i2},{i1}' from host 'h1'",
                   'Evacuation process completed!'],
         logs=['Sleeping 2 sec before starting recovery thread until nova recognizes the '
               'node down.'],
         flow_runs=1),
    Case('07-no-servers', raises=SKIPPED, host_calls=DISABLE_H1,
         progress=["Skipped host 'h1' recovery as no instances needs to be evacuated"]),
    Case('08-only-non-ha', servers={'i1': NON_HA, 'i2': NON_HA},
         config={'host_failure.evacuate_all_instances': False}, raises=SKIPPED,
         host_calls=DISABLE_H1, server_calls={'i1': '', 'i2': ''}),
    Case('09-ha-only', servers={'i1': HA, 'i2': NON_HA},
         config={'host_failure.evacuate_all_instances': False}, host_calls=DISABLE_H1,
         server_calls={'i1': MOVED, 'i2': ''}, vmoves={'i1': succeeded()},
         servers_after={'i2': {'host': 'h1'}}),
    Case('10-metadata-key', config={'host_failure.evacuate_all_instances': False,
                                    'host_failure.ha_enabled_instance_metadata_key':
                                        'Ensure-My-HA'},
         servers={'i1': HA, 'i2': {'metadata': {'Ensure-My-HA': 'True'}}},
         server_calls={'i1': '', 'i2': MOVED}, vmoves={'i2': succeeded()}),
    Case('11-non-ha-first', servers={'i1': HA, 'i2': NON_HA},
         config={'host_failure_recovery_threads': 1},
         vmoves={'i1': succeeded(), 'i2': succeeded()},
         progress=["Total HA Enabled instances count: '1'",
                   "Total Non-HA Enabled instances count: '1'",
                   "All instances (HA Enabled/Non-HA Enabled) should be considered for "
                   "evacuation. Total count is: '2'",
                   "Instances to be evacuated are: '{i1},{i2}'",
                   "Start evacuation of instances from failed host 'h1', instance uuids are: "
                   "'{i2},{i1}'",
                   "Evacuation of instance started: '{i2}'",
                   "Evacuation of instance started: '{i1}'"]),
    Case('12-ignore-error', config={'host_failure.ignore_instances_in_error_state': True},
         servers={'i1': {'vm_state': 'error'}, 'i2': HA},
         server_calls={'i1': '', 'i2': MOVED}, vmoves={'i2': succeeded()},
         servers_after={'i1': {'host': 'h1', 'vm_state': 'error'}},
         progress=["Ignoring recovery of HA_Enabled instance '{i1}' as it is in 'error' "
                   "state."]),
    Case('13-only-ignored', config={'host_failure.ignore_instances_in_error_state': True,
                                    'host_failure.evacuate_all_instances': False},
         servers={'i1': {'vm_state': 'error'}}, raises=SKIPPED, host_calls=DISABLE_H1,
         server_calls={'i1': ''}),
    state_case('14', 'error', 'get get lock evacuate get+ stop get+ reset:error get unlock',
               'error'),
    state_case('15', 'stopped', MOVED, 'stopped'),
    state_case('16', 'active', 'get get lock reset:error get evacuate get get+ unlock', 'active',
               task_state='rebooting'),
    state_case('17', 'stopped', 'get get lock reset:error get evacuate get+ stop get+ unlock',
               'stopped', task_state='powering-on'),
    *[state_case('18', vm_state, 'get get lock reset:error get evacuate get+ stop get+ unlock',
                 'stopped') for vm_state in ('paused', 'suspended', 'shelved', 'rescued')],
    state_case('19', 'resized', 'get get lock reset:error get evacuate get get+ unlock',
               'active', power_state=1),
    state_case('20', 'resized', 'get get lock reset:error get evacuate get+ stop get+ unlock',
               'stopped', power_state=4),
    Case('21-already-locked', servers={'i1': {'locked': True}},
         server_calls={'i1': 'get get evacuate get get+'}, vmoves={'i1': succeeded()},
         servers_after={'i1': {'host': 'h2', 'locked': True}}),
    Case('22-evacuation-error', servers={'i1': {'evacuation': 'error'}},
         raises=HOST_FAILURE_ERROR,
         # The second poll sees the error: no wait for the timeout.
         server_calls={'i1': 'get get lock evacuate get get unlock'},
         vmoves={'i1': [('failed', None, 'Failed to evacuate instance {i1}')]},
         servers_after={'i1': {'host': 'h1', 'vm_state': 'error', 'locked': False}},
         progress=["Failed to evacuate instances '{i1}' from host 'h1'"]),
    Case('23-evacuation-timeout', servers={'i1': {'evacuation': 'stuck'}},
         raises=HOST_FAILURE_ERROR,
         # Polls at 0..6 s of wait_period_after_evacuation (5 s).
         server_calls={'i1': 'get get lock evacuate get get get get get get get unlock'},
         vmoves={'i1': [('failed', None, 'Failed reason: timeout.')]},
         logs=["Timeout for instance '{i1}' evacuation."]),
    Case('24-evacuate-refused', servers={'i1': HA},
         setup=evacuate_fault(400, 'No valid host'), raises=HOST_FAILURE_ERROR,
         server_calls={'i1': 'get get lock evacuate=400 unlock'},
         vmoves={'i1': [('failed', None, 'Invalid input received: No valid host')]}),
    Case('26-no-reserved-host', method='reserved_host', servers={'i1': HA}, raises=NO_RESERVED,
         host_calls='', server_calls={'i1': ''}, hosts_after={'h1': {'on_maintenance': True}}),
    Case('27-reserved-host', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')},
         hosts_after={'rh1': {'reserved': False}, 'h1': {'on_maintenance': True}},
         progress=["Enabling reserved host: 'rh1'"]),
    Case('28-aggregates', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         config={'host_failure.add_reserved_host_to_aggregate': True},
         setup=aggregates(('A', ['h1']), ('B', ['h1', 'h2']), ('C', ['h2'])),
         host_calls=f'{DISABLE_H1} aggregates add_host:A add_host:B services:rh1 enable:rh1',
         vmoves={'i1': succeeded('rh1')},
         progress=['Add host rh1 to aggregate A', 'Added host rh1 to aggregate A',
                   'Add host rh1 to aggregate B', 'Added host rh1 to aggregate B']),
    Case('29-aggregate-member', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         config={'host_failure.add_reserved_host_to_aggregate': True},
         setup=aggregates(('A', ['h1', 'rh1']), ('B', ['h1'])),
         host_calls=f'{DISABLE_H1} aggregates add_host:A=409 add_host:B services:rh1 enable:rh1',
         vmoves={'i1': succeeded('rh1')},
         progress=["Host 'rh1' already has been added to aggregate 'A'.",
                   'Added host rh1 to aggregate B'],
         logs=["Host 'rh1' already has been added to aggregate 'A'."]),
    Case('30-next-reserved-host', method='reserved_host', reserved=('rh1', 'rh2'),
         servers={'i1': HA}, setup=evacuations_fail_on('rh1'), raises=HOST_FAILURE_ERROR,
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1 servers:h1 services:rh2 enable:rh2',
         server_calls={'i1': 'get get lock evacuate:rh1 get get unlock '
                             'get get lock evacuate:rh2 get+ stop get+ reset:error get unlock'},
         vmoves={'i1': [('failed', None, 'Failed to evacuate instance {i1}'),
                        ('succeeded', 'rh2', None)]},
         servers_after={'i1': {'host': 'rh2', 'vm_state': 'error'}},
         hosts_after={'rh1': {'reserved': False}, 'rh2': {'reserved': False}},
         # Both attempts add to the lines of the same task.
         progress=["Enabling reserved host: 'rh1'",
                   "Failed to evacuate instances '{i1}' from host 'h1'",
                   "Enabling reserved host: 'rh2'",
                   "Successfully evacuate instances '{i1}' from host 'h1'",
                   "Failed to evacuate instances '{i1}' from host 'h1'"],
         flow_runs=1),
    Case('31-failed-host-was-reserved', method='reserved_host', reserved=('rh1',),
         servers={'i1': HA}, setup=set_host('h1', reserved=True),
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')},
         hosts_after={'h1': {'reserved': False, 'on_maintenance': True},
                      'rh1': {'reserved': False}}),
    Case('32-reserved-host-on-maintenance', method='reserved_host', reserved=('rh1', 'rh2'),
         servers={'i1': HA}, setup=set_host('rh1', on_maintenance=True),
         host_calls=f'{DISABLE_H1} services:rh2 enable:rh2',
         vmoves={'i1': succeeded('rh2')},
         hosts_after={'rh1': {'reserved': True}, 'rh2': {'reserved': False}}),
    Case('34-auto-priority', method='auto_priority', reserved=('rh1',), servers={'i1': HA},
         host_calls=DISABLE_H1, server_calls={'i1': MOVED}, vmoves={'i1': succeeded()},
         hosts_after={'rh1': {'reserved': True}}, flow_runs=1),
    Case('35-auto-priority-nothing-to-do', method='auto_priority', reserved=('rh1',),
         raises=SKIPPED, host_calls=DISABLE_H1, hosts_after={'rh1': {'reserved': True}},
         flow_runs=1),
    Case('36-auto-priority-fallback', method='auto_priority', reserved=('rh1',),
         servers={'i1': HA}, setup=fault(method='GET', path='/servers/detail', status=500),
         host_calls=f'services:h1 disable:h1 servers:h1=500 {DISABLE_H1} services:rh1 '
                    'enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')}, hosts_after={'rh1': {'reserved': False}},
         logs=[AUTO_TO_RH], flow_runs=2),
    Case('37-auto-priority-no-reserved-host', method='auto_priority',
         servers={'i1': {'evacuation': 'error'}}, raises=NO_RESERVED, host_calls=DISABLE_H1,
         vmoves={'i1': [('failed', None, 'Failed to evacuate instance {i1}')]},
         logs=[AUTO_TO_RH], flow_runs=1),
    Case('38-rh-priority-no-reserved-host', method='rh_priority', servers={'i1': HA},
         host_calls=DISABLE_H1, server_calls={'i1': MOVED}, vmoves={'i1': succeeded()},
         logs=[RH_TO_AUTO], flow_runs=1),
    Case('39-rh-priority', method='rh_priority', reserved=('rh1',), servers={'i1': HA},
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1', vmoves={'i1': succeeded('rh1')},
         hosts_after={'rh1': {'reserved': False}}, flow_runs=1),
    Case('40-no-compute-service', setup=no_compute_service, raises=FLOW_ERROR,
         host_calls='services:h1'),
    Case('40-no-compute-service-auto-priority', method='auto_priority', reserved=('rh1',),
         setup=no_compute_service, raises=FLOW_ERROR, host_calls='services:h1 services:h1',
         logs=[AUTO_TO_RH]),
    Case('40-no-compute-service-rh-priority', method='rh_priority', reserved=('rh1',),
         setup=no_compute_service, raises=FLOW_ERROR, host_calls='services:h1 services:h1',
         logs=[RH_TO_AUTO]),
]


def assert_progress(messages: list[str], expected: list[str], notification: str) -> None:
    """``expected`` lines appear in ``messages`` in that order."""
    remaining = iter(messages)
    for line in expected:
        assert any(message == text(line, notification) for message in remaining), (
            text(line, notification), messages)


def assert_rows(actual: Any, expected: dict) -> None:
    assert {key: getattr(actual, key) for key in expected} == expected


def start_host_recovery(bench: Bench, method: str, notification: str) -> Callable[[], None]:
    """What the manager does on a COMPUTE_HOST STOPPED notification for h1;
    returns the driver call."""
    reserved_hosts = bench.fail_host('h1')
    return lambda: bench.driver.execute_host_failure(
        bench.context, 'h1', method, notification, update_host_method=bench.update_host,
        reserved_host_list=None if method == 'auto' else reserved_hosts)


def raised(call: Callable[[], None]) -> Exception | None:
    try:
        call()
    except Exception as error:
        return error
    return None


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
        if case.host_calls is not None:
            assert recovery.matches(bench.calls(), case.host_calls), bench.calls()
        for name, pattern in case.server_calls.items():
            assert recovery.matches(bench.calls(name), pattern), (name, bench.calls(name))
        vmoves = bench.vmoves(notification)
        assert {name: [(m.status, m.dest_host, m.message and text(m.message)) for m in moves]
                for name, moves in vmoves.items()} == {
            name: [(status, dest, message and text(message)) for status, dest, message in moves]
            for name, moves in case.vmoves.items()}
        for move in (m for moves in vmoves.values() for m in moves):
            assert (move.start_time is not None) is (move.status != 'pending')
            assert (move.end_time is not None) is (move.status != 'pending')
        for name, expected in case.servers_after.items():
            assert_rows(bench.server(name), expected)
        for name, expected in case.hosts_after.items():
            assert_rows(bench.host(name), expected)
        assert_progress(bench.messages(notification, recovery_method=case.method),
                        case.progress, notification)
        for line in case.logs:
            assert text(line) in caplog.messages
        if case.flow_runs is not None:
            assert len(bench.flow_records(notification)) == case.flow_runs


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
    """Case 25 at the driver level: a retry moves i1, yet the failed vmove of
    the first run fails the notification again (upstream quirk)."""
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
        for name in ('i1', 'i2', 'i3'):
            bench.add_server(name, locked=True)
        bench.sim.cloud.set_server(IDS['i1'], host='h2', node='h2')
        bench.sim.cloud.evacuate(IDS['i2'], force=True, host='h2')
        notification = str(uuid.uuid4())
        for name in ('i1', 'i2', 'i3'):
            db.vmove_create(bench.context, {
                'notification_uuid': notification, 'instance_uuid': IDS[name],
                'instance_name': name, 'source_host': 'h1', 'status': 'ongoing'})
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
    """Case 33: while h1's instances move to rh1, the recovery of h3 finds
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

INSTANCE_FAILURE_ERROR = (exception.MasakariException,
                          "Failed to execute instance failure flow for notification "
                          "'{notification}'.")
RECOVERED = [('StopInstanceTask', 'SUCCESS'), ('StartInstanceTask', 'SUCCESS'),
             ('ConfirmInstanceActiveTask', 'SUCCESS')]


@dataclasses.dataclass
class InstanceCase:
    id: str
    server: dict | None = dataclasses.field(default_factory=dict)
    config: dict[str, Any] = dataclasses.field(default_factory=dict)
    setup: Callable[[Bench], Any] | None = None
    raises: tuple[type, str] | None = None
    calls: str = ''
    vm_state: str | None = None
    progress: list[str] = dataclasses.field(default_factory=list)
    states: list[tuple[str, str]] | None = None


def stop_conflict(perform: bool) -> Callable[[Bench], None]:
    def setup(bench: Bench) -> None:
        bench.sim.cloud.timings = Timings(stop=0)
        bench.sim.add_fault(method='POST', path='/servers/*/action', action='os-stop',
                            status=409, perform=perform)
    return setup


INSTANCE_CASES = [
    InstanceCase('46-restart', calls='get stop get get+ start get+', vm_state='active',
                 progress=['Stopping instance: {i1}', "Stopped instance: '{i1}'",
                           "Starting instance: '{i1}'", "Instance started: '{i1}'",
                           "Confirming instance '{i1}' vm_state is ACTIVE",
                           "Confirmed instance '{i1}' vm_state is ACTIVE"],
                 states=RECOVERED),
    InstanceCase('46-process-all-instances', server={'ha': False},
                 config={'instance_failure.process_all_instances': True},
                 calls='get stop get get+ start get+', vm_state='active', states=RECOVERED),
    InstanceCase('48-not-ha', server={'ha': False}, calls='get',
                 raises=(exception.SkipInstanceRecoveryException,
                         'Skipping recovery for instance: {i1} as it is not Ha_Enabled')),
    *[InstanceCase(f'49-{vm_state}', server={'vm_state': vm_state}, calls='get',
                   vm_state=vm_state,
                   raises=(exception.IgnoreInstanceRecoveryException,
                           f"Recovery of instance '{{i1}}' is ignored as it is in '{vm_state}' "
                           'state.')) for vm_state in ('paused', 'rescued')],
    InstanceCase('50-resized', server={'vm_state': 'resized'},
                 calls='get reset:active stop get+ get start get+', vm_state='active',
                 states=RECOVERED),
    InstanceCase('51-already-stopped', server={'vm_state': 'stopped'},
                 calls='get get get start get+', vm_state='active', states=RECOVERED),
    InstanceCase('52-stop-conflict-stopped', setup=stop_conflict(perform=True),
                 calls='get stop=409 get get get start get+', vm_state='active',
                 progress=['Stopping instance: {i1}', 'Conflict when stopping instance: {i1}',
                           "Stopped instance: '{i1}'"]),
    InstanceCase('53-stop-conflict', server={'vm_state': 'error'},
                 setup=stop_conflict(perform=False), calls='get stop=409 get',
                 raises=INSTANCE_FAILURE_ERROR, vm_state='error'),
    InstanceCase('54-never-active', server={'vm_state': 'stopped', 'power_ops': 'stuck'},
                 calls='get get get start get get get get get get get',
                 raises=(exception.InstanceRecoveryFailureException,
                         'Failed to start instance {i1}'),
                 progress=['Failed to start instance {i1}'],
                 states=[('StopInstanceTask', 'REVERTED'), ('StartInstanceTask', 'REVERTED'),
                         ('ConfirmInstanceActiveTask', 'REVERTED')]),
    InstanceCase('54-never-stopped', server={'power_ops': 'stuck'},
                 calls='get stop get get get get get get get',
                 raises=(exception.InstanceRecoveryFailureException,
                         'Failed to stop instance {i1}'),
                 progress=['Failed to stop instance {i1}']),
    InstanceCase('55-unknown-instance', server=None, calls='get=404',
                 raises=INSTANCE_FAILURE_ERROR),
]


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
        assert recovery.matches(bench.calls('i1'), case.calls), bench.calls('i1')
        if case.vm_state:
            assert bench.server('i1').vm_state == case.vm_state
        assert_progress(bench.messages(notification, 'VM'), case.progress, notification)
        if case.states is not None:
            assert [(entry['name'], entry['state'])
                    for entry in bench.progress(notification, 'VM')] == case.states


# -- process failure ----------------------------------------------------------

@dataclasses.dataclass
class ProcessCase:
    id: str
    process: str = 'nova-compute'
    service: dict[str, Any] = dataclasses.field(default_factory=dict)
    raises: tuple[type, str] | None = None
    calls: str = ''
    progress: list[str] = dataclasses.field(default_factory=list)
    logs: list[str] = dataclasses.field(default_factory=list)


PROCESS_CASES = [
    ProcessCase('41-disable', calls='services:h1 services:h1 disable:h1 services:h1',
                progress=["Disabling compute service on host: 'h1'",
                          "Disabled compute service on host: 'h1'",
                          "Confirming compute service is disabled on host: 'h1'",
                          "Confirmed compute service is disabled on host: 'h1'"]),
    ProcessCase('42-already-disabled', service={'disabled': True},
                calls='services:h1 services:h1',
                progress=['Skipping recovery for process nova-compute as it is already disabled',
                          "Confirmed compute service is disabled on host: 'h1'"],
                logs=['Skipping recovery for process nova-compute as it is already disabled']),
    ProcessCase('43-other-process', process='libvirtd',
                raises=(exception.SkipProcessRecoveryException,
                        'Skipping execution of process recovery workflow.'),
                logs=['Skipping recovery for process: libvirtd.']),
    ProcessCase('45-never-disabled', service={'frozen': True},
                # Polls at 0..3 s of wait_period_after_service_update (2 s).
                calls='services:h1 services:h1 disable:h1 services:h1 services:h1 services:h1 '
                      'services:h1',
                raises=(exception.ProcessRecoveryFailureException,
                        'Failed to disable service nova-compute'),
                progress=['Failed to disable service nova-compute']),
]


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
        assert recovery.matches(bench.calls(), case.calls), bench.calls()
        assert_progress(bench.messages(notification, 'PROCESS'), case.progress, notification)
        for line in case.logs:
            assert line in caplog.messages


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
