"""Sends the instance monitor's notifications from a few threads.

libvirt can deliver matched events faster than the API takes them: an
event storm, or the API down while each notification is retried for
minutes. One thread per event (upstream's way) then piles up without
bound. Here at most ``[callback] notification_threads`` threads send, and
the other notifications wait, one per (instance, event, detail):

- a repeat of a waiting notification replaces it (so the latest time is
  sent) and keeps its place, so a flapping instance cannot crowd out the
  others;
- a notification is never sent twice at once: a repeat that comes while
  it is being sent waits for that send to end;
- with ``[callback] notification_queue_size`` waiting, a new one is
  dropped.

The first replacement and the first drop of a backlog are logged, and once
nothing waits any more, how many there were.
"""
import threading
from collections.abc import Callable

from oslo_log import log as logging

from masakarimonitors.conf import CONF

LOG = logging.getLogger(__name__)

# (instance uuid, payload event, payload vir_domain_event)
Key = tuple[str, str, str]


class NotificationQueue:
    def __init__(self, send: Callable[..., None]) -> None:
        """``send(*arguments)`` sends one notification, retries included."""
        self._send = send
        self._lock = threading.Lock()
        # Insertion-ordered: the oldest waiting notification comes first.
        self._waiting: dict[Key, tuple] = {}
        self._sending: set[Key] = set()
        self._senders = 0
        self._started = 0
        self._replaced = 0
        self._dropped = 0

    def put(self, key: Key, arguments: tuple) -> None:
        """Queue one notification; never blocks libvirt's event loop."""
        with self._lock:
            if key in self._waiting:
                self._waiting[key] = arguments
                self._replaced += 1
                if self._replaced == 1:
                    LOG.info('A notification for instance %s (%s %s) is '
                             'already waiting to be sent; the later one '
                             'replaces it. Until no notification waits, '
                             'such replacements are only counted.', *key)
                return
            if len(self._waiting) >= CONF.callback.notification_queue_size:
                self._dropped += 1
                if self._dropped == 1:
                    LOG.warning('Dropped the notification for instance %s '
                                '(%s %s): %d notifications are waiting to be '
                                'sent already. Until no notification waits, '
                                'further drops are only counted.',
                                *key, len(self._waiting))
                return
            self._waiting[key] = arguments
            start = (key not in self._sending and self._senders
                     < CONF.callback.notification_threads)
            if start:
                self._senders += 1
                self._started += 1
                name = f'notify-{self._started}'
        if start:
            self._start_sender(name)

    def _start_sender(self, name: str) -> None:
        try:
            threading.Thread(target=self._run_sender, name=name,
                             daemon=True).start()
        except RuntimeError as e:
            # Out of threads (RLIMIT_NPROC, memory): what waits is sent
            # by a sender started for a later notification.
            with self._lock:
                self._senders -= 1
                waiting = len(self._waiting)
            LOG.error('Could not start a thread to send notifications '
                      '(%s); %d notifications wait.', e, waiting)

    def _run_sender(self) -> None:
        sent = None
        while True:
            with self._lock:
                self._sending.discard(sent)
                sent = self._next_key()
                if sent is None:
                    self._senders -= 1
                    if not self._waiting:
                        self._log_backlog_end()
                    return
                arguments = self._waiting.pop(sent)
                self._sending.add(sent)
            try:
                self._send(*arguments)
            except Exception:
                LOG.exception('Failed to send the notification for instance '
                              '%s (%s %s).', *sent)

    def _next_key(self) -> Key | None:
        # At most one waiting key per key being sent, so this looks at no
        # more than notification_threads + 1 keys.
        for key in self._waiting:
            if key not in self._sending:
                return key
        return None

    def _log_backlog_end(self) -> None:
        if self._dropped or self._replaced:
            LOG.log(logging.WARNING if self._dropped else logging.INFO,
                    'No notification waits any more; since the backlog '
                    'began, replaced by a later one: %d, dropped: %d.',
                    self._replaced, self._dropped)
        self._dropped = self._replaced = 0
