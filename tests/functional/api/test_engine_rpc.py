"""The API's RPC to the engine over a real RabbitMQ, with a real
oslo.messaging RPC server standing in for masakari-engine."""
import os
import queue
import socket
import uuid

import oslo_messaging as messaging
import pytest
import requests
from oslo_config import cfg

from tests.support import api_server
from tests.support import seed

RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'

DETAILS = [{'name': 'StopInstanceTask', 'progress': 1.0, 'state': 'SUCCESS',
            'progress_details': [{'timestamp': '2026-11-25 10:00:00.000001',
                                  'message': 'Stopping instance', 'progress': '0.0'}]}]


class FakeEngine:
    target = messaging.Target(version='1.1')

    def __init__(self):
        self.casts = queue.Queue()

    def process_notification(self, context, notification):
        self.casts.put((context, notification))

    def get_notification_recovery_workflow_details(self, context, notification):
        data = dict(notification['masakari_object.data'],
                    recovery_workflow_details=[
                        {'masakari_object.name': 'NotificationProgressDetails',
                         'masakari_object.namespace': 'masakari',
                         'masakari_object.version': '1.0',
                         'masakari_object.data': item} for item in DETAILS])
        return dict(notification, **{'masakari_object.data': data})


def _rabbit_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(('127.0.0.1', 5672)) == 0


@pytest.fixture
def engine(tmp_path):
    if not _rabbit_up():
        if os.environ.get('CI') == 'true':
            pytest.fail('RabbitMQ is not listening on 127.0.0.1:5672')
        pytest.skip('RabbitMQ is not listening on 127.0.0.1:5672')
    # A private exchange and topic keep runs apart on a shared broker; the
    # default topic is checked below.
    exchange = f'masakari-test-{uuid.uuid4().hex[:8]}'
    topic = f'ha_engine_{uuid.uuid4().hex[:8]}'
    # oslo.messaging registers some options only on the global CONF.
    conf = cfg.CONF
    conf([], project='masakari', default_config_files=[])
    transport = messaging.get_rpc_transport(conf, url=RABBIT_URL)
    endpoint = FakeEngine()
    server = messaging.get_rpc_server(
        transport, messaging.Target(topic=topic, server='test-engine',
                         exchange=exchange),
        [endpoint], executor='threading')
    server.start()
    endpoint.exchange, endpoint.topic = exchange, topic
    yield endpoint
    server.stop()
    server.wait()
    transport.cleanup()


def test_notification_is_cast_and_details_are_called(engine, tmp_path):
    database_url = f'sqlite:///{tmp_path}/masakari.sqlite'
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', database_url, port,
        extra=f'[DEFAULT]\ncontrol_exchange = {engine.exchange}\n'
              f'masakari_topic = {engine.topic}\n')
    config.write_text(config.read_text().replace(
        'transport_url = fake:/', f'transport_url = {RABBIT_URL}'))
    api_server.db_sync(config)
    seed.segment_with_hosts(database_url, 'seg', ['compute01'])
    server = api_server.APIServer(config, port, tmp_path / 'api.log').start()
    try:
        r = requests.post(server.url + '/v1/notifications', timeout=30, json={
            'notification': {'type': 'VM', 'hostname': 'compute01',
                             'generated_time': '2026-11-25T10:00:00',
                             'payload': {'event': 'LIFECYCLE',
                                         'vir_domain_event': 'STOPPED_FAILED',
                                         'instance_uuid': str(uuid.uuid4())}}},
            headers={'X-User-Id': 'u1', 'X-Project-Id': 'p1'})
        assert r.status_code == 202, r.text
        notification = r.json()['notification']
        context, cast = engine.casts.get(timeout=30)
        assert cast['masakari_object.name'] == 'Notification'
        assert cast['masakari_object.namespace'] == 'masakari'
        assert cast['masakari_object.version'] == '1.2'
        data = cast['masakari_object.data']
        assert data['notification_uuid'] == notification['notification_uuid']
        assert (data['status'], data['type']) == ('new', 'VM')
        assert data['payload']['vir_domain_event'] == 'STOPPED_FAILED'
        assert (context['user'], context['project_id']) == ('u1', 'p1')

        r = requests.get(
            f"{server.url}/v1/notifications/{notification['notification_uuid']}",
            headers={'OpenStack-API-Version': 'instance-ha 1.1'}, timeout=30)
        assert r.status_code == 200
        assert r.json()['notification']['recovery_workflow_details'] == DETAILS
    finally:
        server.stop()


def test_engine_topic_defaults_to_ha_engine():
    conf = cfg.ConfigOpts()
    from masakari.conf import service
    service.register_opts(conf)
    conf([], default_config_files=[])
    assert conf.masakari_topic == 'ha_engine'
