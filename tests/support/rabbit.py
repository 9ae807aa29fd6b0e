"""The local RabbitMQ for tests: availability, and a collector of the
versioned notifications sent to a private exchange.

When CI=true a broker that cannot be reached fails the test instead of
skipping it.
"""
import json
import os
import socket
import time
import uuid

import kombu
import pytest

URL = 'rabbit://guest:guest@127.0.0.1:5672/'
_KOMBU_URL = 'amqp://guest:guest@127.0.0.1:5672//'
ROUTING_KEYS = ('versioned_notifications.info', 'versioned_notifications.error')


def require() -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex(('127.0.0.1', 5672)) == 0:
            return
    message = 'RabbitMQ is not listening on 127.0.0.1:5672'
    if os.environ.get('CI') == 'true':
        pytest.fail(message)
    pytest.skip(message)


class NotificationCollector:
    """An exclusive queue bound to a fresh exchange, read message by message.

    Each message is returned as ``(routing_key, envelope)`` with the
    oslo.messaging 2.0 wrapper already opened.
    """

    def __init__(self):
        self.exchange_name = f'masakari-test-{uuid.uuid4().hex[:8]}'
        self.connection = kombu.Connection(_KOMBU_URL)
        channel = self.connection.channel()
        # The same declaration oslo.messaging makes for a notify exchange.
        self.exchange = kombu.Exchange(self.exchange_name, type='topic',
                                       durable=False, auto_delete=False)(channel)
        self.exchange.declare()
        self.queue = kombu.Queue(
            f'{self.exchange_name}-collector', exclusive=True,
            bindings=[kombu.binding(self.exchange, routing_key=key)
                      for key in ROUTING_KEYS])(channel)
        self.queue.declare()

    def next(self, timeout: float = 10) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        while (message := self.queue.get(no_ack=True)) is None:
            if time.monotonic() > deadline:
                raise AssertionError('no versioned notification arrived')
            time.sleep(0.02)
        wrapper = message.payload
        assert wrapper['oslo.version'] == '2.0'
        return message.delivery_info['routing_key'], json.loads(wrapper['oslo.message'])

    def take(self, count: int) -> list[tuple[str, dict]]:
        return [self.next() for _ in range(count)]

    def drain(self, wait: float = 0.2) -> None:
        time.sleep(wait)
        while self.queue.get(no_ack=True) is not None:
            pass

    def assert_quiet(self, wait: float = 0.5) -> None:
        time.sleep(wait)
        message = self.queue.get(no_ack=True)
        assert message is None, json.loads(message.payload['oslo.message'])

    def close(self) -> None:
        """Removes what the run left on the broker: the exchange, and our
        copies in the queues oslo.messaging's notifier declares by routing
        key (names shared by every exchange on the broker)."""
        self.exchange.delete()
        for key in ROUTING_KEYS:
            _drop_from_shared_queue(self.connection, key, self.exchange_name)
        self.connection.release()


def _drop_from_shared_queue(connection, name: str, exchange: str) -> None:
    channel = connection.channel()
    try:
        channel.queue_declare(name, passive=True)
    except connection.channel_errors:  # never declared: nothing to drop
        return
    # Other runs' messages stay unacknowledged and return to the queue, in
    # order, when the channel closes.
    while (message := channel.basic_get(name, no_ack=False)) is not None:
        if message.delivery_info['exchange'] == exchange:
            channel.basic_ack(message.delivery_tag)
    channel.close()
