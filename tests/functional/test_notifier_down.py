"""Versioned notifications whose broker goes down: the messagingv2 driver
reaches the real RabbitMQ through a relay that the test then closes, so the
pooled connection breaks and every new one is refused. The API request and
the engine's recovery go on in bounded time, each lost event costs one line
of log without a traceback, and the broker's password appears nowhere."""
import contextlib
import logging
import socket
import threading
import time

import oslo_messaging as messaging
import requests

from masakari import rpc
from masakari.conf import CONF
from tests.support import api_server
from tests.support import nova
from tests.support import rabbit
from tests.support import recovery

HOST_STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'ONLINE'}


class Relay:
    """A TCP relay from a loopback port to RabbitMQ; ``close`` shuts the
    port and every connection through it, as a broker that went down."""

    def __init__(self):
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.open()

    def open(self) -> None:
        """Listen (again, on the same port: the broker is back)."""
        self.listener = socket.create_server(('127.0.0.1', self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f'rabbit://guest:guest@127.0.0.1:{self.port}/'

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            broker = socket.create_connection(('127.0.0.1', 5672))
            self.sockets += [client, broker]
            for source, target in ((client, broker), (broker, client)):
                threading.Thread(target=self._pipe, args=(source, target),
                                 daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        # shutdown, not only close: it wakes the accepting thread, which
        # would otherwise keep the port listening.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_api_answers_and_logs_each_lost_event_once(tmp_path):
    rabbit.require()
    relay = Relay()
    port = api_server.free_port()
    with nova.running(hosts=['node1']) as sim:
        config = api_server.write_config(
            tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite', port,
            workers=1, transport_url=rabbit.URL,
            extra=nova.masakari_options(sim) +
            '[oslo_messaging_notifications]\ndriver = messagingv2\n'
            f'transport_url = {relay.url}\n')
        api_server.db_sync(config)
        server = api_server.APIServer(config, port, tmp_path / 'api.log').start()
        try:
            segment = call(server, '/v1/segments', {'segment': {
                'name': 'S1', 'service_type': 'COMPUTE', 'recovery_method': 'auto'}}).json()
            relay.close()
            started = time.monotonic()
            request_id = call(server, f'/v1/segments/{segment["segment"]["uuid"]}/hosts', {
                'host': {'name': 'node1', 'type': 'COMPUTE', 'control_attributes': 'ssh'}},
            ).headers['x-openstack-request-id']
            elapsed = time.monotonic() - started
            relay.open()
            call(server, '/v1/segments', {'segment': {
                'name': 'S2', 'service_type': 'COMPUTE', 'recovery_method': 'auto'}})
        finally:
            relay.close()
            server.stop()
    # Two events, each given one reconnection of about a second.
    assert elapsed < 10, elapsed
    log = (tmp_path / 'api.log').read_text()
    assert ':guest@' not in log
    # Sent again once the broker is back: nothing lost but the host's.
    assert sum('not sent' in line for line in log.splitlines()) == 2
    # Nothing else of the request at WARNING or above: no reconnection
    # attempts, no traceback.
    lost = [line for line in log.splitlines() if request_id in line
            and (' ERROR ' in line or ' WARNING ' in line)]
    assert [line.split('Versioned notification ')[1].split()[0] for line in lost] == [
        'host.create.start', 'host.create.end'], lost


def call(server, path: str, body: dict) -> requests.Response:
    response = requests.post(server.url + path, json=body, timeout=60)
    assert response.status_code in (200, 201), response.text
    return response


def test_engine_recovery_finishes(tmp_path, caplog):
    rabbit.require()
    relay = Relay()
    # Registers oslo.messaging's options before the bench overrides them.
    messaging.get_notification_transport(CONF, url='fake:/').cleanup()
    config = {'oslo_messaging_notifications.driver': ['messagingv2'],
              'oslo_messaging_notifications.transport_url': relay.url}
    with recovery.bench(tmp_path, config=config) as bench:
        rpc.init(CONF, 'masakari-engine')
        try:
            # Connected while the broker is up, as a running engine is.
            rpc.get_notifier().info({}, 'engine.connected', {})
            relay.close()
            notification = bench.notify('COMPUTE_HOST', HOST_STOPPED)
            manager = bench.manager()
            # In a thread, so that a notifier retrying forever fails the
            # test instead of hanging it.
            worker = threading.Thread(target=bench.cast, args=(manager, notification),
                                      daemon=True)
            worker.start()
            worker.join(timeout=30)
            assert not worker.is_alive(), 'the recovery waits for the broker'
            assert bench.notification(notification).status == 'finished'
        finally:
            relay.close()
            rpc.cleanup()
    # The notifier's own transport is closed too: nothing in the process
    # goes on reconnecting to the broker.
    assert 'Rabbit-heartbeat' not in [t.name for t in threading.enumerate()]
    assert ':guest@' not in caplog.text
    lost = [r.getMessage() for r in caplog.records if r.thread == worker.ident
            and r.name.startswith('oslo') and r.levelno >= logging.WARNING]
    assert [message.split()[2] for message in lost] == [
        'notification.process.start', 'host.update.start', 'host.update.end',
        'notification.process.end'], lost
    assert not any(r.exc_info for r in caplog.records if r.name.startswith('oslo'))
