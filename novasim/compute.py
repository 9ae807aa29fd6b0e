"""Nova's compute API v2.1 (the parts an instance-HA service uses) over a Cloud."""
import dataclasses
import datetime
import json
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import webob

from novasim import views
from novasim.identity import Identity
from novasim.identity import Token
from novasim.identity import keystone_error
from novasim.state import COMPUTE
from novasim.state import Actor
from novasim.state import Cloud
from novasim.state import NovaError
from novasim.state import Server
from novasim.views import Version

MIN_VERSION: Version = (2, 1)
MAX_VERSION: Version = (2, 95)
MAX_LIMIT = 1000
VARY = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'

_FAULT_NAMES = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound',
                405: 'badMethod', 409: 'conflictingRequest', 413: 'overLimit',
                415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented',
                503: 'serviceUnavailable'}
_TRUE = ('1', 't', 'true', 'on', 'y', 'yes')
_FALSE = ('0', 'f', 'false', 'off', 'n', 'no')
_MALFORMED = object()


def fault_body(code: int, message: str) -> dict[str, Any]:
    """Nova's error body: ``{"itemNotFound": {"code": 404, "message": ...}}``."""
    return {_FAULT_NAMES.get(code, 'computeFault'): {'code': code, 'message': message}}


def version_headers(version: Version) -> dict[str, str]:
    text = f'{version[0]}.{version[1]}'
    return {'OpenStack-API-Version': f'compute {text}',
            'X-OpenStack-Nova-API-Version': text, 'Vary': VARY}


def version_doc(root: str) -> dict[str, Any]:
    return {
        'id': 'v2.1', 'status': 'CURRENT',
        'version': f'{MAX_VERSION[0]}.{MAX_VERSION[1]}',
        'min_version': f'{MIN_VERSION[0]}.{MIN_VERSION[1]}',
        'updated': '2013-07-23T11:33:21Z',
        'links': [{'rel': 'self', 'href': f'{root}/v2.1/'},
                  {'rel': 'describedby', 'type': 'text/html',
                   'href': 'http://docs.openstack.org/'}],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.compute+json;version=2.1'}],
    }


def negotiate(req: webob.Request) -> Version:
    """The microversion a request asks for (2.1 when it names none)."""
    text = None
    for item in req.headers.get('OpenStack-API-Version', '').split(','):
        parts = item.split()
        if len(parts) == 2 and parts[0].lower() == 'compute':
            text = parts[1]
    if text is None:
        text = req.headers.get('X-OpenStack-Nova-API-Version')
    if text is None:
        return MIN_VERSION
    if text.lower() == 'latest':
        return MAX_VERSION
    if not re.fullmatch(r'([1-9]\d*)\.([1-9]\d*|0)', text):
        raise NovaError(400, f'API Version String {text} is of invalid format. Must be of '
                             'format MajorNum.MinorNum.')
    version = views.parse_version(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NovaError(406, f'Version {text} is not supported by the API. Minimum is '
                             '{0}.{1} and maximum is {2}.{3}.'.format(*MIN_VERSION, *MAX_VERSION))
    return version


@dataclasses.dataclass
class Call:
    """One authenticated compute request."""
    req: webob.Request
    version: Version
    token: Token
    base: str
    request_id: str

    @property
    def admin(self) -> bool:
        return 'admin' in self.token.roles

    @property
    def actor(self) -> Actor:
        return Actor(self.token.user.id, self.token.project_id or '', self.request_id)

    def json(self) -> Any:
        if not self.req.body:
            return None
        try:
            return json.loads(self.req.body)
        except ValueError:
            return _MALFORMED

    def require_admin(self, rule: str) -> None:
        if not self.admin:
            raise NovaError(403, f"Policy doesn't allow {rule} to be performed.")


Handler = Callable[..., tuple[int, Any]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(pattern + '/?'), handler))
        return handler
    return register


def handle(cloud: Cloud, identity: Identity, req: webob.Request, path: str,
           request_id: str) -> webob.Response:
    """Answer a request for ``/compute<path>``."""
    root = f'{req.host_url}/compute'
    if path in ('', '/') and req.method == 'GET':
        return _json({'versions': [version_doc(root)]})
    if not path.startswith('/v2.1'):
        return _json(fault_body(404, 'The resource could not be found.'), 404)
    sub = path[len('/v2.1'):]
    if sub in ('', '/') and req.method == 'GET':
        return _json({'version': version_doc(root)})
    token = identity.validate(req.headers.get('X-Auth-Token'))
    if token is None:
        return keystone_error(401, 'The request you have made requires authentication.',
                              f'{req.host_url}/identity')
    try:
        version = negotiate(req)
    except NovaError as error:
        return _json(fault_body(error.code, error.message), error.code)
    call = Call(req, version, token, f'{root}/v2.1', request_id)
    try:
        code, body = _dispatch(cloud, call, sub)
    except NovaError as error:
        code, body = error.code, fault_body(error.code, error.message)
    response = _json(body, code) if body is not None else webob.Response(status=code)
    response.headers.update(version_headers(version))
    return response


def _dispatch(cloud: Cloud, call: Call, sub: str) -> tuple[int, Any]:
    path_matched = False
    for method, pattern, handler in _ROUTES:
        match = pattern.fullmatch(sub)
        if match is None:
            continue
        path_matched = True
        if method == call.req.method:
            with cloud.lock:
                cloud.advance()
                return handler(cloud, call, **match.groupdict())
    if path_matched:
        raise NovaError(405, 'The method specified is not allowed for this resource.')
    raise NovaError(404, 'The resource could not be found.')


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(body=json.dumps(body).encode(), status=status,
                          content_type='application/json', charset=None)


def _invalid(field: str, value: Any, message: str) -> NovaError:
    return NovaError(400, f'Invalid input for field/attribute {field}. Value: {value}. {message}')


def _check_keys(field: str, value: Any, allowed: set[str],
                required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON-schema checks Nova applies to an object in a request body."""
    if not isinstance(value, dict):
        raise _invalid(field, value, f"{value!r} is not of type 'object'")
    extra = sorted(set(value) - allowed)
    if extra:
        names = ', '.join(repr(k) for k in extra)
        verb = 'was' if len(extra) == 1 else 'were'
        raise _invalid(field, value, f'Additional properties are not allowed ({names} {verb} '
                                     'unexpected)')
    for key in required:
        if key not in value:
            raise _invalid(field, value, f"'{key}' is a required property")
    return value


def _boolean(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    raise _invalid(field, value, f'{value!r} is not of type boolean')


def _string(field: str, value: Any, max_length: int = 255) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise _invalid(field, value, f'{value!r} is not a string of 1 to {max_length} characters')
    return value


def _query_bool(value: str) -> bool:
    if value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    accepted = ', '.join(repr(v) for v in sorted(_TRUE + _FALSE))
    raise NovaError(400, f"Invalid input received: Unrecognized value '{value}', acceptable "
                         f'values are: {accepted}')


def _body(call: Call, key: str | None = None) -> Any:
    body = call.json()
    if body is _MALFORMED or (key is not None and not isinstance(body, dict)):
        raise NovaError(400, 'Malformed request body')
    if key is None:
        return body
    if key not in body:
        raise _invalid(key, body, f"'{key}' is a required property")
    return body[key]


def _query_time(field: str, text: str) -> float:
    """An ISO 8601 time in a query (UTC when it names no zone), as Nova's
    query schema checks it (format ``date-time``)."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise NovaError(400, f'Invalid input for query parameters {field}. Value: {text}. '
                             f"{text!r} is not a 'date-time'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# -- servers -------------------------------------------------------------------


def _visible_server(cloud: Cloud, call: Call, server_id: str) -> Server:
    server = cloud.get_server(server_id)
    if not call.admin and server.project_id != call.token.project_id:
        raise NovaError(404, f'Instance {server_id} could not be found.')
    return server


def _list_servers(cloud: Cloud, call: Call, detail: bool) -> tuple[int, Any]:
    query = call.req.GET
    since = None
    if 'changes-since' in query:
        since = _query_time('changes-since', query['changes-since'])
    if 'all_tenants' in query:
        all_tenants = query['all_tenants'] == '' or _query_bool(query['all_tenants'])
    else:
        all_tenants = False
    if all_tenants:
        call.require_admin(f'os_compute_api:servers:{"detail" if detail else "index"}'
                           ':get_all_tenants')
        project_id = query.get('project_id') or query.get('tenant_id')
    elif call.token.project_id is None:
        return 200, {'servers': []}
    else:
        project_id = call.token.project_id
    # Nova silently drops filters a non-admin may not use.
    host = query.get('host') if call.admin else None
    node = query.get('node') if call.admin else None
    servers = cloud.list_servers(project_id=project_id, host=host, node=node,
                                 changes_since=since)
    if 'name' in query:
        servers = [s for s in servers if re.search(query['name'], s.name)]
    if 'status' in query:
        servers = [s for s in servers if views.status(s) == query['status'].upper()]
    if 'marker' in query:
        ids = [s.id for s in servers]
        if query['marker'] not in ids:
            raise NovaError(400, f'marker [{query["marker"]}] not found')
        servers = servers[ids.index(query['marker']) + 1:]
    limit = MAX_LIMIT
    if 'limit' in query:
        if not query['limit'].isdigit():
            raise NovaError(400, 'limit param must be an integer')
        limit = min(int(query['limit']), MAX_LIMIT)
    page = servers[:limit]
    render = ((lambda s: views.server_detail(cloud, s, call.version, call.base)) if detail
              else (lambda s: views.server_brief(s, call.base)))
    body: dict[str, Any] = {'servers': [render(s) for s in page]}
    if page and len(page) == limit:
        params = {k: v for k, v in query.items() if k != 'marker'}
        params.update(limit=str(limit), marker=page[-1].id)
        href = f'{call.base}/servers{"/detail" if detail else ""}?{urlencode(params)}'
        body['servers_links'] = [{'rel': 'next', 'href': href}]
    return 200, body


@route('GET', r'/servers')
def list_servers(cloud: Cloud, call: Call) -> tuple[int, Any]:
    return _list_servers(cloud, call, detail=False)


@route('GET', r'/servers/detail')
def list_servers_detail(cloud: Cloud, call: Call) -> tuple[int, Any]:
    return _list_servers(cloud, call, detail=True)


@route('GET', r'/servers/(?P<server_id>[^/]+)')
def show_server(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    server = _visible_server(cloud, call, server_id)
    return 200, {'server': views.server_detail(cloud, server, call.version, call.base)}


@route('POST', r'/servers/(?P<server_id>[^/]+)/action')
def server_action(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    body = _body(call)
    if not isinstance(body, dict) or not body:
        raise NovaError(400, 'Malformed request body')
    if len(body) != 1:
        raise NovaError(400, 'Malformed request body: too many body keys')
    name, args = next(iter(body.items()))
    handler = _SERVER_ACTIONS.get(name)
    if handler is None:
        raise NovaError(404, f'There is no such action: {name}')
    return handler(cloud, call, server_id, args)


def _evacuate(cloud: Cloud, call: Call, server_id: str, args: Any) -> tuple[int, Any]:
    allowed = {'host', 'adminPass'}
    if call.version < (2, 14):
        allowed.add('onSharedStorage')
    if (2, 29) <= call.version < (2, 68):
        allowed.add('force')
    required = ('onSharedStorage',) if call.version < (2, 14) else ()
    args = _check_keys('evacuate', args, allowed, required)
    host = args.get('host')
    if host is not None and not re.fullmatch(r'[a-zA-Z0-9_.:-]{1,255}', str(host)):
        raise _invalid('host', host, f'{host!r} is not a valid hostname')
    force = _boolean('force', args['force']) if 'force' in args else False
    if force and not host:
        raise NovaError(400, "Can't force to a non-provided destination")
    _visible_server(cloud, call, server_id)
    call.require_admin('os_compute_api:os-evacuate')
    cloud.evacuate(server_id, host, force, call.actor,
                   stop_at_destination=call.version >= (2, 95))
    if call.version < (2, 14):
        return 200, {'adminPass': args.get('adminPass') or secrets.token_urlsafe(9)}
    return 200, None


def _reset_state(cloud: Cloud, call: Call, server_id: str, args: Any) -> tuple[int, Any]:
    args = _check_keys('os-resetState', args, {'state'}, ('state',))
    if args['state'] not in ('active', 'error'):
        raise _invalid('state', args['state'],
                       f"{args['state']!r} is not one of ['active', 'error']")
    _visible_server(cloud, call, server_id)
    call.require_admin('os_compute_api:os-admin-actions:reset_state')
    cloud.reset_state(server_id, args['state'], call.actor)
    return 202, None


def _owner_action(verb: str) -> Handler:
    def act(cloud: Cloud, call: Call, server_id: str, args: Any) -> tuple[int, Any]:
        server = _visible_server(cloud, call, server_id)
        if server.locked and not call.admin:
            raise NovaError(409, f'Instance {server_id} is locked')
        getattr(cloud, verb)(server_id, actor=call.actor)
        return 202, None
    return act


def _lock(cloud: Cloud, call: Call, server_id: str, args: Any) -> tuple[int, Any]:
    reason = None
    if call.version >= (2, 73) and args is not None:
        args = _check_keys('lock', args, {'locked_reason'})
        if 'locked_reason' in args:
            reason = _string('locked_reason', args['locked_reason'])
    _visible_server(cloud, call, server_id)
    cloud.lock_server(server_id, reason, call.actor)
    return 202, None


def _unlock(cloud: Cloud, call: Call, server_id: str, args: Any) -> tuple[int, Any]:
    _visible_server(cloud, call, server_id)
    cloud.unlock_server(server_id, call.actor)
    return 202, None


_SERVER_ACTIONS: dict[str, Handler] = {
    'evacuate': _evacuate,
    'os-resetState': _reset_state,
    'os-stop': _owner_action('stop'),
    'os-start': _owner_action('start'),
    'lock': _lock,
    'unlock': _unlock,
}


def _metadata_arg(call: Call) -> dict[str, str]:
    metadata = _body(call, 'metadata')
    if not isinstance(metadata, dict):
        raise _invalid('metadata', metadata, f"{metadata!r} is not of type 'object'")
    for key, value in metadata.items():
        _string(key, value)
    return metadata


@route('GET', r'/servers/(?P<server_id>[^/]+)/metadata')
def show_metadata(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    return 200, {'metadata': dict(_visible_server(cloud, call, server_id).metadata)}


@route('POST', r'/servers/(?P<server_id>[^/]+)/metadata')
def update_metadata(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    metadata = _metadata_arg(call)
    _visible_server(cloud, call, server_id)
    return 200, {'metadata': dict(cloud.set_metadata(server_id, metadata, False).metadata)}


@route('PUT', r'/servers/(?P<server_id>[^/]+)/metadata')
def replace_metadata(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    metadata = _metadata_arg(call)
    _visible_server(cloud, call, server_id)
    return 200, {'metadata': dict(cloud.set_metadata(server_id, metadata, True).metadata)}


@route('DELETE', r'/servers/(?P<server_id>[^/]+)/metadata/(?P<key>[^/]+)')
def delete_metadata_item(cloud: Cloud, call: Call, server_id: str, key: str) -> tuple[int, Any]:
    _visible_server(cloud, call, server_id)
    cloud.delete_metadata_item(server_id, key)
    return 204, None


@route('GET', r'/servers/(?P<server_id>[^/]+)/os-instance-actions')
def list_actions(cloud: Cloud, call: Call, server_id: str) -> tuple[int, Any]:
    server = _visible_server(cloud, call, server_id)
    # Newest first; equal start times keep the later-recorded action first.
    actions = list(reversed(sorted(server.actions, key=lambda a: a.start)))
    return 200, {'instanceActions': [views.action_view(server, a, call.version)
                                     for a in actions]}


@route('GET', r'/servers/(?P<server_id>[^/]+)/os-instance-actions/(?P<request_id>[^/]+)')
def show_action(cloud: Cloud, call: Call, server_id: str, request_id: str) -> tuple[int, Any]:
    server = _visible_server(cloud, call, server_id)
    for action in server.actions:
        if action.request_id == request_id:
            return 200, {'instanceAction': views.action_view(server, action, call.version,
                                                             events=True)}
    raise NovaError(404, f'Action for request_id {request_id} on instance {server_id} '
                         'not found')


# -- services ------------------------------------------------------------------


@route('GET', r'/os-services')
def list_services(cloud: Cloud, call: Call) -> tuple[int, Any]:
    call.require_admin('os_compute_api:os-services:list')
    services = cloud.list_services(call.req.GET.get('host'), call.req.GET.get('binary'))
    return 200, {'services': [views.service_view(cloud, s, call.version) for s in services]}


@route('PUT', r'/os-services/(?P<service_id>[^/]+)')
def update_service(cloud: Cloud, call: Call, service_id: str) -> tuple[int, Any]:
    if call.version < (2, 53):
        return _legacy_service_action(cloud, call, service_id)
    body = _check_keys('service', _body(call), {'status', 'disabled_reason', 'forced_down'})
    if 'status' in body and body['status'] not in ('enabled', 'disabled'):
        raise _invalid('status', body['status'],
                       f"{body['status']!r} is not one of ['enabled', 'disabled']")
    reason = _string('disabled_reason', body['disabled_reason']) \
        if 'disabled_reason' in body else None
    forced = _boolean('forced_down', body['forced_down']) if 'forced_down' in body else None
    if not _is_uuid(service_id):
        raise NovaError(400, f'Invalid uuid {service_id}')
    call.require_admin('os_compute_api:os-services:update')
    service = cloud.find_service(service_id)
    cloud.update_service(service, body.get('status'), reason, forced)
    return 200, {'service': views.service_view(cloud, service, call.version)}


def _legacy_service_action(cloud: Cloud, call: Call, action: str) -> tuple[int, Any]:
    """``PUT /os-services/{enable,disable,disable-log-reason,force-down}`` before 2.53."""
    actions = {'enable', 'disable', 'disable-log-reason'}
    if call.version >= (2, 11):
        actions.add('force-down')
    allowed = {'host', 'binary', 'disabled_reason', 'forced_down'}
    body = _check_keys('service', _body(call), allowed, ('host', 'binary'))
    call.require_admin('os_compute_api:os-services:update')
    if action not in actions:
        raise NovaError(404, 'Unknown action')
    if body['binary'] != COMPUTE:
        raise NovaError(400, f'Updating a {body["binary"]} service is not supported. Only '
                             'nova-compute services can be updated.')
    service = cloud.find_service_by_host(body['host'], body['binary'])
    answer = {'host': body['host'], 'binary': body['binary']}
    if action == 'force-down':
        if 'forced_down' not in body:
            raise NovaError(400, 'Missing forced_down field')
        answer['forced_down'] = _boolean('forced_down', body['forced_down'])
        cloud.update_service(service, forced_down=answer['forced_down'])
        return 200, {'service': answer}
    reason = None
    if action == 'disable-log-reason':
        if 'disabled_reason' not in body:
            raise NovaError(400, 'Missing disabled reason field')
        reason = answer['disabled_reason'] = body['disabled_reason']
    answer['status'] = 'enabled' if action == 'enable' else 'disabled'
    cloud.update_service(service, answer['status'], reason)
    return 200, {'service': answer}


# -- hypervisors ---------------------------------------------------------------


def _list_hypervisors(cloud: Cloud, call: Call, detail: bool) -> tuple[int, Any]:
    call.require_admin(f'os_compute_api:os-hypervisors:{"list-detail" if detail else "list"}')
    hosts = cloud.compute_hosts()
    with_servers = False
    if call.version >= (2, 53):
        with_servers = _query_bool(call.req.GET.get('with_servers', 'false'))
        pattern = call.req.GET.get('hypervisor_hostname_pattern')
        if pattern is not None:
            hosts = [h for h in hosts if pattern in h.name]
            if not hosts:
                raise NovaError(404, f"No hypervisor matching '{pattern}' could be found.")
    return 200, {'hypervisors': [views.hypervisor_view(cloud, h, call.version, detail,
                                                       with_servers) for h in hosts]}


@route('GET', r'/os-hypervisors')
def list_hypervisors(cloud: Cloud, call: Call) -> tuple[int, Any]:
    return _list_hypervisors(cloud, call, detail=False)


@route('GET', r'/os-hypervisors/detail')
def list_hypervisors_detail(cloud: Cloud, call: Call) -> tuple[int, Any]:
    return _list_hypervisors(cloud, call, detail=True)


@route('GET', r'/os-hypervisors/(?P<hypervisor_id>[^/]+)')
def show_hypervisor(cloud: Cloud, call: Call, hypervisor_id: str) -> tuple[int, Any]:
    new_ids = call.version >= (2, 53)
    if new_ids and not _is_uuid(hypervisor_id):
        raise NovaError(400, f'Invalid uuid {hypervisor_id}')
    call.require_admin('os_compute_api:os-hypervisors:show')
    with_servers = new_ids and _query_bool(call.req.GET.get('with_servers', 'false'))
    for host in cloud.compute_hosts():
        if hypervisor_id == (host.hypervisor_id if new_ids else str(host.legacy_id)):
            return 200, {'hypervisor': views.hypervisor_view(cloud, host, call.version, True,
                                                             with_servers)}
    raise NovaError(404, f"Hypervisor with ID '{hypervisor_id}' could not be found.")


# -- aggregates ----------------------------------------------------------------


@route('GET', r'/os-aggregates')
def list_aggregates(cloud: Cloud, call: Call) -> tuple[int, Any]:
    call.require_admin('os_compute_api:os-aggregates:index')
    aggregates = sorted(cloud.aggregates.values(), key=lambda a: a.id)
    return 200, {'aggregates': [views.aggregate_view(a, call.version) for a in aggregates]}


@route('POST', r'/os-aggregates')
def create_aggregate(cloud: Cloud, call: Call) -> tuple[int, Any]:
    args = _check_keys('aggregate', _body(call, 'aggregate'), {'name', 'availability_zone'},
                       ('name',))
    name = _string('name', args['name'])
    zone = args.get('availability_zone')
    if zone is not None:
        zone = _string('availability_zone', zone)
    call.require_admin('os_compute_api:os-aggregates:create')
    aggregate = cloud.add_aggregate(name, availability_zone=zone)
    return 200, {'aggregate': views.aggregate_view(aggregate, call.version)}


@route('GET', r'/os-aggregates/(?P<aggregate_id>[^/]+)')
def show_aggregate(cloud: Cloud, call: Call, aggregate_id: str) -> tuple[int, Any]:
    call.require_admin('os_compute_api:os-aggregates:show')
    aggregate = cloud.get_aggregate(aggregate_id)
    return 200, {'aggregate': views.aggregate_view(aggregate, call.version)}


@route('DELETE', r'/os-aggregates/(?P<aggregate_id>[^/]+)')
def delete_aggregate(cloud: Cloud, call: Call, aggregate_id: str) -> tuple[int, Any]:
    call.require_admin('os_compute_api:os-aggregates:delete')
    cloud.delete_aggregate(aggregate_id)
    return 200, None


@route('POST', r'/os-aggregates/(?P<aggregate_id>[^/]+)/action')
def aggregate_action(cloud: Cloud, call: Call, aggregate_id: str) -> tuple[int, Any]:
    body = _body(call)
    if not isinstance(body, dict) or len(body) != 1:
        raise NovaError(400, 'Malformed request body')
    name, args = next(iter(body.items()))
    if name not in ('add_host', 'remove_host'):
        raise NovaError(404, f'There is no such action: {name}')
    host = _string('host', _check_keys(name, args, {'host'}, ('host',))['host'])
    call.require_admin(f'os_compute_api:os-aggregates:{name}')
    if name == 'add_host':
        aggregate = cloud.aggregate_add_host(aggregate_id, host)
    else:
        aggregate = cloud.aggregate_remove_host(aggregate_id, host)
    return 200, {'aggregate': views.aggregate_view(aggregate, call.version)}
