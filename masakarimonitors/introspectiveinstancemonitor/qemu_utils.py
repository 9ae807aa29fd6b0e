"""Guest-agent heartbeats: which domains are probed, and what a ping means.

Every sweep pings the QEMU guest agent of each running domain that has an
agent channel. Each domain has a journal: a small state machine
(discovery -> healthy -> error -> reported) with a count of consecutive
failed pings. A domain that was healthy and then fails more than
``guest_monitoring_failure_threshold`` pings in a row is reported once, as
QEMU_GUEST_AGENT_ERROR; it is not reported again until libvirt says it
STARTED, as upstream masakari-monitors does. A domain whose agent never
answered is never reported.
The journal of a domain that a complete sweep no longer finds running is
dropped, so that the journals are as many as the running domains.
"""
import contextlib
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from collections.abc import Iterator

import libvirt
import libvirt_qemu
from oslo_log import log as logging

from masakarimonitors.ha import events

LOG = logging.getLogger(__name__)

# States and inputs of the per-domain machine (names as upstream).
DISCOVERY = 'discovery'
HEALTHY = 'healthy'
ERROR = 'error'
REPORTED = 'reported'
GUEST_PINGABLE = 'guest_pingable'
GUEST_NOT_PINGABLE = 'guest_not_pingable'
REPORT = 'report'

TRANSITIONS = {
    DISCOVERY: {GUEST_PINGABLE: HEALTHY, GUEST_NOT_PINGABLE: DISCOVERY},
    HEALTHY: {GUEST_PINGABLE: HEALTHY, GUEST_NOT_PINGABLE: ERROR},
    ERROR: {GUEST_PINGABLE: HEALTHY, GUEST_NOT_PINGABLE: ERROR,
            REPORT: REPORTED},
    REPORTED: {GUEST_PINGABLE: DISCOVERY, GUEST_NOT_PINGABLE: REPORTED},
}

GUEST_PING = '{"execute": "guest-ping"}'
# Upstream keeps journals in a cache whose entries expire a week after
# they were made; the domain then starts over in discovery. Kept so a
# long-running monitor behaves the same.
JOURNAL_LIFETIME = 7 * 24 * 3600


class InvalidTransition(Exception):
    pass


class DomainLocked(Exception):
    pass


class Journal:
    """One domain's heartbeat state."""

    def __init__(self, uuid: str, created: float) -> None:
        LOG.debug('%s:Journal:__init__:', uuid)
        self.uuid = uuid
        self.created = created
        self.state = DISCOVERY
        self.failedCount = 0
        self.sent_notification = False
        # Bumped by reset(), so work begun before it can tell.
        self.generation = 0

    def feed(self, event: str) -> str:
        try:
            self.state = TRANSITIONS[self.state][event]
        except KeyError:
            raise InvalidTransition(
                f"'{event}' is not valid in state '{self.state}'") from None
        return self.state

    def reset(self) -> None:
        LOG.debug('%s__resetState__:', self.uuid)
        self.state = DISCOVERY
        self.failedCount = 0
        self.sent_notification = False
        self.generation += 1


class Journals:
    """The journals of all domains, by UUID, in memory only."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 lifetime: float = JOURNAL_LIFETIME) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._journals: dict[str, Journal] = {}
        self.lock = threading.RLock()

    def get(self, uuid: str) -> Journal:
        with self.lock:
            now = self._clock()
            journal = self._journals.get(uuid)
            if journal is None or now - journal.created >= self._lifetime:
                journal = self._journals[uuid] = Journal(uuid, now)
            return journal

    def reset(self, uuid: str) -> None:
        with self.lock:
            self.get(uuid).reset()

    def keep_only(self, uuids: set[str]) -> None:
        """Drops the journals of every other domain."""
        with self.lock:
            for uuid in self._journals.keys() - uuids:
                LOG.debug('%s:Journal evicted: the domain is not running.',
                          uuid)
                del self._journals[uuid]

    def is_current(self, journal: Journal, generation: int) -> bool:
        """Neither reset nor expired since ``generation`` was read."""
        with self.lock:
            return (self._journals.get(journal.uuid) is journal
                    and journal.generation == generation)

    def __contains__(self, uuid: str) -> bool:
        return uuid in self._journals


def agent_channel_path(domain_xml: str) -> str | None:
    """The agent socket the domain binds, judged by its first channel
    source only, as upstream masakari-monitors does; None when that one
    is not a bound socket."""
    source = ET.fromstring(domain_xml).find('devices/channel/source')
    if source is None or source.get('mode') != 'bind':
        return None
    return source.get('path')


def ping(domain, timeout: int) -> str | None:
    """The agent's answer to guest-ping, or None when it gives none (the
    global libvirt error handler has logged why)."""
    try:
        return libvirt_qemu.qemuAgentCommand(domain, GUEST_PING, timeout, 0)
    except libvirt.libvirtError:
        return None


class GuestChecker:
    """Pings the agent of each qualifying domain and acts on the answers.

    ``notifier`` is a SendNotification; ``ping(domain, timeout)`` returns
    the agent's answer or None; ``hostname()`` names this host in
    notifications (upstream masakari-monitors uses the system's name, not
    [DEFAULT] hostname; kept so notifications name the same host).

    Pings and notifications run without the journals' lock, so that the
    libvirt event thread can reset a journal at any time; work on a
    journal reset meanwhile is dropped.
    """

    def __init__(self, notifier, conf,
                 ping: Callable = ping,
                 journals: Journals | None = None,
                 hostname: Callable[[], str] = socket.gethostname) -> None:
        self.notifier = notifier
        self.conf = conf
        self.ping = ping
        self.journals = journals or Journals()
        self.hostname = hostname
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()

    @property
    def _options(self):
        return self.conf.introspectiveinstancemonitor

    def check_guests(self, conn) -> None:
        """One sweep over the active domains of ``conn``; when every one
        of them was seen, the journals of the others are dropped."""
        try:
            seen = [self._check_domain_id(conn, domain_id)
                    for domain_id in conn.listDomainsID()]
        except Exception:
            LOG.warning('Exception during guest checks.', exc_info=True)
            return
        # A domain missing from the list was not running when it was
        # taken: if it starts meanwhile, its STARTED event resets its
        # journal anyway, so dropping it changes nothing.
        if None not in seen:
            self.journals.keep_only(set(seen))

    def _check_domain_id(self, conn, domain_id: int) -> str | None:
        """Probes the domain if it qualifies; its UUID, or None when
        libvirt failed to tell."""
        try:
            domain = conn.lookupByID(domain_id)
            uuid = domain.UUIDString()
            if self.qualifies(domain):
                with self._domain_lock(uuid):
                    answer = self.ping(
                        domain, self._options.guest_monitoring_timeout)
                    if answer is not None:
                        self._pingable(uuid)
                    else:
                        self._not_pingable(uuid)
            return uuid
        except libvirt.libvirtError as e:
            LOG.warning('%s', e)
            return None

    def qualifies(self, domain) -> bool:
        """Running, and its first channel source binds a socket whose path
        matches qemu_guest_agent_sock_path."""
        # Paused domains are left alone, and so are their journals.
        if domain.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            return False
        try:
            path = agent_channel_path(domain.XMLDesc(0))
            pattern = self._options.qemu_guest_agent_sock_path
            return path is not None and re.match(pattern, path) is not None
        except Exception:
            LOG.warning('Failed to check QEMU guest agent presence.',
                        exc_info=True)
            return False

    @contextlib.contextmanager
    def _domain_lock(self, uuid: str) -> Iterator[None]:
        # Upstream takes a non-blocking lock per domain; a busy one aborts
        # the sweep. Sweeps never overlap here, so it is only a guard.
        with self._busy_lock:
            if uuid in self._busy:
                raise DomainLocked(f'masakarimonitors-{uuid}')
            self._busy.add(uuid)
        try:
            yield
        finally:
            with self._busy_lock:
                self._busy.discard(uuid)

    def _pingable(self, uuid: str) -> None:
        with self.journals.lock:
            journal = self.journals.get(uuid)
            journal.failedCount = 0
            journal.feed(GUEST_PINGABLE)

    def _not_pingable(self, uuid: str) -> None:
        LOG.debug('%s\tqemu-ga_guest-ping is not responding.', uuid)
        threshold = self._options.guest_monitoring_failure_threshold
        with self.journals.lock:
            journal = self.journals.get(uuid)
            generation = journal.generation
            crossing = (journal.state == ERROR
                        and journal.failedCount > threshold)
            if crossing:
                LOG.debug('_thresholdsCrossing:%s', uuid)
                LOG.debug('%s', journal.failedCount)
        if crossing:
            self._notify(journal, generation)
        with self.journals.lock:
            if not self.journals.is_current(journal, generation):
                return
            journal.feed(GUEST_NOT_PINGABLE)
            if journal.state == ERROR:
                journal.failedCount += 1

    def _notify(self, journal: Journal, generation: int) -> None:
        uuid = journal.uuid
        try:
            if journal.sent_notification:
                LOG.debug('notifier.send_notification Skipped:%s', uuid)
                return
            event = events.vm_event(self.hostname(), uuid,
                                    events.EVENT_QEMU_GUEST_AGENT_ERROR,
                                    events.DETAIL_STOPPED_FAILED)
            self.notifier.send_notification(
                self.conf.callback.retry_max,
                self.conf.callback.retry_interval, event)
            with self.journals.lock:
                if self.journals.is_current(journal, generation):
                    journal.feed(REPORT)
                    journal.sent_notification = True
        except Exception:
            LOG.warning('Failed to send notification for instance %s in '
                        '%s.', uuid, '_notify', exc_info=True)
