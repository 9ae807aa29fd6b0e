"""Notification constants and the event dict every monitor sends."""
import datetime

# Notification types.
TYPE_PROCESS = 'PROCESS'
TYPE_COMPUTE_HOST = 'COMPUTE_HOST'
TYPE_VM = 'VM'

# Events.
EVENT_STARTED = 'STARTED'
EVENT_STOPPED = 'STOPPED'

# Host and cluster states.
HOST_STATUS_NORMAL = 'NORMAL'
HOST_STATUS_UNKNOWN = 'UNKNOWN'
CLUSTER_STATUS_ONLINE = 'ONLINE'
CLUSTER_STATUS_OFFLINE = 'OFFLINE'

# VM events (payload ``event``) and their details (``vir_domain_event``).
EVENT_LIFECYCLE = 'LIFECYCLE'
EVENT_REBOOT = 'REBOOT'
EVENT_WATCHDOG = 'WATCHDOG'
EVENT_IO_ERROR = 'IO_ERROR'
EVENT_IO_ERROR_REASON = 'IO_ERROR_REASON'
EVENT_CONTROL_ERROR = 'CONTROL_ERROR'
EVENT_QEMU_GUEST_AGENT_ERROR = 'QEMU_GUEST_AGENT_ERROR'
DETAIL_UNKNOWN = 'UNKNOWN'
DETAIL_SUSPENDED_IOERROR = 'SUSPENDED_IOERROR'
DETAIL_SUSPENDED_WATCHDOG = 'SUSPENDED_WATCHDOG'
DETAIL_SUSPENDED_API_ERROR = 'SUSPENDED_API_ERROR'
DETAIL_STOPPED_SHUTDOWN = 'STOPPED_SHUTDOWN'
DETAIL_STOPPED_DESTROYED = 'STOPPED_DESTROYED'
DETAIL_STOPPED_FAILED = 'STOPPED_FAILED'
DETAIL_SHUTDOWN_FINISHED = 'SHUTDOWN_FINISHED'
DETAIL_WATCHDOG_NONE = 'WATCHDOG_NONE'
DETAIL_WATCHDOG_PAUSE = 'WATCHDOG_PAUSE'
DETAIL_WATCHDOG_RESET = 'WATCHDOG_RESET'
DETAIL_WATCHDOG_POWEROFF = 'WATCHDOG_POWEROFF'
DETAIL_WATCHDOG_SHUTDOWN = 'WATCHDOG_SHUTDOWN'
DETAIL_WATCHDOG_DEBUG = 'WATCHDOG_DEBUG'
DETAIL_IO_ERROR_NONE = 'IO_ERROR_NONE'
DETAIL_IO_ERROR_PAUSE = 'IO_ERROR_PAUSE'
DETAIL_IO_ERROR_REPORT = 'IO_ERROR_REPORT'


def utcnow() -> datetime.datetime:
    """Naive UTC, as upstream puts it in ``generated_time``."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def build_event(notification_type: str, hostname: str, payload: dict,
                generated_time: datetime.datetime | None = None) -> dict:
    return {'notification': {
        'type': notification_type,
        'hostname': hostname,
        'generated_time': generated_time or utcnow(),
        'payload': payload,
    }}


def process_stopped(hostname: str, process_name: str) -> dict:
    """A PROCESS notification; the name is what follows the last '/'."""
    return build_event(TYPE_PROCESS, hostname, {
        'event': EVENT_STOPPED,
        'process_name': process_name.rsplit('/', 1)[-1],
    })


def compute_host(hostname: str, event: str, host_status: str,
                 cluster_status: str | None = None) -> dict:
    """A COMPUTE_HOST notification; ``cluster_status`` is left out when
    None, as the kubernetes driver sends it."""
    payload = {'event': event}
    if cluster_status is not None:
        payload['cluster_status'] = cluster_status
    payload['host_status'] = host_status
    return build_event(TYPE_COMPUTE_HOST, hostname, payload)


def vm_event(hostname: str, instance_uuid: str, event: str, detail: str,
             generated_time: datetime.datetime | None = None) -> dict:
    """A VM notification: what happened to which domain."""
    return build_event(TYPE_VM, hostname, {
        'event': event,
        'instance_uuid': instance_uuid,
        'vir_domain_event': detail,
    }, generated_time=generated_time)
