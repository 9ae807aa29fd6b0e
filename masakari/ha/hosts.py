"""Hosts of a failover segment. A host must be a Nova compute service."""
from masakari import compute
from masakari import exception
from masakari import notifications
from masakari import objects
from masakari.db import api as db


def _data(row) -> dict:
    return {'id': row.id, 'uuid': row.uuid, 'name': row.name,
            'type': row.type, 'reserved': bool(row.reserved),
            'control_attributes': row.control_attributes,
            'on_maintenance': bool(row.on_maintenance),
            'failover_segment': objects.segment(row.failover_segment)}


def create(context, segment_uuid: str, values: dict):
    segment = db.segment_get_by_uuid(context, segment_uuid)
    compute.check_compute_host_exists(values['name'])
    # As upstream, both events show the new host without its id and uuid.
    data = {'reserved': False, 'on_maintenance': False, **values,
            'failover_segment': objects.segment(segment)}
    with notifications.action(context, 'host', 'create', data):
        return db.host_create(context, segment_uuid, values)


def update(context, segment_uuid: str, host_uuid: str, values: dict):
    current = db.host_get_by_uuid(context, host_uuid, segment_uuid)
    if db.segment_in_use(context, segment_uuid):
        raise exception.HostInUse(uuid=host_uuid)
    if 'name' in values:
        compute.check_compute_host_exists(values['name'])
    with notifications.action(context, 'host', 'update',
                              dict(_data(current), **values)) as event:
        row = db.host_update(context, host_uuid, segment_uuid, values)
        event['data'] = _data(row)
    return row


def delete(context, segment_uuid: str, host_uuid: str) -> None:
    current = db.host_get_by_uuid(context, host_uuid, segment_uuid)
    if db.segment_in_use(context, segment_uuid):
        raise exception.HostInUseForDelete(uuid=host_uuid)
    with notifications.action(context, 'host', 'delete', _data(current)):
        db.host_delete(context, host_uuid, segment_uuid)
