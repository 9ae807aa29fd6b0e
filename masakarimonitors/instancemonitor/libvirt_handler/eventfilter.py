"""Decides which libvirt domain events are reported."""
import socket

from oslo_log import log as logging

from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.instancemonitor.libvirt_handler import callback
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter_table
from masakarimonitors.instancemonitor.libvirt_handler import notification_queue

LOG = logging.getLogger(__name__)

# Upstream's message carries its source indentation in two places; the
# runs of 13 spaces are kept so existing log parsers keep matching.
_GAP = ' ' * 13
_RECEIVED = ('libvirt Event Received.type = %s' + _GAP +
             'hostname = %s uuid = %s time = %s eventID = %s eventType = %s'
             + _GAP + 'detail = %s')


class EventFilter:
    def __init__(self, notifier=None) -> None:
        self.callback = callback.Callback(notifier)
        self.queue = notification_queue.NotificationQueue(
            self.callback.libvirt_event_callback)

    def vir_event_filter(self, event_id: int, event_type: int, detail: int,
                         domain_uuid: str) -> None:
        """Queue a notification for a listed event; drop the others."""
        hostname = CONF.hostname or socket.gethostname()
        current_time = events.utcnow()
        LOG.debug(_RECEIVED, events.TYPE_VM, hostname, domain_uuid,
                  current_time, event_id, event_type, detail)
        try:
            event_name, by_type = eventfilter_table.EVENT_FILTER[event_id]
            details = by_type[event_type]
            if detail not in details:
                LOG.debug('Event Filter Unmatched.')
                return
            LOG.debug('Event Filter Matched.')
            detail_name = details[detail]
            self.queue.put(domain_uuid, (event_name, detail_name),
                           (event_name, detail_name, domain_uuid, hostname,
                            current_time))
        except KeyError:
            LOG.debug('virEventFilter KeyError')
        except IndexError:
            LOG.debug('virEventFilter IndexError')
        except TypeError:
            LOG.debug('virEventFilter TypeError')
        except Exception as e:
            LOG.debug('Unexpected error: %s', type(e))
            raise
