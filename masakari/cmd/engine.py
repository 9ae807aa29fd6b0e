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


def main() -> int:
    service.prepare(sys.argv[1:])
    rpc.init(CONF, 'masakari-engine')
    try:
        engine = engine_service.EngineService()
    except exception.InvalidConfiguration as error:
        LOG.error('%s', error)
        return 1
    except Exception as error:
        # A driver that cannot be found or loaded.
        LOG.error('Failed to load the notification driver %r: %s',
                  CONF.notification_driver, error)
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
