"""The periodic guest sweep: a plain thread at a fixed rate.

Start to start, like oslo.service's fixed-interval looping call that
upstream uses: the first run is immediate, and a run that outlasts the
interval is logged and followed at once by the next.
"""
import threading
import time
from collections.abc import Callable

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class ThreadGroupManager:
    """Calls ``task()`` every ``interval`` seconds in a daemon thread."""

    def __init__(self, task: Callable[[], None], interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.task = task
        self.interval = interval
        self._clock = clock
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run,
                                        name='introspective-guest-checks',
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends the loop; a sweep in progress is not interrupted."""
        self._stopped.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.is_set():
            started = self._clock()
            self._service_task()
            delay = self._clock() - started - self.interval
            if delay > 0:
                LOG.warning('Function %r run outlasted interval by %.2f sec',
                            self._name(), delay)
            self._stopped.wait(max(-delay, 0))

    def _service_task(self) -> None:
        try:
            self.task()
        except Exception:
            # One failed sweep must not end the monitoring.
            LOG.exception('Unexpected error in the guest checks.')

    def _name(self) -> str:
        return f'{__name__}.{type(self).__name__}._service_task'
