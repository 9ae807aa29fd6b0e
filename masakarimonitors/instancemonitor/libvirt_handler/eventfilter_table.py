"""Which libvirt domain events become a VM notification.

``EVENT_FILTER[event_id]`` is the payload ``event`` name and, per
``event_type``, the accepted details with their ``vir_domain_event``
names. Callbacks that carry no type or detail pass -1. An id
or type missing here is a lookup miss; a known type with an unlisted
detail is "unmatched". Both are dropped.
"""
import libvirt

from masakarimonitors.ha import events

# The -1 a callback passes for an input it does not have.
NO_VALUE = -1

EVENT_FILTER: dict[int, tuple[str, dict[int, dict[int, str]]]] = {
    libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE: (events.EVENT_LIFECYCLE, {
        libvirt.VIR_DOMAIN_EVENT_SUSPENDED: {
            libvirt.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR:
                events.DETAIL_SUSPENDED_IOERROR,
            libvirt.VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG:
                events.DETAIL_SUSPENDED_WATCHDOG,
            libvirt.VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR:
                events.DETAIL_SUSPENDED_API_ERROR,
        },
        libvirt.VIR_DOMAIN_EVENT_STOPPED: {
            libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
                events.DETAIL_STOPPED_SHUTDOWN,
            libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
                events.DETAIL_STOPPED_DESTROYED,
            libvirt.VIR_DOMAIN_EVENT_STOPPED_FAILED:
                events.DETAIL_STOPPED_FAILED,
        },
        libvirt.VIR_DOMAIN_EVENT_SHUTDOWN: {
            libvirt.VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED:
                events.DETAIL_SHUTDOWN_FINISHED,
        },
    }),
    libvirt.VIR_DOMAIN_EVENT_ID_REBOOT: (events.EVENT_REBOOT, {
        NO_VALUE: {NO_VALUE: events.DETAIL_UNKNOWN},
    }),
    libvirt.VIR_DOMAIN_EVENT_ID_WATCHDOG: (events.EVENT_WATCHDOG, {
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_NONE:
            {NO_VALUE: events.DETAIL_WATCHDOG_NONE},
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_PAUSE:
            {NO_VALUE: events.DETAIL_WATCHDOG_PAUSE},
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_RESET:
            {NO_VALUE: events.DETAIL_WATCHDOG_RESET},
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_POWEROFF:
            {NO_VALUE: events.DETAIL_WATCHDOG_POWEROFF},
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_SHUTDOWN:
            {NO_VALUE: events.DETAIL_WATCHDOG_SHUTDOWN},
        libvirt.VIR_DOMAIN_EVENT_WATCHDOG_DEBUG:
            {NO_VALUE: events.DETAIL_WATCHDOG_DEBUG},
    }),
    libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR: (events.EVENT_IO_ERROR, {
        libvirt.VIR_DOMAIN_EVENT_IO_ERROR_NONE:
            {NO_VALUE: events.DETAIL_IO_ERROR_NONE},
        libvirt.VIR_DOMAIN_EVENT_IO_ERROR_PAUSE:
            {NO_VALUE: events.DETAIL_IO_ERROR_PAUSE},
        libvirt.VIR_DOMAIN_EVENT_IO_ERROR_REPORT:
            {NO_VALUE: events.DETAIL_IO_ERROR_REPORT},
    }),
    libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: (
        events.EVENT_IO_ERROR_REASON, {
            NO_VALUE: {NO_VALUE: events.DETAIL_UNKNOWN},
        }),
    libvirt.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR: (events.EVENT_CONTROL_ERROR, {
        NO_VALUE: {NO_VALUE: events.DETAIL_UNKNOWN},
    }),
}
