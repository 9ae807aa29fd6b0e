"""/v1/notifications"""
from masakari import exception
from masakari.api import listing
from masakari.api import validation
from masakari.api import views
from masakari.api.handler import expose
from masakari.api.schemas import notifications as schemas
from masakari.db import api as db
from masakari.ha import notifications as ha

RULE = 'os_masakari_api:notifications:%s'


def _generated_since(params, filters: dict) -> None:
    # The hyphenated spelling is the one upstream reads.
    if 'generated-since' not in params:
        return
    try:
        filters['generated-since'] = ha.utc_naive(params['generated-since'])
    except Exception:
        raise exception.Invalid('Invalid generated-since value')


class NotificationsController:

    @expose(RULE % 'index')
    def index(self, request):
        query = listing.list_query(request.params)
        filters = listing.exact_filters(
            request.params, ('status', 'source_host_uuid', 'type'))
        _generated_since(request.params, filters)
        rows = db.notification_get_all(request.context, filters, query)
        return {'notifications': [views.notification(row) for row in rows]}

    @expose(RULE % 'detail')
    def show(self, request, notification_id):
        row = db.notification_get_by_uuid(request.context, notification_id)
        body = views.notification(row)
        if request.at_least(1, 1):
            body['recovery_workflow_details'] = ha.recovery_workflow_details(
                request.context, row)
        return {'notification': body}

    @expose(RULE % 'create', status=202, schemas={(1, 0): schemas.create})
    def create(self, request):
        notification = request.body['notification']
        validation.validate(schemas.payloads[notification['type']],
                            notification['payload'])
        row = ha.create(request.context, notification)
        return {'notification': views.notification(row)}
