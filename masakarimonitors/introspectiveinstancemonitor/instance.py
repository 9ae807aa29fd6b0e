"""The introspective instance monitor's manager.

Two sides: a periodic sweep that pings every qualifying domain's QEMU
guest agent (started with the manager, as upstream does), and a libvirt
event connection whose only job is to forget a domain's history when it
STARTED, so that a restarted domain can be reported again.
"""
import socket
from collections.abc import Callable

import libvirt
from oslo_log import log as logging

from masakarimonitors import libvirt_events
from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.ha import masakari
from masakarimonitors.introspectiveinstancemonitor import qemu_utils
from masakarimonitors.introspectiveinstancemonitor import scheduler

LOG = logging.getLogger(__name__)
# How long a SIGHUP waits for the sweep in progress to end.
RESET_JOIN_TIMEOUT = 30


class IntrospectiveInstanceMonitorManager:
    """``open_connection`` opens the read-write connection each sweep
    uses; ``open_read_only`` the event connection. Both default to
    libvirt's. ``start_event_loop(log)`` sets up libvirt's process-wide
    event loop and error handler. ``host``, [DEFAULT] hostname as the
    service hands it to every manager, goes unused: notifications name the
    system's host."""

    def __init__(self, host: str | None = None,
                 notifier: masakari.SendNotification | None = None,
                 open_connection: Callable | None = None,
                 open_read_only: Callable | None = None,
                 ping: Callable = qemu_utils.ping,
                 journals: qemu_utils.Journals | None = None,
                 hostname: Callable[[], str] = socket.gethostname,
                 start_event_loop: Callable = libvirt_events.start_event_loop,
                 ) -> None:
        self._open = open_connection or libvirt.open
        self._open_read_only = open_read_only or libvirt.openReadOnly
        self._hostname = hostname
        self.checker = qemu_utils.GuestChecker(
            notifier or masakari.SendNotification(), CONF, ping=ping,
            journals=journals, hostname=hostname)
        # Before the first sweep, so that its libvirt errors are logged
        # and before any event connection is opened.
        start_event_loop(LOG)
        self.events = self._event_connection()
        self.scheduler = self._scheduler()
        self.scheduler.start()

    def _event_connection(self) -> libvirt_events.EventConnection:
        return libvirt_events.EventConnection(
            CONF.libvirt.connection_uri, LOG, self._open_read_only,
            self._register)

    def _scheduler(self) -> scheduler.ThreadGroupManager:
        return scheduler.ThreadGroupManager(
            self.check_guests,
            CONF.introspectiveinstancemonitor.guest_monitoring_interval)

    def init_host(self) -> None:
        pass

    def main(self) -> None:
        """Watches domain events until stop(); libvirtd going away only
        means a new connection."""
        self.events.run()

    def stop(self) -> None:
        self.events.stop()
        self.scheduler.stop()

    def reset(self) -> None:
        """After a config reload (SIGHUP): new interval, new URI; the
        journals are kept."""
        # A sweep still pinging would overlap the new one's first.
        self.scheduler.join(timeout=RESET_JOIN_TIMEOUT)
        self.events = self._event_connection()
        self.scheduler = self._scheduler()
        self.scheduler.start()

    def check_guests(self) -> None:
        """One sweep, on a read-write connection of its own."""
        try:
            conn = self._open(CONF.libvirt.connection_uri)
        except Exception:
            LOG.warning('Exception during guest checks.', exc_info=True)
            return
        try:
            self.checker.check_guests(conn)
        finally:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    def _register(self, conn) -> list[int]:
        return [
            conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                self._lifecycle_callback, None),
            conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT,
                self._reboot_callback, None),
        ]

    def _lifecycle_callback(self, conn, dom, event, detail, opaque) -> None:
        self.on_event(libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, event, detail,
                      dom.UUIDString())

    def _reboot_callback(self, conn, dom, opaque) -> None:
        self.on_event(libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, -1, -1,
                      dom.UUIDString())

    def on_event(self, event_id: int, event_type: int, detail: int,
                 uuid: str) -> None:
        """A domain that STARTED (any detail) starts over: discovery, and
        may be reported again."""
        LOG.debug('libvirt Event Received.type = %s hostname = %s uuid = %s '
                  'time = %s eventID = %d eventType = %d detail = %d',
                  events.TYPE_VM, self._hostname(), uuid, events.utcnow(),
                  event_id, event_type, detail)
        # Upstream masakari-monitors' messages print a literal {0}; kept so
        # log searches written for upstream still match.
        try:
            if (event_id == libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE
                    and event_type == libvirt.VIR_DOMAIN_EVENT_STARTED):
                self.checker.journals.reset(uuid)
        except KeyError:
            LOG.error('virEventFilter KeyError: {0}')
        except IndexError:
            LOG.error('virEventFilter IndexError: {0}')
        except TypeError:
            LOG.error('virEventFilter TypeError: {0}')
        except Exception as e:
            LOG.error('Unexpected error: %s', type(e))
            raise
