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
