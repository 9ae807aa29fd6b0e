"""The libvirt side both instance monitors share.

libvirt's default event loop runs in one daemon thread per process; a
monitor keeps a read-only connection with its domain event callbacks open
while it runs, and opens a new one when libvirtd goes away (restart, crash,
keepalive timeout).

Without the loop no event arrives, and a monitor that looks alive but sees
nothing is the worst outcome. A failed run of the loop is logged at ERROR
and the loop goes on, keeping the monitor's state; a loop that keeps failing
or ends exits the process with status 1, so that the service manager
(Restart=on-failure in the shipped units) starts a fresh one.
"""
import os
import threading
import time
from collections.abc import Callable
from typing import NoReturn

import libvirt

# setKeepAlive(interval, count): libvirtd silent for 5 s x 3 probes counts
# as gone.
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3
# How often the connection is checked, and the pause before a new open.
ALIVE_POLL_INTERVAL = 1
RECONNECT_DELAY = 3
# The pause after a failed run of the event loop, and how many failed runs
# in a row make the process exit.
EVENT_LOOP_RETRY_DELAY = 1
EVENT_LOOP_MAX_FAILURES = 10

_loop_lock = threading.Lock()
_loop_thread: threading.Thread | None = None


def start_event_loop(log) -> None:
    """Once per process: libvirt's default event loop in its own thread,
    and a global error handler that logs every libvirt error."""
    global _loop_thread
    with _loop_lock:
        if _loop_thread is not None:
            return
        libvirt.registerErrorHandler(
            lambda ctx, error: log.warning('Error from libvirt : %s',
                                           error[2]), None)
        libvirt.virEventRegisterDefaultImpl()
        _loop_thread = threading.Thread(target=_run_event_loop, args=(log,),
                                        name='lib_virt_eventLoop',
                                        daemon=True)
        _loop_thread.start()


def _run_event_loop(log) -> NoReturn:
    """Runs libvirt's default event loop; never returns."""
    failures = 0
    try:
        while failures < EVENT_LOOP_MAX_FAILURES:
            try:
                libvirt.virEventRunDefaultImpl()
                failures = 0
            except Exception as e:
                failures += 1
                log.error('libvirt event loop failed (%d in a row): %s',
                          failures, e)
                time.sleep(EVENT_LOOP_RETRY_DELAY)
        reason = f'{failures} failures in a row'
    except BaseException as e:
        reason = repr(e)
    log.error('libvirt event loop stopped (%s); exiting with status 1 so '
              'that the service is restarted.', reason)
    os._exit(1)


class EventConnection:
    """Keeps one connection with domain event callbacks open.

    ``open_connection(uri)`` returns a connection; ``register(conn)``
    registers the callbacks and returns their ids. ``run()`` returns once
    ``stop()`` is called.
    """

    def __init__(self, uri: str, log,
                 open_connection: Callable[[str], 'libvirt.virConnect'],
                 register: Callable[['libvirt.virConnect'], list[int]]):
        self.uri = uri
        self.log = log
        self._open = open_connection
        self._register = register
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def reset(self) -> None:
        self._stopped.clear()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                conn = self._open(self.uri)
            except libvirt.libvirtError:
                # The error handler has logged libvirt's reason. Upstream
                # exits here; a monitor that waits for libvirtd to come
                # back keeps watching without an operator.
                self.log.warning('Failed to connect to %s, retrying in %s '
                                 'seconds.', self.uri, RECONNECT_DELAY)
                self._stopped.wait(RECONNECT_DELAY)
                continue
            callback_ids: list[int] = []
            try:
                callback_ids = self._register(conn)
                self._set_keepalive(conn)
                while not self._stopped.wait(ALIVE_POLL_INTERVAL):
                    if conn.isAlive() != 1:
                        break
            except libvirt.libvirtError:
                # libvirtd went away between the open and the watch (the
                # error handler has logged why): open again, do not exit.
                pass
            self.log.warning('Libvirt Connection Closed Unexpectedly.')
            for callback_id in callback_ids:
                try:
                    conn.domainEventDeregisterAny(callback_id)
                except libvirt.libvirtError:
                    self.log.debug('Failed to deregister libvirt event '
                                   'callback %s.', callback_id,
                                   exc_info=True)
            try:
                conn.close()
            except libvirt.libvirtError:
                pass
            self._stopped.wait(RECONNECT_DELAY)

    def _set_keepalive(self, conn) -> None:
        try:
            conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
        except libvirt.libvirtError as e:
            # The test driver and other in-process drivers have no
            # keepalive; their connection cannot be lost that way anyway.
            if e.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            self.log.info('Keepalive is not supported by %s; the '
                          'connection is watched without it.', self.uri)
