"""Nova refusing or failing a call during a host recovery, on the Nova
stand-in: the vmoves and the engine's log carry Nova's own error text, and
an instance whose Nova calls fail ends failed (never left pending) with the
notification in error saying which instances were not evacuated."""
import logging

import pytest

from tests.support import recovery
from tests.support.recovery import IDS

HOST_STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'ONLINE'}
# Short enough for a delayed answer to cost little real time.
REQUEST_TIMEOUT = 1


def recover_host(bench: recovery.Bench) -> str:
    """A host failure of h1 processed by the engine manager; its uuid."""
    notification = bench.notify('COMPUTE_HOST', HOST_STOPPED)
    bench.cast(bench.manager(), notification)
    return notification


def vmove(bench: recovery.Bench, notification: str, name: str):
    [row] = bench.vmoves(notification)[name]
    return row


@pytest.mark.parametrize('status, nova_text, vmove_message', [
    (409, "Cannot 'evacuate' instance {i1} while it is in task_state rebuilding",
     "Cannot 'evacuate' instance {i1} while it is in task_state rebuilding"),
    (404, 'Compute host h2 could not be found.', 'Compute host h2 could not be found.'),
    (400, 'Compute service of h1 is still in use.',
     'Invalid input received: Compute service of h1 is still in use.'),
], ids=['conflict', 'not-found', 'bad-request'])
def test_refused_evacuation_keeps_nova_text(tmp_path, caplog, status, nova_text,
                                            vmove_message):
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path) as bench:
        bench.add_server('i1')
        bench.sim.add_fault(method='POST', path='/servers/*/action', action='evacuate',
                            status=status, message=nova_text.format(**IDS))
        notification = recover_host(bench)

        row = vmove(bench, notification, 'i1')
        assert (row.status, row.message) == ('failed', vmove_message.format(**IDS))
        assert nova_text.format(**IDS) in '\n'.join(caplog.messages)
        assert bench.notification(notification).status == 'error'
        assert not bench.server('i1').locked


def test_timed_out_evacuation_says_so(tmp_path):
    with recovery.bench(tmp_path, config={'DEFAULT.timeout': REQUEST_TIMEOUT}) as bench:
        bench.add_server('i1')
        bench.sim.add_fault(method='POST', path='/servers/*/action', action='evacuate',
                            status=None, sleep=REQUEST_TIMEOUT + 1)
        notification = recover_host(bench)

        row = vmove(bench, notification, 'i1')
        assert row.status == 'failed'
        assert 'timed out' in row.message, row.message
        assert f"/servers/{IDS['i1']}/action" in row.message


# The first Nova call about i1 (GET /servers/<id>) fails; i2 is recovered.
FIRST_CALL_FAILS = {
    'server-error': ({'status': 500}, 'Unexpected API Error.'),
    # Always: keystoneauth authenticates again and retries once on a 401.
    'unauthorized': ({'status': 401, 'times': None},
                     'The request you have made requires authentication.'),
    'timeout': ({'status': None, 'sleep': REQUEST_TIMEOUT + 1}, 'timed out'),
}


@pytest.mark.parametrize('case', FIRST_CALL_FAILS, ids=str)
def test_instance_whose_first_call_fails_ends_failed(tmp_path, caplog, case):
    fault, nova_text = FIRST_CALL_FAILS[case]
    with recovery.bench(tmp_path, config={'DEFAULT.timeout': REQUEST_TIMEOUT}) as bench:
        bench.add_server('i1')
        bench.add_server('i2')
        # The first call about i1: its lock (its state comes from the host's list).
        bench.sim.add_fault(method='POST', path=f"/servers/{IDS['i1']}/action", action='lock',
                            **fault)
        notification = recover_host(bench)

        moves = {name: (rows[0].status, rows[0].message)
                 for name, rows in bench.vmoves(notification).items()}
        assert moves['i2'] == ('succeeded', None)
        assert moves['i1'][0] == 'failed'
        assert nova_text in moves['i1'][1]
        assert nova_text in '\n'.join(caplog.messages)
        assert bench.notification(notification).status == 'error'
        messages = bench.messages(notification)
        assert f"Successfully evacuate instances '{IDS['i2']}' from host 'h1'" in messages
        assert messages[-1] == f"Failed to evacuate instances '{IDS['i1']}' from host 'h1'"
        assert 'Evacuation process completed!' not in messages
        assert bench.server('i1').host == 'h1'
        assert not bench.server('i1').locked


# A task of each flow that Nova refuses: the engine's log says why.
REFUSED_TASKS = {
    'host': ('PUT', '/os-services/*', 403,
             'Policy doesn\'t allow os_compute_api:os-services:update to be performed.'),
    'instance': ('POST', '/servers/*/action', 409,
                 "Cannot 'stop' instance {i1} while it is in task_state powering-off"),
    'process': ('PUT', '/os-services/*', 500, 'Unexpected API Error.'),
}


@pytest.mark.parametrize('kind', REFUSED_TASKS)
def test_refused_task_is_logged_with_nova_text(tmp_path, caplog, kind):
    method, path, status, nova_text = REFUSED_TASKS[kind]
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path, failed=('h1',) if kind == 'host' else ()) as bench:
        bench.add_server('i1')
        bench.sim.add_fault(method=method, path=path, status=status,
                            message=nova_text.format(**IDS), times=None)
        if kind == 'host':
            notification = recover_host(bench)
        elif kind == 'instance':
            notification = bench.notify('VM', {'event': 'LIFECYCLE', 'instance_uuid': IDS['i1'],
                                               'vir_domain_event': 'STOPPED_FAILED'})
        else:
            notification = bench.notify('PROCESS', {'event': 'STOPPED',
                                                    'process_name': 'nova-compute'})
        if kind != 'host':
            bench.cast(bench.manager(), notification)

        assert bench.notification(notification).status == 'error'
        assert nova_text.format(**IDS) in caplog.text
        # Nova's errors are the cloud's doing, not a bug: one line each.
        assert 'Traceback' not in caplog.text


def test_skipped_recovery_logs_no_failed_task(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path) as bench:
        notification = recover_host(bench)

        assert bench.notification(notification).status == 'finished'
        assert any(m.startswith("Skipped host 'h1' recovery") for m in bench.messages(notification))
        assert not [m for m in caplog.messages if m.startswith('Task ')]
