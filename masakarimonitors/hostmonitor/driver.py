"""What the hostmonitor manager expects of a driver.

A driver is built with no arguments. ``monitor_hosts()`` loops until
``stop()``; each cycle is wrapped by the driver itself so one bad cycle
does not end the loop, and the sleep comes after the work.
"""
import abc
import threading

from masakarimonitors.conf import CONF
from masakarimonitors.ha import masakari


class DriverBase(abc.ABC):
    def __init__(self, notifier: masakari.SendNotification | None = None
                 ) -> None:
        self.running = False
        self._stopped = threading.Event()
        self.notifier = notifier or masakari.SendNotification()

    @abc.abstractmethod
    def monitor_once(self) -> None:
        """One monitoring cycle; must not raise."""

    def monitor_hosts(self) -> None:
        self.running = True
        while self.running and not self._stopped.is_set():
            self.monitor_once()
            if not self.running:
                break
            self._stopped.wait(CONF.host.monitoring_interval)

    def stop(self) -> None:
        self.running = False
        self._stopped.set()

    def reset(self) -> None:
        """Lets ``monitor_hosts()`` run again after a stop (SIGHUP)."""
        self._stopped.clear()

    def send(self, event: dict) -> None:
        self.notifier.send_notification(CONF.host.api_retry_max,
                                        CONF.host.api_retry_interval, event)
