"""Faults end to end (separate API and engine processes on RabbitMQ and
MariaDB): a broker that is down while notifications arrive, a Nova that
keeps failing, and two engines on one broker with Redis coordination."""
import subprocess
import time

import pytest

from tests.support import coordination
from tests.support import e2e
from tests.support.e2e import HA

# The periodic task looks every 2 s and takes new notifications over once
# they are 1 s old; the expired check never interferes.
PERIODIC = """\
[DEFAULT]
process_unfinished_notifications_interval = 2
retry_notification_new_status_interval = 1
"""
STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'}


def vm_failure(server_id: str) -> dict:
    return {'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
            'instance_uuid': server_id}


def rabbitmq(action: str) -> None:
    subprocess.run(['rabbitmqctl', action], check=True, capture_output=True, timeout=120)


@pytest.fixture
def broker_back():
    """Starts RabbitMQ again whatever the test did to it."""
    yield
    rabbitmq('start_app')


def test_notifications_posted_while_the_broker_is_down_are_processed(tmp_path,
                                                                     broker_back):
    with e2e.deploy(tmp_path, ['b1'], extra=PERIODIC) as deployment:
        deployment.segment('seg-b1', 'auto', ['b1'])
        servers = [deployment.sim.cloud.add_server(f'b1-vm{i}', 'b1', metadata=HA,
                                                   vm_state='stopped') for i in range(3)]
        rabbitmq('stop_app')
        # The API stores them (202) although it cannot cast them.
        posted = [deployment.notify('VM', 'b1', vm_failure(server.id))
                  for server in servers]
        rabbitmq('start_app')
        for notification_uuid in posted:
            assert deployment.wait_for(notification_uuid, timeout=90)['status'] == 'finished'
        assert {deployment.server(s.id).vm_state for s in servers} == {'active'}
        # Both processes survive the broker's absence and are still in service.
        server = deployment.sim.cloud.add_server('b1-late', 'b1', metadata=HA,
                                                 vm_state='stopped')
        late = deployment.notify('VM', 'b1', vm_failure(server.id))
        assert deployment.wait_for(late)['status'] == 'finished'


@pytest.mark.parametrize('fault', [
    {'status': 500},
    # Nova stops answering: the request times out ([DEFAULT] timeout).
    {'status': None, 'sleep': 30},
], ids=['server-error', 'no-answer'])
def test_a_nova_that_keeps_failing_ends_in_failed(tmp_path, fault):
    with e2e.deploy(tmp_path, ['n1'], extra=PERIODIC + 'timeout = 2\n') as deployment:
        deployment.segment('seg-n1', 'auto', ['n1'])
        server = deployment.sim.cloud.add_server('n1-vm', 'n1', metadata=HA)
        deployment.sim.add_fault(method='GET', path=f'/servers/{server.id}', times=None,
                                 **fault)
        notification_uuid = deployment.notify('VM', 'n1', vm_failure(server.id))
        seen = set()
        deadline = time.monotonic() + 60
        while True:
            status = deployment.call('GET', f'/notifications/{notification_uuid}',
                                     200)['notification']['status']
            seen.add(status)
            if status == 'failed':
                break
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        # error first, then one retry by the periodic task, then failed.
        assert 'error' in seen
        gets = [call for call in deployment.sim.calls.since()
                if call['path'] == f'/servers/{server.id}' and call['method'] == 'GET']
        assert len(gets) == 2


@pytest.fixture
def redis_backend():
    coordination.require_redis()
    return '[coordination]\nbackend_url = redis://127.0.0.1:6379?lock_timeout=5\n'


def test_two_engines_never_recover_one_host_twice(tmp_path, redis_backend):
    with e2e.deploy(tmp_path, ['d1', 'd2'], extra=redis_backend, engines=2) as deployment:
        deployment.segment('seg-d1', 'auto', ['d1', 'd2'])
        servers = [deployment.sim.cloud.add_server(f'd1-vm{i}', 'd1', metadata=HA)
                   for i in range(4)]
        deployment.sim.cloud.host_down('d1')
        # Two monitors report the failure with different cluster views: not
        # duplicates for the API, so both reach an engine.
        first = deployment.notify('COMPUTE_HOST', 'd1', STOPPED)
        second = deployment.notify('COMPUTE_HOST', 'd1', dict(STOPPED,
                                                              cluster_status='ONLINE'))
        assert deployment.wait_for(first)['status'] == 'finished'
        assert deployment.wait_for(second)['status'] == 'finished'
        for server in servers:
            assert deployment.server(server.id).host == 'd2'
            assert deployment.evacuations(server.id) == 1
        # One notification evacuated them all; the other found nothing left.
        moved = [len(deployment.vmoves(n)) for n in (first, second)]
        assert sorted(moved) == [0, 4]
        processed = [e.log_text().count('Processing notification') for e in deployment.engines]
        assert processed == [1, 1], processed
