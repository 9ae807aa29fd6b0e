"""Failover segments: create, update and delete with their notifications.

Refusals (unknown segment, segment in use) are decided before the start
event, as upstream emits no event for them; the database layer checks the
in-use rule again inside its transaction.
"""
from masakari import exception
from masakari import notifications
from masakari import objects
from masakari.db import api as db


def create(context, values: dict):
    # As upstream, both events show the new segment without its id and
    # uuid, with the defaults of the fields the request left out.
    data = {'description': None, 'enabled': True, **values}
    with notifications.action(context, 'segment', 'create', data):
        return db.segment_create(context, values)


def update(context, segment_uuid: str, values: dict):
    current = db.segment_get_by_uuid(context, segment_uuid)
    if db.segment_in_use(context, segment_uuid):
        raise exception.FailoverSegmentInUse(uuid=segment_uuid)
    data = dict(objects.segment_data(current), **values)
    with notifications.action(context, 'segment', 'update', data) as event:
        row = db.segment_update(context, segment_uuid, values)
        event['data'] = objects.segment_data(row)
    return row


def delete(context, segment_uuid: str) -> None:
    current = db.segment_get_by_uuid(context, segment_uuid)
    if db.segment_in_use(context, segment_uuid):
        raise exception.FailoverSegmentInUseForDelete(uuid=segment_uuid)
    with notifications.action(context, 'segment', 'delete',
                              objects.segment_data(current)):
        db.segment_delete(context, segment_uuid)
