"""The engine scenarios that run a recovery flow, as data shared by the
driver-level tests (tests/functional/engine/test_flows.py) and the
manager-level ones (test_scenarios.py); a case's id says what it covers.

A case gives the starting state, then what the recovery must do: the Nova
calls in order (tokens, see tests/support/recovery.py), the exception the
driver raises, the vmoves, hosts and servers afterwards, and key progress
lines as the engine reads them back. Texts may name servers as ``{i1}`` and
the notification as ``{notification}``.
"""
import dataclasses
from collections.abc import Callable
from typing import Any

from masakari import exception
from masakari.db import api as db
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


def state_case(name: str, vm_state: str, calls: str, after: str, **fields: Any) -> Case:
    """An auto recovery of i1 in ``vm_state`` (fields: task_state, ...)."""
    return Case(name, servers={'i1': {'vm_state': vm_state, **fields}},
                server_calls={'i1': calls}, vmoves={'i1': succeeded()},
                servers_after={'i1': {'host': 'h2', 'vm_state': after, 'locked': False}})


HOST_CASES = [
    Case('auto', servers={'i1': HA, 'i2': HA}, host_calls=DISABLE_H1,
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
    Case('no-servers', raises=SKIPPED, host_calls=DISABLE_H1,
         progress=["Skipped host 'h1' recovery as no instances needs to be evacuated"]),
    Case('only-non-ha', servers={'i1': NON_HA, 'i2': NON_HA},
         config={'host_failure.evacuate_all_instances': False}, raises=SKIPPED,
         host_calls=DISABLE_H1, server_calls={'i1': '', 'i2': ''}),
    Case('ha-only', servers={'i1': HA, 'i2': NON_HA},
         config={'host_failure.evacuate_all_instances': False}, host_calls=DISABLE_H1,
         server_calls={'i1': MOVED, 'i2': ''}, vmoves={'i1': succeeded()},
         servers_after={'i2': {'host': 'h1'}}),
    Case('metadata-key', config={'host_failure.evacuate_all_instances': False,
                                    'host_failure.ha_enabled_instance_metadata_key':
                                        'Ensure-My-HA'},
         servers={'i1': HA, 'i2': {'metadata': {'Ensure-My-HA': 'True'}}},
         server_calls={'i1': '', 'i2': MOVED}, vmoves={'i2': succeeded()}),
    Case('non-ha-first', servers={'i1': HA, 'i2': NON_HA},
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
    Case('ignore-error', config={'host_failure.ignore_instances_in_error_state': True},
         servers={'i1': {'vm_state': 'error'}, 'i2': HA},
         server_calls={'i1': '', 'i2': MOVED}, vmoves={'i2': succeeded()},
         servers_after={'i1': {'host': 'h1', 'vm_state': 'error'}},
         progress=["Ignoring recovery of HA_Enabled instance '{i1}' as it is in 'error' "
                   "state."]),
    Case('only-ignored', config={'host_failure.ignore_instances_in_error_state': True,
                                    'host_failure.evacuate_all_instances': False},
         servers={'i1': {'vm_state': 'error'}}, raises=SKIPPED, host_calls=DISABLE_H1,
         server_calls={'i1': ''}),
    state_case('error-instance', 'error',
               'get get lock evacuate get+ stop get+ reset:error get unlock', 'error'),
    state_case('stopped-instance', 'stopped', MOVED, 'stopped'),
    state_case('active-rebooting', 'active',
               'get get lock reset:error get evacuate get get+ unlock', 'active',
               task_state='rebooting'),
    state_case('stopped-powering-on', 'stopped',
               'get get lock reset:error get evacuate get+ stop get+ unlock', 'stopped',
               task_state='powering-on'),
    *[state_case(f'{vm_state}-instance', vm_state,
                 'get get lock reset:error get evacuate get+ stop get+ unlock', 'stopped')
      for vm_state in ('paused', 'suspended', 'shelved', 'rescued')],
    state_case('resized-running', 'resized',
               'get get lock reset:error get evacuate get get+ unlock', 'active', power_state=1),
    state_case('resized-shut-down', 'resized',
               'get get lock reset:error get evacuate get+ stop get+ unlock', 'stopped',
               power_state=4),
    Case('already-locked', servers={'i1': {'locked': True}},
         server_calls={'i1': 'get get evacuate get get+'}, vmoves={'i1': succeeded()},
         servers_after={'i1': {'host': 'h2', 'locked': True}}),
    Case('evacuation-error', servers={'i1': {'evacuation': 'error'}},
         raises=HOST_FAILURE_ERROR,
         # The second poll sees the error: no wait for the timeout.
         server_calls={'i1': 'get get lock evacuate get get unlock'},
         vmoves={'i1': [('failed', None, 'Failed to evacuate instance {i1}')]},
         servers_after={'i1': {'host': 'h1', 'vm_state': 'error', 'locked': False}},
         progress=["Failed to evacuate instances '{i1}' from host 'h1'"]),
    Case('evacuation-timeout', servers={'i1': {'evacuation': 'stuck'}},
         raises=HOST_FAILURE_ERROR,
         # Polls at 0..6 s of wait_period_after_evacuation (5 s).
         server_calls={'i1': 'get get lock evacuate get get get get get get get unlock'},
         vmoves={'i1': [('failed', None, 'Failed reason: timeout.')]},
         logs=["Timeout for instance '{i1}' evacuation."]),
    Case('evacuate-refused', servers={'i1': HA},
         setup=evacuate_fault(400, 'No valid host'), raises=HOST_FAILURE_ERROR,
         server_calls={'i1': 'get get lock evacuate=400 unlock'},
         vmoves={'i1': [('failed', None, 'Invalid input received: No valid host')]}),
    Case('no-reserved-host', method='reserved_host', servers={'i1': HA}, raises=NO_RESERVED,
         host_calls='', server_calls={'i1': ''}, hosts_after={'h1': {'on_maintenance': True}}),
    Case('reserved-host', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')},
         hosts_after={'rh1': {'reserved': False}, 'h1': {'on_maintenance': True}},
         progress=["Enabling reserved host: 'rh1'"]),
    Case('aggregates', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         config={'host_failure.add_reserved_host_to_aggregate': True},
         setup=aggregates(('A', ['h1']), ('B', ['h1', 'h2']), ('C', ['h2'])),
         host_calls=f'{DISABLE_H1} aggregates add_host:A add_host:B services:rh1 enable:rh1',
         vmoves={'i1': succeeded('rh1')}, hosts_after={'rh1': {'reserved': False}},
         progress=['Add host rh1 to aggregate A', 'Added host rh1 to aggregate A',
                   'Add host rh1 to aggregate B', 'Added host rh1 to aggregate B']),
    Case('aggregate-member', method='reserved_host', reserved=('rh1',), servers={'i1': HA},
         config={'host_failure.add_reserved_host_to_aggregate': True},
         setup=aggregates(('A', ['h1', 'rh1']), ('B', ['h1'])),
         host_calls=f'{DISABLE_H1} aggregates add_host:A=409 add_host:B services:rh1 enable:rh1',
         vmoves={'i1': succeeded('rh1')}, hosts_after={'rh1': {'reserved': False}},
         progress=["Host 'rh1' already has been added to aggregate 'A'.",
                   'Added host rh1 to aggregate B'],
         logs=["Host 'rh1' already has been added to aggregate 'A'."]),
    Case('next-reserved-host', method='reserved_host', reserved=('rh1', 'rh2'),
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
    Case('failed-host-was-reserved', method='reserved_host', reserved=('rh1',),
         servers={'i1': HA}, setup=set_host('h1', reserved=True),
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')},
         hosts_after={'h1': {'reserved': False, 'on_maintenance': True},
                      'rh1': {'reserved': False}}),
    Case('reserved-host-on-maintenance', method='reserved_host', reserved=('rh1', 'rh2'),
         servers={'i1': HA}, setup=set_host('rh1', on_maintenance=True),
         host_calls=f'{DISABLE_H1} services:rh2 enable:rh2',
         vmoves={'i1': succeeded('rh2')},
         hosts_after={'rh1': {'reserved': True}, 'rh2': {'reserved': False}}),
    Case('auto-priority', method='auto_priority', reserved=('rh1',), servers={'i1': HA},
         host_calls=DISABLE_H1, server_calls={'i1': MOVED}, vmoves={'i1': succeeded()},
         hosts_after={'rh1': {'reserved': True}}, flow_runs=1),
    Case('auto-priority-nothing-to-do', method='auto_priority', reserved=('rh1',),
         raises=SKIPPED, host_calls=DISABLE_H1, hosts_after={'rh1': {'reserved': True}},
         flow_runs=1),
    Case('auto-priority-fallback', method='auto_priority', reserved=('rh1',),
         servers={'i1': HA}, setup=fault(method='GET', path='/servers/detail', status=500),
         host_calls=f'services:h1 disable:h1 servers:h1=500 {DISABLE_H1} services:rh1 '
                    'enable:rh1',
         server_calls={'i1': 'get get lock evacuate:rh1 get get+ unlock'},
         vmoves={'i1': succeeded('rh1')}, hosts_after={'rh1': {'reserved': False}},
         logs=[AUTO_TO_RH], flow_runs=2),
    Case('auto-priority-no-reserved-host', method='auto_priority',
         servers={'i1': {'evacuation': 'error'}}, raises=NO_RESERVED, host_calls=DISABLE_H1,
         vmoves={'i1': [('failed', None, 'Failed to evacuate instance {i1}')]},
         logs=[AUTO_TO_RH], flow_runs=1),
    Case('rh-priority-no-reserved-host', method='rh_priority', servers={'i1': HA},
         host_calls=DISABLE_H1, server_calls={'i1': MOVED}, vmoves={'i1': succeeded()},
         logs=[RH_TO_AUTO], flow_runs=1),
    Case('rh-priority', method='rh_priority', reserved=('rh1',), servers={'i1': HA},
         host_calls=f'{DISABLE_H1} services:rh1 enable:rh1', vmoves={'i1': succeeded('rh1')},
         hosts_after={'rh1': {'reserved': False}}, flow_runs=1),
    Case('no-compute-service', setup=no_compute_service, raises=FLOW_ERROR,
         host_calls='services:h1'),
    Case('no-compute-service-auto-priority', method='auto_priority', reserved=('rh1',),
         setup=no_compute_service, raises=FLOW_ERROR, host_calls='services:h1 services:h1',
         logs=[AUTO_TO_RH]),
    Case('no-compute-service-rh-priority', method='rh_priority', reserved=('rh1',),
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



def raised(call: Callable[[], None]) -> Exception | None:
    try:
        call()
    except Exception as error:
        return error
    return None


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
    # The notification's event and vir_domain_event (manager-level tests).
    event: tuple[str, str] = ('LIFECYCLE', 'STOPPED_FAILED')


def stop_conflict(perform: bool) -> Callable[[Bench], None]:
    def setup(bench: Bench) -> None:
        bench.sim.cloud.timings = Timings(stop=0)
        bench.sim.add_fault(method='POST', path='/servers/*/action', action='os-stop',
                            status=409, perform=perform)
    return setup


INSTANCE_CASES = [
    InstanceCase('restart', calls='get stop get get+ start get+', vm_state='active',
                 progress=['Stopping instance: {i1}', "Stopped instance: '{i1}'",
                           "Starting instance: '{i1}'", "Instance started: '{i1}'",
                           "Confirming instance '{i1}' vm_state is ACTIVE",
                           "Confirmed instance '{i1}' vm_state is ACTIVE"],
                 states=RECOVERED),
    InstanceCase('process-all-instances', server={'ha': False},
                 config={'instance_failure.process_all_instances': True},
                 calls='get stop get get+ start get+', vm_state='active', states=RECOVERED),
    InstanceCase('not-ha', server={'ha': False}, calls='get',
                 raises=(exception.SkipInstanceRecoveryException,
                         'Skipping recovery for instance: {i1} as it is not Ha_Enabled')),
    *[InstanceCase(f'{vm_state}-ignored', server={'vm_state': vm_state}, calls='get',
                   vm_state=vm_state, event=('IO_ERROR', 'IO_ERROR_REPORT'),
                   raises=(exception.IgnoreInstanceRecoveryException,
                           f"Recovery of instance '{{i1}}' is ignored as it is in '{vm_state}' "
                           'state.')) for vm_state in ('paused', 'rescued')],
    InstanceCase('resized', server={'vm_state': 'resized'},
                 event=('QEMU_GUEST_AGENT_ERROR', 'STOPPED_FAILED'),
                 calls='get reset:active stop get+ get start get+', vm_state='active',
                 states=RECOVERED),
    InstanceCase('already-stopped', server={'vm_state': 'stopped'},
                 calls='get get get start get+', vm_state='active', states=RECOVERED),
    InstanceCase('stop-conflict-stopped', setup=stop_conflict(perform=True),
                 calls='get stop=409 get get get start get+', vm_state='active',
                 progress=['Stopping instance: {i1}', 'Conflict when stopping instance: {i1}',
                           "Stopped instance: '{i1}'"]),
    InstanceCase('stop-conflict', server={'vm_state': 'error'},
                 setup=stop_conflict(perform=False), calls='get stop=409 get',
                 raises=INSTANCE_FAILURE_ERROR, vm_state='error'),
    InstanceCase('never-active', server={'vm_state': 'stopped', 'power_ops': 'stuck'},
                 calls='get get get start get get get get get get get',
                 raises=(exception.InstanceRecoveryFailureException,
                         'Failed to start instance {i1}'),
                 progress=['Failed to start instance {i1}'],
                 states=[('StopInstanceTask', 'REVERTED'), ('StartInstanceTask', 'REVERTED'),
                         ('ConfirmInstanceActiveTask', 'REVERTED')]),
    InstanceCase('never-stopped', server={'power_ops': 'stuck'},
                 calls='get stop get get get get get get get',
                 raises=(exception.InstanceRecoveryFailureException,
                         'Failed to stop instance {i1}'),
                 progress=['Failed to stop instance {i1}']),
    InstanceCase('unknown-instance', server=None, calls='get=404',
                 raises=INSTANCE_FAILURE_ERROR),
]


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
    ProcessCase('disable', calls='services:h1 services:h1 disable:h1 services:h1',
                progress=["Disabling compute service on host: 'h1'",
                          "Disabled compute service on host: 'h1'",
                          "Confirming compute service is disabled on host: 'h1'",
                          "Confirmed compute service is disabled on host: 'h1'"]),
    ProcessCase('already-disabled', service={'disabled': True},
                calls='services:h1 services:h1',
                progress=['Skipping recovery for process nova-compute as it is already disabled',
                          "Confirmed compute service is disabled on host: 'h1'"],
                logs=['Skipping recovery for process nova-compute as it is already disabled']),
    ProcessCase('other-process', process='libvirtd',
                raises=(exception.SkipProcessRecoveryException,
                        'Skipping execution of process recovery workflow.'),
                logs=['Skipping recovery for process: libvirtd.']),
    ProcessCase('never-disabled', service={'frozen': True},
                # Polls at 0..3 s of wait_period_after_service_update (2 s).
                calls='services:h1 services:h1 disable:h1 services:h1 services:h1 services:h1 '
                      'services:h1',
                raises=(exception.ProcessRecoveryFailureException,
                        'Failed to disable service nova-compute'),
                progress=['Failed to disable service nova-compute']),
]




# -- what a recovery left behind --------------------------------------------------

def check_host_recovery(bench: Bench, case: Case, notification: str,
                        log_messages: list[str]) -> None:
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
        assert text(line) in log_messages
    if case.flow_runs is not None:
        assert len(bench.flow_records(notification)) == case.flow_runs


def check_instance_recovery(bench: Bench, case: InstanceCase, notification: str) -> None:
    assert recovery.matches(bench.calls('i1'), case.calls), bench.calls('i1')
    if case.vm_state:
        assert bench.server('i1').vm_state == case.vm_state
    assert_progress(bench.messages(notification, 'VM'), case.progress, notification)
    if case.states is not None:
        assert [(entry['name'], entry['state'])
                for entry in bench.progress(notification, 'VM')] == case.states


def check_process_recovery(bench: Bench, case: ProcessCase, notification: str,
                           log_messages: list[str]) -> None:
    assert recovery.matches(bench.calls(), case.calls), bench.calls()
    assert_progress(bench.messages(notification, 'PROCESS'), case.progress, notification)
    for line in case.logs:
        assert line in log_messages
