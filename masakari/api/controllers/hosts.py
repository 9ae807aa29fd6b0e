"""/v1/segments/{segment_id}/hosts"""
from oslo_utils import strutils
from oslo_utils import uuidutils

from masakari import exception
from masakari.api import listing
from masakari.api import views
from masakari.api.handler import expose
from masakari.api.schemas import hosts as schemas
from masakari.db import api as db
from masakari.ha import hosts as ha

RULE = 'os_masakari_api:os-hosts:%s'


def _booleans(values: dict) -> dict:
    for key in ('reserved', 'on_maintenance'):
        if key in values:
            values[key] = strutils.bool_from_string(values[key], strict=True)
    return values


class HostsController:

    @expose(RULE % 'index')
    def index(self, request, segment_id):
        query = listing.list_query(request.params)
        db.segment_get_by_uuid(request.context, segment_id)
        # name and control_attributes are accepted and ignored, as upstream.
        filters = listing.exact_filters(request.params, ('type',))
        listing.boolean_filter(request.params, 'on_maintenance', filters)
        listing.boolean_filter(request.params, 'reserved', filters)
        rows = db.host_get_all(request.context, segment_id, filters, query)
        return {'hosts': [views.host(row) for row in rows]}

    @expose(RULE % 'detail')
    def show(self, request, segment_id, host_id):
        if not uuidutils.is_uuid_like(host_id):
            raise exception.HostNotFound(id=host_id)
        return {'host': views.host(
            db.host_get_by_uuid(request.context, host_id, segment_id))}

    @expose(RULE % 'create', status=201, schemas={(1, 0): schemas.create})
    def create(self, request, segment_id):
        values = _booleans(dict(request.body['host']))
        row = ha.create(request.context, segment_id, values)
        return {'host': views.host(row)}

    @expose(RULE % 'update', schemas={(1, 0): schemas.update})
    def update(self, request, segment_id, host_id):
        values = _booleans(dict(request.body['host']))
        row = ha.update(request.context, segment_id, host_id, values)
        return {'host': views.host(row)}

    @expose(RULE % 'delete', status=204)
    def delete(self, request, segment_id, host_id):
        ha.delete(request.context, segment_id, host_id)
