"""/v1/extensions: legacy discovery of the API's parts."""
from masakari import exception
from masakari import policy
from masakari.api.handler import expose

RULE = 'os_masakari_api:extensions:%s'

EXTENSIONS = [
    ('extensions', 'Extensions', 'Extension information.'),
    ('notifications', 'Notifications', 'Notifications support.'),
    ('os-hosts', 'Hosts', 'Hosts controller'),
    ('segments', 'Segments', 'Segments Extension.'),
    ('versions', 'Versions', 'API Version information.'),
    ('vmoves', 'vmoves', 'vmoves controller'),
]


def _discoverable(context):
    for alias, name, description in EXTENSIONS:
        if policy.check(context, f'os_masakari_api:{alias}:discoverable'):
            yield {'name': name, 'alias': alias, 'description': description,
                   'namespace': '', 'updated': '', 'links': []}


class ExtensionsController:

    @expose(RULE % 'index')
    def index(self, request):
        return {'extensions': list(_discoverable(request.context))}

    @expose(RULE % 'detail')
    def show(self, request, alias):
        for extension in _discoverable(request.context):
            if extension['alias'] == alias:
                return {'extension': extension}
        raise exception.NotFound('The resource could not be found.')
