"""Sends the instance monitor's notifications from a few threads.

libvirt can deliver matched events faster than the API takes them: an
event storm, or the API down while each notification is retried for
minutes. One thread per event (upstream's way) then piles up without
bound. Here at most ``[callback] notification_threads`` threads send, and
the other notifications wait, grouped by instance:

- an instance's notifications are sent one after the other, in the order
  of their events, and a repeat that comes while one is being sent waits
  for that send to end;
- an instance has at most one waiting notification per event and detail:
  a repeat replaces the waiting one (so the latest time is sent) in its
  place, and a flapping instance cannot crowd out the others;
- with notifications of ``[callback] notification_queue_size`` instances
  waiting, those of a further instance are dropped.

The first replacement and the first drop of a backlog are logged, and once
nothing waits any more, how many there were.
"""
import threading
from collections.abc import Callable

from oslo_log import log as logging

from masakarimonitors.conf import CONF

LOG = logging.getLogger(__name__)

# (payload event, payload vir_domain_event)
Kind = tuple[str, str]


class NotificationQueue:
    def __init__(self, send: Callable[..., None]) -> None:
        """``send(*arguments)`` sends one notification, retries included."""
        self._send = send
        self._lock = threading.Lock()
        # Instance uuid -> its waiting notifications, both in the order they
        # came: the instance waiting longest comes first.
        self._waiting: dict[str, dict[Kind, tuple]] = {}
        # Instances with a notification being sent.
        self._sending: set[str] = set()
        self._senders = 0
        self._started = 0
        self._replaced = 0
        self._dropped = 0

    def put(self, instance_uuid: str, kind: Kind, arguments: tuple) -> None:
        """Queue one notification; never blocks libvirt's event loop."""
        with self._lock:
            waiting = self._waiting.get(instance_uuid)
            first = waiting is None
            if first:
                if len(self._waiting) >= \
                        CONF.callback.notification_queue_size:
                    self._drop(instance_uuid, kind)
                    return
                waiting = self._waiting[instance_uuid] = {}
            elif kind in waiting:
                self._replaced += 1
                if self._replaced == 1:
                    LOG.info('A notification for instance %s (%s %s) is '
                             'already waiting to be sent; the later one '
                             'replaces it. Until no notification waits, '
                             'such replacements are only counted.',
                             instance_uuid, *kind)
            waiting[kind] = arguments
            # A running sender takes every waiting instance before it
            # ends; none runs only after a thread failed to start.
            start = (instance_uuid not in self._sending
                     and (first or self._senders == 0)
                     and self._senders < CONF.callback.notification_threads)
            if start:
                self._senders += 1
                self._started += 1
                name = f'notify-{self._started}'
        if start:
            self._start_sender(name)

    def _drop(self, instance_uuid: str, kind: Kind) -> None:
        self._dropped += 1
        if self._dropped == 1:
            LOG.warning('Dropped the notification for instance %s (%s %s): '
                        'notifications of %d instances are waiting to be '
                        'sent already. Until no notification waits, further '
                        'drops are only counted.', instance_uuid, *kind,
                        len(self._waiting))

    def _start_sender(self, name: str) -> None:
        try:
            threading.Thread(target=self._run_sender, name=name,
                             daemon=True).start()
        except RuntimeError as e:
            # Out of threads (RLIMIT_NPROC, memory): what waits is sent
            # by a sender started at a later notification.
            with self._lock:
                self._senders -= 1
                waiting = len(self._waiting)
            LOG.error('Could not start a thread to send notifications '
                      '(%s); notifications of %d instances wait.', e,
                      waiting)

    def _run_sender(self) -> None:
        instance_uuid = None
        while True:
            with self._lock:
                self._sending.discard(instance_uuid)
                instance_uuid = self._next_instance()
                if instance_uuid is None:
                    self._senders -= 1
                    if not self._waiting:
                        self._log_backlog_end()
                    return
                waiting = self._waiting[instance_uuid]
                kind = next(iter(waiting))
                arguments = waiting.pop(kind)
                if not waiting:
                    del self._waiting[instance_uuid]
                self._sending.add(instance_uuid)
            try:
                self._send(*arguments)
            except Exception:
                LOG.exception('Failed to send the notification for instance '
                              '%s (%s %s).', instance_uuid, *kind)

    def _next_instance(self) -> str | None:
        # Instances being sent are at most notification_threads, so this
        # looks at no more than that many + 1.
        for instance_uuid in self._waiting:
            if instance_uuid not in self._sending:
                return instance_uuid
        return None

    def _log_backlog_end(self) -> None:
        if self._dropped or self._replaced:
            LOG.log(logging.WARNING if self._dropped else logging.INFO,
                    'No notification waits any more; since the backlog '
                    'began, replaced by a later one: %d, dropped: %d.',
                    self._replaced, self._dropped)
        self._dropped = self._replaced = 0
