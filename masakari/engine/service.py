"""The masakari-engine service: the manager behind an oslo.messaging RPC
server (threading executor) on topic ``masakari_topic``, and its periodic
tasks, each in a thread of its own."""
import random
import threading

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import importutils

from masakari import context as masakari_context
from masakari import rpc
from masakari.engine import locks

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class EngineService:
    def __init__(self, manager=None):
        self.manager = manager or importutils.import_object(CONF.engine_manager)
        self.stopping = threading.Event()
        self.server = None
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        target = messaging.Target(topic=CONF.masakari_topic, server=CONF.host)
        self.server = messaging.get_rpc_server(
            rpc.get_rpc_transport(), target, [self.manager], executor='threading',
            access_policy=messaging.DefaultRPCAccessPolicy)
        self.server.start()
        LOG.info('masakari-engine listening on topic %s as %s',
                 CONF.masakari_topic, CONF.host)
        if CONF.periodic_enable:
            for task, spacing in self.manager._periodic_tasks():
                thread = threading.Thread(target=self._run_periodically,
                                          args=(task, spacing), daemon=True,
                                          name=task.__name__)
                thread.start()
                self.threads.append(thread)

    def _run_periodically(self, task, spacing: int) -> None:
        delay = random.uniform(0, CONF.periodic_fuzzy_delay) if CONF.periodic_fuzzy_delay else 0
        spacing = min(spacing, CONF.periodic_interval_max)
        while not self.stopping.wait(delay):
            try:
                task(masakari_context.get_admin_context())
            except Exception:
                LOG.exception('Periodic task %s failed', task.__name__)
            delay = spacing

    def stop(self) -> None:
        """Stop taking messages, let running recoveries finish."""
        self.stopping.set()
        if self.server is not None:
            self.server.stop()
            self.server.wait()
        locks.stop()
