"""The processmonitor manager: its main loop."""
import threading

from oslo_log import log as logging

from masakarimonitors.conf import CONF
from masakarimonitors.ha import masakari
from masakarimonitors.processmonitor import death_watch
from masakarimonitors.processmonitor import process_list
from masakarimonitors.processmonitor.process_handler import handle_process

LOG = logging.getLogger(__name__)


class ProcessmonitorManager:
    # The service builds every manager with host=[DEFAULT] hostname; the
    # process notifications name the system's host instead.
    def __init__(self, host: str | None = None,
                 notifier: masakari.SendNotification | None = None,
                 **handler_kwargs) -> None:
        self.running = False
        self._stopped = threading.Event()
        self._watch = death_watch.DeathWatch()
        self.process_handler = handle_process.HandleProcess(
            notifier=notifier, stopped=self._stopped, **handler_kwargs)
        self._loaded: list[dict] | None = None

    def init_host(self) -> None:
        pass

    def _load(self) -> list[dict] | None:
        return process_list.load(CONF.process.process_list_path)

    def main(self) -> None:
        self.running = True
        try:
            loaded = self._load()
            if loaded is None:
                LOG.error('Failed to load process list file.')
                if self._loaded is None:
                    # Nothing to monitor: the process stays alive and
                    # idle, as upstream masakari-monitors does.
                    return
                # A list that stops loading keeps the one in use monitored
                # (upstream stops monitoring until it is restarted).
                loaded = self._loaded
            self._loaded = loaded
            handler = self.process_handler
            handler.set_process_list(loaded)
            handler.start_processes()
            while self.running:
                down = handler.monitor_processes()
                if down:
                    handler.restart_processes(down)
                else:
                    handler.restart_failure_list = []
                reloaded = self._load()
                if reloaded is None:
                    LOG.error('Failed to reload process list file.')
                    reloaded = self._loaded
                self._loaded = reloaded
                handler.set_process_list(reloaded)
                if not self.running:
                    break
                self._watch.watch(handler.watched_pids)
                self._watch.wait(CONF.process.check_interval)
        except Exception as e:
            LOG.exception('Exception caught: %s', e)

    def stop(self) -> None:
        self.running = False
        self._stopped.set()
        self._watch.wake()

    def reset(self) -> None:
        self._stopped.clear()
        self._watch.reset_wake()
