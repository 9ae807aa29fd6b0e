"""Starting, checking and restarting the listed processes."""
import socket
import threading
from collections.abc import Callable

from oslo_log import log as logging

from masakarimonitors import command
from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.ha import masakari
from masakarimonitors.processmonitor import process_table

LOG = logging.getLogger(__name__)


class HandleProcess:
    """Acts on one process list. ``stopped`` cuts restart sleeps short."""

    def __init__(self, notifier: masakari.SendNotification | None = None,
                 execute: Callable = command.execute,
                 snapshot: Callable = process_table.snapshot,
                 stopped: threading.Event | None = None) -> None:
        self.notifier = notifier or masakari.SendNotification()
        self._execute = execute
        self._snapshot = snapshot
        self._stopped = stopped or threading.Event()
        self.process_list: list[dict] = []
        self.restart_failure_list: list[str] = []
        self.watched_pids: list[int] = []

    def set_process_list(self, process_list: list[dict]) -> None:
        self.process_list = process_list

    def execute_cmd(self, cmd: str, run_as_root) -> bool:
        """Run ``cmd``; True when it succeeded. Anything on stderr counts
        as a failure, even with exit status 0: upstream masakari-monitors
        does so, and operators' restart commands are written for it."""
        try:
            out, err = self._execute(cmd, run_as_root=run_as_root)
        except Exception as e:
            LOG.error(e)
            return False
        if out:
            LOG.info("CMD '%s' output stdout: %s", cmd, out)
        if err:
            LOG.warning("CMD '%s' output stderr: %s", cmd, err)
            return False
        return True

    def start_processes(self) -> None:
        for entry in self.process_list:
            as_root = entry['run_as_root']
            pre = entry['pre_start_command']
            if pre and not self.execute_cmd(pre, as_root):
                continue
            start = entry['start_command']
            LOG.info('Start of process with executing command: %s', start)
            self.execute_cmd(start, as_root)
            post = entry['post_start_command']
            if post:
                self.execute_cmd(post, as_root)

    def monitor_processes(self) -> list[dict]:
        """The entries found down. Also records the pids of the processes
        found up, for the death watch."""
        down, watched = [], []
        # One read of the table serves every entry: upstream runs ps once
        # per entry, which with 20 entries costs about half a second.
        try:
            rows = self._snapshot()
            table, error = process_table.text(rows), None
        except Exception as e:
            rows, table, error = [], '', e
        for entry in self.process_list:
            name = entry['process_name']
            if error is not None:
                LOG.error('Monitoring command raised exception: %s', error)
                continue
            if name in table:
                LOG.debug("Process '%s' is found.", name)
                watched.extend(process_table.matching_pids(rows, name))
            else:
                LOG.warning("Process '%s' is not found.", name)
                down.append(entry)
        self.watched_pids = watched
        return down

    def restart_processes(self, down_process_list: list[dict]) -> None:
        next_failures = []
        for entry in down_process_list:
            name = entry['process_name']
            if name in self.restart_failure_list:
                LOG.warning("Process '%s' doesn't be restarted because it "
                            "failed to restart previously.", name)
                next_failures.append(name)
                continue
            LOG.info('Restart of process with executing command: %s',
                     entry['restart_command'])
            if self._restart(entry) == CONF.process.restart_retries:
                # Also when the last allowed attempt worked: upstream
                # masakari-monitors does so (with restart_retries = 0 every
                # restart is reported); kept so operators see the same
                # notifications.
                self.notifier.send_notification(
                    CONF.process.api_retry_max,
                    CONF.process.api_retry_interval,
                    events.process_stopped(socket.gethostname(), name))
                next_failures.append(name)
        self.restart_failure_list = next_failures

    def _restart(self, entry: dict) -> int:
        """Run the restart attempts; the index of the last one made."""
        as_root = entry['run_as_root']
        steps = [entry['pre_restart_command'], entry['restart_command'],
                 entry['post_restart_command']]
        attempt = 0
        for attempt in range(CONF.process.restart_retries + 1):
            if all(self.execute_cmd(step, as_root)
                   for step in steps if step):
                break
            self._stopped.wait(CONF.process.restart_interval)
        return attempt
