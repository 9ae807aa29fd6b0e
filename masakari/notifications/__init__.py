"""Versioned notifications about API actions (topic versioned_notifications).

Each action emits ``<object>.<action>.start`` and then ``.end``, or
``.error`` carrying an ExceptionPayload, as upstream does.
"""
import contextlib
import inspect
import traceback

from masakari import objects
from masakari import rpc


def fault(error: Exception) -> dict:
    frame = inspect.trace()[-1] if inspect.trace() else None
    return objects.primitive('ExceptionPayload', '1.0', {
        'module_name': frame[0].f_globals.get('__name__', '') if frame else '',
        'function_name': frame[3] if frame else '',
        'exception': type(error).__name__,
        'exception_message': str(error),
        'traceback': ''.join(traceback.format_exception(error)),
    })


def segment_payload(segment: dict, fault=None) -> dict:
    keys = ('id', 'uuid', 'name', 'service_type', 'description',
            'recovery_method', 'enabled')
    data = {k: segment[k] for k in keys if k in segment}
    data['fault'] = fault
    return objects.primitive('SegmentApiPayload', '1.1', data)


def host_payload(host: dict, fault=None) -> dict:
    keys = ('id', 'uuid', 'name', 'type', 'reserved', 'control_attributes',
            'on_maintenance')
    data = {k: host[k] for k in keys if k in host}
    data['failover_segment'] = host['failover_segment']
    data['fault'] = fault
    return objects.primitive('HostApiPayload', '1.0', data)


def notification_payload(notification: dict, fault=None) -> dict:
    keys = ('id', 'notification_uuid', 'generated_time', 'source_host_uuid',
            'type', 'payload', 'status')
    data = {k: notification[k] for k in keys if k in notification}
    data['fault'] = fault
    return objects.primitive('NotificationApiPayload', '1.0', data)


_PAYLOADS = {'segment': segment_payload, 'host': host_payload,
             'notification': notification_payload}


def emit(context, resource: str, action: str, phase: str, data: dict,
         fault=None) -> None:
    notifier = rpc.get_notifier()
    if notifier is None or not notifier.is_enabled():
        return
    payload = _PAYLOADS[resource](data, fault)
    event_type = f'{resource}.{action}.{phase}'
    rpc.notify(context.to_dict(), event_type, payload, error=phase == 'error')


@contextlib.contextmanager
def action(context, resource: str, name: str, data: dict):
    """Emit start, then end with what the block stored in ``result['data']``
    or error with the exception that escaped it."""
    emit(context, resource, name, 'start', data)
    result = {'data': data}
    try:
        yield result
    except Exception as error:
        emit(context, resource, name, 'error', result['data'], fault(error))
        raise
    emit(context, resource, name, 'end', result['data'])
