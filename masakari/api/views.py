"""Response representations of the four resources."""
import datetime
import json


def timestamp(value: datetime.datetime | None) -> str | None:
    # Stored times are naive UTC: this is YYYY-MM-DDTHH:MM:SS.ffffff.
    return value.isoformat(timespec='microseconds') if value is not None else None


def _bookkeeping(row) -> dict:
    # Deleted rows are never shown, so these two are constant.
    return {'created_at': timestamp(row.created_at),
            'updated_at': timestamp(row.updated_at),
            'deleted_at': None,
            'deleted': False}


def segment(row) -> dict:
    return {
        'id': row.id,
        'uuid': row.uuid,
        'name': row.name,
        'service_type': row.service_type,
        'enabled': True if row.enabled is None else bool(row.enabled),
        'description': row.description,
        'recovery_method': row.recovery_method,
        **_bookkeeping(row),
    }


def host(row) -> dict:
    return {
        'id': row.id,
        'uuid': row.uuid,
        'name': row.name,
        'failover_segment_id': row.failover_segment_id,
        'failover_segment': segment(row.failover_segment),
        'type': row.type,
        'reserved': bool(row.reserved),
        'control_attributes': row.control_attributes,
        'on_maintenance': bool(row.on_maintenance),
        **_bookkeeping(row),
    }


def notification(row) -> dict:
    return {
        'id': row.id,
        'notification_uuid': row.notification_uuid,
        'generated_time': timestamp(row.generated_time),
        'source_host_uuid': row.source_host_uuid,
        'type': row.type,
        'payload': json.loads(row.payload) if row.payload else {},
        'status': row.status,
        'failover_segment_uuid': row.failover_segment_uuid,
        'message': row.message,
        **_bookkeeping(row),
    }


def vmove(row) -> dict:
    return {
        'id': row.id,
        'uuid': row.uuid,
        'notification_uuid': row.notification_uuid,
        'instance_uuid': row.instance_uuid,
        'instance_name': row.instance_name,
        'source_host': row.source_host,
        'dest_host': row.dest_host,
        'start_time': timestamp(row.start_time),
        'end_time': timestamp(row.end_time),
        'type': row.type,
        'status': row.status,
        'message': row.message,
        **_bookkeeping(row),
    }
