"""Everything the recovery logic does to the world, in one object.

The engine's manager and its recovery flows decide; what they do goes
through an :class:`Environment`: Nova (``nova``, the compute API), the
state they keep (``db``: notifications, hosts, vmoves; ``flow_backend``:
the flows' recorded progress), versioned notifications (``events``),
named locks (``locks``), fence devices, the clock and sleeps, and the
threads a recovery runs in. The service uses ``Environment()``, the real one;
``masakari.scenario`` gives the same logic a simulated cloud and a
virtual clock.
"""
import contextlib
import datetime
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from concurrent import futures
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

from masakari import compute
from masakari import context as masakari_context
from masakari import notifications
from masakari.db import api as db_api
from masakari.engine import locks as engine_locks
from masakari.engine import progress

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class Environment:
    """The real world: Nova through openstacksdk, the SQL database, the
    RPC notifier, the engine's locks, the system clock and native threads.

    ``db`` offers the functions of :mod:`masakari.db.api` the engine uses
    (notification_get_by_uuid, notification_update,
    notifications_with_status, host_get, host_get_by_name, host_set_state,
    reserved_host_names, vmoves_of_notification, vmove_create,
    vmove_update); ``events`` offers emit, action and fault of
    :mod:`masakari.notifications`; ``locks`` offers lock and distributed of
    :mod:`masakari.engine.locks`.
    """

    def __init__(self, nova: Any = None, db: Any = None, events: Any = None,
                 locks: Any = None):
        self.nova = nova if nova is not None else compute.API()
        self.db = db if db is not None else db_api
        self.events = events if events is not None else notifications
        self.locks = locks if locks is not None else engine_locks

    # -- the clock ------------------------------------------------------------

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def utcnow(self) -> datetime.datetime:
        """Naive UTC now, as the database stores times."""
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    def wait_until(self, done: Callable[[], bool], timeout: float, interval: float) -> bool:
        """Poll ``done`` at once, then every ``interval`` seconds, until it
        answers true (True) or more than ``timeout`` seconds have passed
        since the first poll (False)."""
        started = self.monotonic()
        while True:
            if done():
                return True
            if self.monotonic() - started > timeout:
                return False
            self.sleep(interval)

    # -- threads --------------------------------------------------------------

    def run_concurrently(self, calls: Iterable[Callable[[], None]], limit: int) -> None:
        """Run ``calls``, at most ``limit`` at a time, and wait for all.
        Each must handle its own errors."""
        with futures.ThreadPoolExecutor(max(1, limit)) as pool:
            for call in calls:
                pool.submit(call)

    @contextlib.contextmanager
    def every(self, seconds: float, call: Callable[[], None], name: str):
        """Run ``call`` every ``seconds`` while the block runs."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(seconds):
                call()

        thread = threading.Thread(target=loop, daemon=True, name=name)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    # -- fencing ----------------------------------------------------------------

    def fence_device(self, host_name: str):
        """The fence device of ``host_name`` ([fencing] devices_file, read
        again each time), with power_off, is_off and describe."""
        # Imported here: BMC clients only where fencing is used.
        from masakari import fencing
        context = masakari_context.get_admin_context()
        return fencing.device_for(host_name, service_down=lambda name: self.nova.
                                  find_compute_service(context, name).state == 'down')

    # -- recorded progress ------------------------------------------------------

    def flow_backend(self):
        """The taskflow persistence backend the flows record their progress in."""
        return progress.backend_for(CONF.taskflow.connection)

    def progress(self, task: str, message: str) -> None:
        """A task's progress line, also recorded in its flow's atom."""
        LOG.debug('%s: %s', task, message)
