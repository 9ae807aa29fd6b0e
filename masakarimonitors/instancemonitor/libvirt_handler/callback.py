"""Sends the VM notification of one matched libvirt event."""
import datetime

from oslo_log import log as logging

from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.ha import masakari

LOG = logging.getLogger(__name__)


class Callback:
    """Runs in one of the notification queue's threads, so a slow or
    unreachable API never holds up libvirt's event loop."""

    def __init__(self, notifier: masakari.SendNotification | None = None):
        self.notifier = notifier or masakari.SendNotification()

    def libvirt_event_callback(self, event_id: str, detail: str,
                               domain_uuid: str, hostname: str,
                               current_time: datetime.datetime) -> None:
        # The unbalanced ')' is upstream's; operators grep for this line.
        LOG.info('Libvirt Event: type=%s, hostname=%s, uuid=%s, time=%s, '
                 'event_id=%s, detail=%s)', events.TYPE_VM, hostname,
                 domain_uuid, current_time, event_id, detail)
        event = events.vm_event(hostname, domain_uuid, event_id, detail,
                                generated_time=current_time)
        self.notifier.send_notification(CONF.callback.retry_max,
                                        CONF.callback.retry_interval, event)
