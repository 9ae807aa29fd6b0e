"""Rows as upstream's versioned-object primitives, the wire format of RPC
arguments and of versioned notification payloads."""
import datetime
import json

NAMESPACE = 'masakari'

NOTIFICATION_VERSION = '1.2'
SEGMENT_VERSION = '1.1'


def primitive(name: str, version: str, data: dict,
              changes: list[str] | None = None) -> dict:
    wrapped = {
        'masakari_object.name': name,
        'masakari_object.namespace': NAMESPACE,
        'masakari_object.version': version,
        'masakari_object.data': data,
    }
    if changes is not None:
        wrapped['masakari_object.changes'] = changes
    return wrapped


def iso_time(value: datetime.datetime | None) -> str | None:
    """oslo.versionedobjects' DateTime field format for naive UTC times."""
    if value is None:
        return None
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def _bookkeeping(row) -> dict:
    return {'created_at': iso_time(row.created_at),
            'updated_at': iso_time(row.updated_at),
            'deleted_at': iso_time(row.deleted_at),
            'deleted': bool(row.deleted)}


def segment_data(row) -> dict:
    return {'id': row.id, 'uuid': row.uuid, 'name': row.name,
            'service_type': row.service_type,
            'enabled': True if row.enabled is None else bool(row.enabled),
            'description': row.description,
            'recovery_method': row.recovery_method}


def segment(row) -> dict:
    return primitive('FailoverSegment', SEGMENT_VERSION,
                     dict(segment_data(row), **_bookkeeping(row)))


def _payload(text: str | None) -> dict:
    # Rows written around the API (an old API, by hand) may hold anything.
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def notification(row) -> dict:
    data = {
        'id': row.id,
        'notification_uuid': row.notification_uuid,
        'generated_time': iso_time(row.generated_time),
        'source_host_uuid': row.source_host_uuid,
        'type': row.type,
        'payload': _payload(row.payload),
        'status': row.status,
        'failover_segment_uuid': row.failover_segment_uuid,
        'message': row.message,
        **_bookkeeping(row),
    }
    return primitive('Notification', NOTIFICATION_VERSION, data)
