"""oslo.messaging transports of the process: RPC to the engine and the
versioned-notification notifier. Built once, after configuration."""
import logging
import socket
import threading

import oslo_messaging as messaging
from oslo_config import cfg

CONF = cfg.CONF
# Attempts after the first to send one versioned notification. The
# library's default, -1, retries while the broker is down, and with it the
# API request or the recovery that emits the event waits. One retry
# reconnects a pooled connection the broker dropped.
NOTIFICATION_RETRY = 1

_rpc_transport = None
_notification_transport = None
_notifier = None


def set_defaults() -> None:
    messaging.set_transport_defaults(control_exchange='masakari')


def init(conf: cfg.ConfigOpts = CONF, binary: str = 'masakari-api') -> None:
    global _rpc_transport, _notification_transport, _notifier
    _rpc_transport = messaging.get_rpc_transport(conf)
    _notification_transport = messaging.get_notification_transport(conf)
    # The operator's value, -1 included, still wins.
    conf.set_default('retry', NOTIFICATION_RETRY,
                     group='oslo_messaging_notifications')
    _install_lost_notification_filter()
    _notifier = messaging.Notifier(
        _notification_transport,
        publisher_id=f'{binary}:{socket.gethostname()}',
        topics=['versioned_notifications'])


_sending = threading.local()


def notify(context: dict, event_type: str, payload: dict, error: bool = False) -> None:
    """Send one versioned notification; if the broker cannot take it, log
    one line and go on."""
    _sending.active = True
    try:
        if error:
            _notifier.error(context, event_type, payload)
        else:
            _notifier.info(context, event_type, payload)
    finally:
        _sending.active = False


class _OneLineLostNotification(logging.Filter):
    """oslo.messaging logs a lost notification with the whole message and a
    traceback, after a line per reconnection attempt; keep one line with
    the event type and the reason, which names the broker's address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(_sending, 'active', False):
            return True
        if record.name != _NOTIFY_DRIVER_LOGGER:
            return False
        if record.exc_info and isinstance(record.args, dict):
            message = record.args.get('message')
            event_type = (message.get('event_type')
                          if isinstance(message, dict) else None)
            record.msg = 'Versioned notification %s not sent: %s'
            record.args = (event_type, record.exc_info[1])
            record.exc_info = record.exc_text = None
        return True


_NOTIFY_DRIVER_LOGGER = 'oslo_messaging.notify.messaging'
_LOST_NOTIFICATION_FILTER = _OneLineLostNotification()


def _install_lost_notification_filter() -> None:
    # The AMQP drivers' loggers (named oslo.* by oslo.log) serve RPC too:
    # the filter passes their records through unless this thread is
    # sending a notification.
    for name in (_NOTIFY_DRIVER_LOGGER, 'oslo.messaging._drivers.impl_rabbit',
                 'oslo.messaging._drivers.amqpdriver'):
        logger = logging.getLogger(name)
        if _LOST_NOTIFICATION_FILTER not in logger.filters:
            logger.addFilter(_LOST_NOTIFICATION_FILTER)


def cleanup() -> None:
    """Close both transports: the notifier's has connections (and a
    heartbeat thread) of its own, even on the same broker."""
    global _rpc_transport, _notification_transport, _notifier
    for transport in (_rpc_transport, _notification_transport):
        if transport is not None:
            transport.cleanup()
    _rpc_transport = _notification_transport = _notifier = None


def get_rpc_transport():
    return _rpc_transport


def get_notifier():
    return _notifier
