"""Resuming what an engine that died left running: only once its heartbeat
has stopped, and undoing the server locks it took, never an operator's."""
import subprocess
import time

import pytest

from masakari.db import api as db
from masakari.engine import locks
from masakari.engine.drivers.taskflow import host_failure
from tests.support import api_server
from tests.support import e2e
from tests.support import recovery
from tests.support.e2e import HA
from tests.support.recovery import IDS

OPERATOR_REASON = 'disk check by the operator'
STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'}


def run_host_recovery(bench, notification: str, vmoves: dict[str, str]) -> None:
    """Run h1's recovery, after a dead engine's run left ``vmoves``: the
    status of each server's vmove, by server name."""
    for name, status in vmoves.items():
        db.vmove_create(bench.context, {
            'notification_uuid': notification, 'instance_uuid': IDS[name],
            'instance_name': name, 'source_host': 'h1', 'status': status})
    bench.cast(bench.manager(), notification)
    assert bench.notification(notification).status == 'finished'


def test_resumed_recovery_unlocks_only_the_servers_it_had_locked(tmp_path):
    with recovery.bench(tmp_path) as bench:
        notification = bench.notify('COMPUTE_HOST', STOPPED)
        for name in ('i1', 'i2', 'i3'):
            bench.add_server(name)
        # i1: locked by the dead engine, which died before asking Nova to
        # move it. i2: an operator's lock, the move under way (ongoing).
        # i3: an operator's lock from before the API had reasons.
        bench.sim.cloud.lock_server(
            IDS['i1'], host_failure.EVACUATION_LOCK_PREFIX + notification)
        bench.sim.cloud.lock_server(IDS['i2'], OPERATOR_REASON)
        bench.sim.cloud.lock_server(IDS['i3'])
        run_host_recovery(bench, notification,
                             {'i1': 'pending', 'i2': 'ongoing', 'i3': 'pending'})
        servers = {name: bench.server(name) for name in ('i1', 'i2', 'i3')}
        assert {name: server.host for name, server in servers.items()} == {
            'i1': 'h2', 'i2': 'h2', 'i3': 'h2'}
        assert {name: (server.locked, server.locked_reason)
                for name, server in servers.items()} == {
            'i1': (False, None), 'i2': (True, OPERATOR_REASON), 'i3': (True, None)}


def test_servers_are_locked_with_a_reason_naming_the_notification(tmp_path):
    with recovery.bench(tmp_path) as bench:
        bench.add_server('i1')
        notification = bench.notify('COMPUTE_HOST', STOPPED)
        run_host_recovery(bench, notification, {})
        locks = [call for call in bench.sim.calls.since(0) if call['action'] == 'lock']
        assert [call['body'] for call in locks] == [
            {'lock': {'locked_reason': host_failure.EVACUATION_LOCK_PREFIX + notification}}]
        assert not bench.server('i1').locked


@pytest.fixture
def lost_backend(tmp_path):
    """The URL of a Redis that answered once, then stopped."""
    port = api_server.free_port()
    server = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1',
                               '--save', '', '--dir', str(tmp_path)],
                              stdout=subprocess.DEVNULL)
    try:
        wait(lambda: subprocess.run(['redis-cli', '-p', str(port), 'ping'],
                                    capture_output=True).stdout.strip() == b'PONG')
        yield f'redis://127.0.0.1:{port}?timeout=2', server
    finally:
        server.terminate()
        server.wait()
        locks.stop()


def test_a_coordination_backend_down_postpones_resuming(tmp_path, lost_backend):
    url, server = lost_backend
    with recovery.bench(tmp_path, config={'coordination.backend_url': url}) as bench:
        notification = bench.notify('COMPUTE_HOST', dict(STOPPED, event='STARTED'))
        db.notification_update(bench.context, notification, {'status': 'running'})
        with locks.lock('masakari-connected'):
            pass
        server.terminate()
        server.wait()
        manager = bench.manager()
        # Once the backend counts as down (2 s), each pass gives up at once.
        time.sleep(3)
        manager._resume_abandoned_notifications(bench.context)
        assert bench.notification(notification).status == 'running'


# Longer than it takes to start a second engine and watch it for a while;
# the engine waiting on these requests is killed before they end, and they
# end with no answer and nothing done.
HELD = 45


def in_flight(deployment, server_id: str, action: str) -> bool:
    return any(call['path'] == f'/servers/{server_id}/action' and call['action'] == action
               for call in deployment.sim.calls.since())


def wait(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_a_live_engines_recovery_is_resumed_only_after_it_died(tmp_path):
    with e2e.deploy(tmp_path, ['r1', 'r2']) as deployment:
        deployment.segment('seg-r1', 'auto', ['r1', 'r2'])
        cloud = deployment.sim.cloud
        # A paused server is reset to error, then evacuated: the first
        # engine locks it and dies while the reset is under way.
        ours = cloud.add_server('r1-ours', 'r1', metadata=HA, vm_state='paused')
        theirs = cloud.add_server('r1-theirs', 'r1', metadata=HA)
        cloud.lock_server(theirs.id, OPERATOR_REASON)
        for server_id, action in ((ours.id, 'os-resetState'), (theirs.id, 'evacuate')):
            deployment.sim.add_fault(method='POST', path=f'/servers/{server_id}/action',
                                     action=action, sleep=HELD, drop=True)
        cloud.host_down('r1')
        first = deployment.engine
        notification_uuid = deployment.notify('COMPUTE_HOST', 'r1', STOPPED)
        wait(lambda: in_flight(deployment, ours.id, 'os-resetState')
             and in_flight(deployment, theirs.id, 'evacuate'))

        second = deployment.start_engine()
        # The second engine looks every heartbeat (2 s in e2e deployments)
        # for longer than the window (6 s): the first one is alive and beating.
        time.sleep(10)
        assert 'Resuming notification' not in second.log_text()
        assert deployment.call('GET', f'/notifications/{notification_uuid}',
                               200)['notification']['status'] == 'running'

        # Killed between locking ours and its move, and during theirs.
        assert cloud.get_server(ours.id).locked_reason == (
            host_failure.EVACUATION_LOCK_PREFIX + notification_uuid)
        assert {move['instance_uuid']: move['status'] for move in
                deployment.vmoves(notification_uuid)} == {ours.id: 'pending',
                                                          theirs.id: 'ongoing'}
        first.kill()
        assert deployment.wait_for(notification_uuid, timeout=90)['status'] == 'finished'
        assert f'Resuming notification {notification_uuid}' in second.log_text()
        ours_now, theirs_now = cloud.get_server(ours.id), cloud.get_server(theirs.id)
        assert (ours_now.host, ours_now.locked) == ('r2', False)
        assert (theirs_now.host, theirs_now.locked, theirs_now.locked_reason) == (
            'r2', True, OPERATOR_REASON)
