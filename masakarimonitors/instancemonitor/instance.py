"""The instancemonitor manager: libvirt domain events to VM notifications.

One read-only libvirt connection with callbacks for the nine domain events
listed in DOMAIN_EVENTS; every callback hands (event id, type, detail,
domain uuid) to the event filter. When libvirtd goes away the connection
is opened again, also when libvirtd stays away for a while (upstream
masakari-monitors exits then; see doc/source/divergences.rst).
"""
import libvirt
from oslo_log import log as logging

from masakarimonitors import libvirt_events
from masakarimonitors.conf import CONF
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter_table

LOG = logging.getLogger(__name__)

NO_VALUE = eventfilter_table.NO_VALUE

# The callbacks, in upstream's registration order, and where the filter's
# event_type and detail sit among each callback's arguments after
# (conn, dom); None passes -1.
DOMAIN_EVENTS: list[tuple[int, int | None, int | None]] = [
    # (conn, dom, event, detail)
    (libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, 0, 1),
    # (conn, dom)
    (libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, None, None),
    # (conn, dom, utcoffset)
    (libvirt.VIR_DOMAIN_EVENT_ID_RTC_CHANGE, None, None),
    # (conn, dom, srcpath, devalias, action)
    (libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR, 2, None),
    # (conn, dom, action)
    (libvirt.VIR_DOMAIN_EVENT_ID_WATCHDOG, 0, None),
    # (conn, dom, phase, local, remote, authScheme, subject)
    (libvirt.VIR_DOMAIN_EVENT_ID_GRAPHICS, None, 0),
    # (conn, dom, oldSrcPath, newSrcPath, devAlias, reason)
    (libvirt.VIR_DOMAIN_EVENT_ID_DISK_CHANGE, None, None),
    # (conn, dom, srcpath, devalias, action, reason)
    (libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, None, None),
    # (conn, dom)
    (libvirt.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR, None, None),
]
_POSITIONS = {event_id: (type_at, detail_at)
              for event_id, type_at, detail_at in DOMAIN_EVENTS}

# What openAuth may be asked for; libvirt's auth file answers the real
# requests (SASL), so the callback only accepts an empty one.
_CREDENTIAL_TYPES = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT,
                     libvirt.VIR_CRED_REALM, libvirt.VIR_CRED_PASSPHRASE,
                     libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_EXTERNAL]


def _authenticate(credentials: list, user_data) -> int:
    if len(credentials) == 0:
        return 0
    raise Exception('Can not handle authentication request for %d '
                    'credentials' % len(credentials))


def open_connection(uri: str) -> libvirt.virConnect:
    return libvirt.openAuth(uri, [_CREDENTIAL_TYPES, _authenticate, None],
                            libvirt.VIR_CONNECT_RO)


class InstancemonitorManager:
    # The service builds every manager with host=[DEFAULT] hostname; the
    # event filter reads the option itself.
    def __init__(self, host: str | None = None, notifier=None) -> None:
        self.event_filter = eventfilter.EventFilter(notifier)
        self._connection = libvirt_events.EventConnection(
            CONF.libvirt.connection_uri, LOG, open_connection,
            self._register_callbacks)

    def init_host(self) -> None:
        pass

    def main(self) -> None:
        """Watch libvirt until stop(); survives libvirtd restarts."""
        # Read here, not at construction: SIGHUP re-reads the config.
        uri = CONF.libvirt.connection_uri
        self._connection.uri = uri
        LOG.debug('Using uri:%s', uri)
        libvirt_events.start_event_loop(LOG)
        self._connection.run()

    def stop(self) -> None:
        self._connection.stop()

    def reset(self) -> None:
        self._connection.reset()

    def _register_callbacks(self, conn: libvirt.virConnect) -> list[int]:
        callback_ids = [
            conn.domainEventRegisterAny(None, event_id,
                                        self._domain_event, event_id)
            for event_id, _, _ in DOMAIN_EVENTS]
        LOG.debug('Registered libvirt event callbacks %s on %s.',
                  callback_ids, self._connection.uri)
        return callback_ids

    def _domain_event(self, conn, dom, *args) -> None:
        # libvirt passes the registration's opaque (the event id) last.
        *arguments, event_id = args
        type_at, detail_at = _POSITIONS[event_id]
        event_type = NO_VALUE if type_at is None else arguments[type_at]
        detail = NO_VALUE if detail_at is None else arguments[detail_at]
        self.event_filter.vir_event_filter(event_id, event_type, detail,
                                           dom.UUIDString())
