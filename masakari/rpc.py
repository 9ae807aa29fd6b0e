"""oslo.messaging transports of the process: RPC to the engine and the
versioned-notification notifier. Built once, after configuration."""
import socket

import oslo_messaging as messaging
from oslo_config import cfg

CONF = cfg.CONF

_rpc_transport = None
_notifier = None


def set_defaults() -> None:
    messaging.set_transport_defaults(control_exchange='masakari')


def init(conf: cfg.ConfigOpts = CONF, binary: str = 'masakari-api') -> None:
    global _rpc_transport, _notifier
    _rpc_transport = messaging.get_rpc_transport(conf)
    notification_transport = messaging.get_notification_transport(conf)
    _notifier = messaging.Notifier(
        notification_transport,
        publisher_id=f'{binary}:{socket.gethostname()}',
        topics=['versioned_notifications'])


def cleanup() -> None:
    global _rpc_transport, _notifier
    if _rpc_transport is not None:
        _rpc_transport.cleanup()
    _rpc_transport = _notifier = None


def get_rpc_transport():
    return _rpc_transport


def get_notifier():
    return _notifier
