"""/v1/notifications/{notification_id}/vmoves (served at every
microversion, as upstream)."""
from oslo_utils import uuidutils

from masakari import exception
from masakari.api import listing
from masakari.api import views
from masakari.api.handler import expose
from masakari.db import api as db

RULE = 'os_masakari_api:vmoves:%s'


def _host_notification(context, notification_id: str):
    row = db.notification_get_by_uuid(context, notification_id)
    if row.type != 'COMPUTE_HOST':
        raise exception.NotificationWithoutVMoves(id=notification_id)
    return row


class VMovesController:

    @expose(RULE % 'index')
    def index(self, request, notification_id):
        query = listing.list_query(request.params)
        _host_notification(request.context, notification_id)
        filters = listing.exact_filters(request.params, ('status', 'type'))
        rows = db.vmove_get_all(request.context, notification_id, filters,
                                query)
        return {'vmoves': [views.vmove(row) for row in rows]}

    @expose(RULE % 'detail')
    def show(self, request, notification_id, vmove_id):
        _host_notification(request.context, notification_id)
        if not uuidutils.is_uuid_like(vmove_id):
            raise exception.VMoveNotFound(id=vmove_id)
        row = db.vmove_get_by_uuid(request.context, vmove_id)
        if row.notification_uuid != notification_id:
            raise exception.VMoveNotFound(id=vmove_id)
        return {'vmove': views.vmove(row)}
