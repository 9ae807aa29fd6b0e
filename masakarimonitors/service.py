"""The daemon runner every monitor shares: config, logging, signals.

One process, no workers, native threads. The manager's ``main()`` blocks
in a thread of its own while the main thread waits for signals:
SIGTERM stops gracefully, SIGINT exits at once, SIGHUP (as a daemon)
re-reads the config files and runs ``main()`` again.
"""
import logging as std_logging
import os
import queue
import signal
import socket
import sys
import tempfile
import threading

from oslo_log import log as logging
from oslo_utils import importutils

from masakari import console_logging
from masakarimonitors import monkey_patch
from masakarimonitors.conf import CONF

LOG = logging.getLogger(__name__)
PROJECT = 'masakarimonitors'


def parse_args(argv: list[str], prog: str | None = None) -> None:
    """CLI and config files; with no --config-file, oslo.config searches
    ~/.masakarimonitors/, ~/, /etc/masakarimonitors/, /etc/."""
    logging.register_options(CONF)
    CONF(argv, project=PROJECT, prog=prog)
    console_logging.setup(CONF, PROJECT)


class Service:
    """Runs one manager's ``main()`` in a thread."""

    def __init__(self, binary: str, manager) -> None:
        self.binary = binary
        self.manager = manager
        self.thread: threading.Thread | None = None
        self.failed = threading.Event()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=self.binary,
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        LOG.info('Starting %s', self.binary)
        try:
            tempfile.TemporaryDirectory(dir=CONF.tempdir).cleanup()
        except Exception as e:
            LOG.error('Temporary directory is invalid: %s', e)
            os._exit(1)
        try:
            self.manager.init_host()
            console_logging.started()
            self.manager.main()
        except Exception:
            LOG.exception('Error starting thread.')
            self.failed.set()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the manager to stop; True once ``main()`` has returned."""
        LOG.info('Stopping %s', self.binary)
        self.manager.stop()
        if self.thread is None:
            return True
        self.thread.join(timeout or None)
        return not self.thread.is_alive()

    def reset(self) -> None:
        reset = getattr(self.manager, 'reset', None)
        if reset is not None:
            reset()


def _notify_systemd_ready() -> None:
    path = os.environ.get('NOTIFY_SOCKET')
    if not path:
        return
    if path.startswith('@'):
        path = '\0' + path[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(path)
            sock.sendall(b'READY=1')
    except OSError:
        LOG.debug('Could not notify systemd', exc_info=True)


def _is_daemon() -> bool:
    # Like oslo.service: a daemon's stdout is not its group's terminal.
    try:
        return os.getpgrp() != os.tcgetpgrp(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return True


class Launcher:
    """Waits for signals in the main thread and acts on the service."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.signals: queue.SimpleQueue[int] = queue.SimpleQueue()

    def _on_signal(self, signo, frame) -> None:
        self.signals.put(signo)

    def run(self) -> int:
        for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signo, self._on_signal)
        self.service.start()
        _notify_systemd_ready()
        while True:
            signo = self._wait()
            if signo is None:
                # main() raised: stop, and exit 0 like upstream
                # masakari-monitors, so service managers see the same
                # status.
                self.service.stop(CONF.graceful_shutdown_timeout)
                return 0
            if signo == signal.SIGINT:
                LOG.info('Caught SIGINT signal, instantaneous exiting')
                os._exit(1)
            if signo == signal.SIGHUP and _is_daemon():
                self._restart()
                continue
            return self._stop()

    def _wait(self) -> int | None:
        while True:
            try:
                return self.signals.get(timeout=0.5)
            except queue.Empty:
                if self.service.failed.is_set():
                    return None

    def _stop(self) -> int:
        if not self.service.stop(CONF.graceful_shutdown_timeout):
            LOG.info('Graceful shutdown timeout exceeded, '
                     'instantaneous exiting')
            os._exit(1)
        return 0

    def _restart(self) -> None:
        CONF.reload_config_files()
        if not self.service.stop(CONF.graceful_shutdown_timeout):
            LOG.info('Graceful shutdown timeout exceeded, '
                     'instantaneous exiting')
            os._exit(1)
        self.service.reset()
        self.service.start()


def run(binary: str, argv: list[str] | None = None) -> int:
    """Parse config, build the manager named by ``<monitor>_manager`` and
    serve until a stop signal."""
    parse_args(sys.argv[1:] if argv is None else argv)
    monkey_patch.apply(CONF)
    if CONF.log_options:
        CONF.log_opt_values(LOG, std_logging.DEBUG)
    option = binary.split('-', 1)[1] + '_manager'
    manager = importutils.import_object(CONF[option], host=CONF.hostname)
    return Launcher(Service(binary, manager)).run()
