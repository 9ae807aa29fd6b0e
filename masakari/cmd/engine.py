"""masakari-engine: runs the recovery of notifications.

SIGTERM and SIGINT stop it after the recoveries in progress; SIGHUP reloads
the mutable options (retry_notification_new_status_interval).
"""
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from masakari import console_logging
from masakari import exception
from masakari import rpc
from masakari import service
from masakari.engine import service as engine_service

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def load_engine() -> engine_service.EngineService | None:
    """The engine service, or None (and one log line) when its driver
    cannot run."""
    try:
        return engine_service.EngineService()
    except exception.InvalidConfiguration as error:
        LOG.error('%s', error)
    except Exception as error:
        # A driver that cannot be found or loaded.
        LOG.error('Failed to load the notification driver %r: %s',
                  CONF.notification_driver, error)
    return None


def main() -> int:
    service.prepare(sys.argv[1:])
    rpc.init(CONF, 'masakari-engine')
    engine = load_engine()
    if engine is None:
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: CONF.mutate_config_files())
    engine.start()
    console_logging.started()
    while not stop.wait(3600):
        pass
    LOG.info('masakari-engine stopping')
    engine.stop()
    rpc.cleanup()
    return 0
