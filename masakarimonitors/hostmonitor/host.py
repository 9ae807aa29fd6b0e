"""The hostmonitor manager: loads and runs one driver."""
import os

from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from masakarimonitors.conf import CONF

LOG = logging.getLogger(__name__)

NAMESPACE = 'hostmonitor.driver'


class HostmonitorManager:
    # The service builds every manager with host=[DEFAULT] hostname; the
    # drivers name this node by the system's host name.
    def __init__(self, host: str | None = None) -> None:
        self.driver = None

    def init_host(self) -> None:
        try:
            self.driver = stevedore_driver.DriverManager(
                namespace=NAMESPACE, name=CONF.host.monitoring_driver,
                invoke_on_load=True).driver
        except Exception as e:
            LOG.exception(
                'Exception caught during initializing hostmonitor: %s', e)
            os._exit(1)

    def main(self) -> None:
        try:
            self.driver.monitor_hosts()
        except Exception as e:
            # The process then stays alive and idle, as upstream
            # masakari-monitors does.
            LOG.exception('Exception caught: %s', e)

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.stop()

    def reset(self) -> None:
        reset = getattr(self.driver, 'reset', None)
        if reset is not None:
            reset()
