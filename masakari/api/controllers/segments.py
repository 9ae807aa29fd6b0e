"""/v1/segments"""
from oslo_utils import strutils

from masakari.api import listing
from masakari.api import views
from masakari.api.handler import expose
from masakari.api.schemas import segments as schemas
from masakari.db import api as db
from masakari.ha import segments as ha

RULE = 'os_masakari_api:segments:%s'


def _enabled(values: dict) -> dict:
    if 'enabled' in values:
        values['enabled'] = strutils.bool_from_string(values['enabled'],
                                                      strict=True)
    return values


class SegmentsController:

    @expose(RULE % 'index')
    def index(self, request):
        query = listing.list_query(request.params)
        filters = listing.exact_filters(request.params,
                                        ('recovery_method', 'service_type'))
        listing.boolean_filter(request.params, 'enabled', filters)
        rows = db.segment_get_all(request.context, filters, query)
        return {'segments': [views.segment(row) for row in rows]}

    @expose(RULE % 'detail')
    def show(self, request, segment_id):
        return {'segment': views.segment(
            db.segment_get_by_uuid(request.context, segment_id))}

    @expose(RULE % 'create', status=201,
            schemas={(1, 0): schemas.create, (1, 2): schemas.create_v12})
    def create(self, request):
        values = _enabled(dict(request.body['segment']))
        row = ha.create(request.context, values)
        return {'segment': views.segment(row)}

    @expose(RULE % 'update',
            schemas={(1, 0): schemas.update, (1, 2): schemas.update_v12})
    def update(self, request, segment_id):
        values = _enabled(dict(request.body['segment']))
        row = ha.update(request.context, segment_id, values)
        return {'segment': views.segment(row)}

    @expose(RULE % 'delete', status=204)
    def delete(self, request, segment_id):
        ha.delete(request.context, segment_id)
