"""The Nova operations of masakari: servers, compute services, evacuation,
server state and power, and host aggregates.

Every request goes through :func:`_call`, on the shared connection of
:mod:`masakari.compute.client`, and Nova's JSON answers become openstacksdk
resources, whose attributes name Nova's fields (``vm_state`` for
``OS-EXT-STS:vm_state``, ``hypervisor_hostname`` for
``OS-EXT-SRV-ATTR:hypervisor_hostname``, ...).
"""
from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.aggregate import Aggregate
from openstack.compute.v2.server import Server
from openstack.compute.v2.service import Service

from masakari import context as masakari_context
from masakari import exception
from masakari.compute.client import get_connection
from masakari.compute.errors import translate_errors

# The first compute microversion that records and shows why a server is
# locked (Nova 20.0.0, Train); only the lock requests use it.
LOCKED_REASON_MICROVERSION = '2.73'


def _call(request_id: str | None, method: str, path: str, body: dict | None = None,
          query: dict | None = None, microversion: str | None = None) -> dict | None:
    """Send one request to Nova and return its decoded JSON answer (None when empty).

    ``body`` is sent exactly as given, at ``microversion`` or else the
    connection's; Nova's refusals raise openstacksdk's HttpException
    subclasses, which :func:`translate_errors` turns into masakari's.
    """
    options = {}
    if body is not None:
        options['json'] = body
    if query is not None:
        options['params'] = query
    # Passing microversion=None would send no microversion header at all.
    if microversion is not None:
        options['microversion'] = microversion
    response = get_connection(request_id).compute.request(path, method, **options)
    sdk_exceptions.raise_from_response(response)
    return response.json() if response.content else None


def _server_action(context: masakari_context.RequestContext, server_id: str, action: dict,
                   microversion: str | None = None) -> None:
    _call(context.request_id, 'POST', f'/servers/{server_id}/action', action,
          microversion=microversion)


@translate_errors
def find_compute_service(host_name: str, binary: str = 'nova-compute',
                         request_id: str | None = None) -> Service:
    """The ``binary`` service Nova runs on exactly ``host_name``.

    ``GET /os-services?binary=<binary>&host=<host_name>``; raises
    ComputeNotFoundByName when there is none.
    """
    answer = _call(request_id, 'GET', '/os-services',
                   query={'binary': binary, 'host': host_name})
    # Compare again here: a Nova that filters host names case-insensitively
    # must not make "Node1" pass for "node1".
    for service in answer['services']:
        if service['host'] == host_name and service['binary'] == binary:
            return Service.existing(**service)
    raise exception.ComputeNotFoundByName(compute_name=host_name)


def check_compute_host_exists(host_name: str, request_id: str | None = None) -> None:
    """Raise ComputeNotFoundByName unless Nova has a nova-compute on ``host_name``."""
    find_compute_service(host_name, request_id=request_id)


class API:
    """What recovery tasks receive as ``novaclient``.

    Every method takes the request context first, sends its ``request_id`` as
    the global request id and raises Nova's errors translated as in
    :mod:`masakari.compute.errors` (404 NotFound, 409 Conflict, 400
    InvalidInput, ...).

    Results are openstacksdk resources. Attributes the engine reads:

    - Server: ``id``, ``name``, ``metadata`` (dict of str), ``vm_state``,
      ``task_state``, ``power_state`` (int; 4 = shutdown), ``is_locked``,
      ``hypervisor_hostname`` (the node, compared with masakari host names),
      ``compute_host`` (the nova-compute host).
    - Service: ``id`` (UUID), ``host``, ``binary``, ``status``
      (``enabled``/``disabled``), ``disabled_reason``, ``state`` (``up``/``down``).
    - Aggregate: ``id``, ``name``, ``hosts`` (list of host names).
    """

    @translate_errors
    def get_servers(self, context: masakari_context.RequestContext, host: str) -> list[Server]:
        """All tenants' servers whose compute host is ``host``, Nova's first page only."""
        # One request, as upstream: Nova's max_limit caps the answer.
        answer = _call(context.request_id, 'GET', '/servers/detail',
                       query={'host': host, 'all_tenants': True})
        return [Server.existing(**server) for server in answer['servers']]

    @translate_errors
    def get_servers_changed_since(self, context: masakari_context.RequestContext,
                                  since: str) -> list[Server]:
        """All tenants' servers Nova changed at or after ``since`` (a server's
        ``updated_at`` as Nova gave it, so Nova's clock, not ours), every page."""
        query = {'all_tenants': True, 'changes-since': since}
        servers = []
        while True:
            answer = _call(context.request_id, 'GET', '/servers/detail', query=query)
            page = answer['servers']
            servers += [Server.existing(**server) for server in page]
            more = any(link.get('rel') == 'next' for link in answer.get('servers_links', ()))
            if not (page and more):
                return servers
            query = dict(query, marker=page[-1]['id'])

    @translate_errors
    def get_server(self, context: masakari_context.RequestContext, server_id: str) -> Server:
        answer = _call(context.request_id, 'GET', f'/servers/{server_id}')
        return Server.existing(**answer['server'])

    def find_compute_service(self, context: masakari_context.RequestContext, host: str,
                             binary: str = 'nova-compute') -> Service:
        """The ``binary`` service on ``host``; ComputeNotFoundByName when Nova has none."""
        return find_compute_service(host, binary, request_id=context.request_id)

    def is_service_disabled(self, context: masakari_context.RequestContext, host: str,
                            binary: str) -> bool:
        return self.find_compute_service(context, host, binary).status == 'disabled'

    @translate_errors
    def enable_disable_service(self, context: masakari_context.RequestContext, host: str,
                               enable: bool = False, reason: str | None = None) -> None:
        """Enable or disable the nova-compute service of ``host``.

        ``PUT /os-services/<uuid>``, sent even when the service already is in
        that state. An empty reason disables without one (Nova refuses an
        empty disabled_reason).
        """
        service = self.find_compute_service(context, host)
        body = {'status': 'enabled' if enable else 'disabled'}
        if not enable and reason:
            body['disabled_reason'] = reason
        _call(context.request_id, 'PUT', f'/os-services/{service.id}', body)

    @translate_errors
    def set_forced_down(self, context: masakari_context.RequestContext, host: str,
                        forced_down: bool, disabled_reason: str | None = None) -> None:
        """Mark the nova-compute service of ``host`` forced down (or clear it):
        Nova then takes it for down at once, and accepts evacuations. With
        ``disabled_reason`` the same request also disables it."""
        service = self.find_compute_service(context, host)
        body = {'forced_down': forced_down}
        if disabled_reason:
            body.update(status='disabled', disabled_reason=disabled_reason)
        _call(context.request_id, 'PUT', f'/os-services/{service.id}', body)

    @translate_errors
    def evacuate_instance(self, context: masakari_context.RequestContext, server_id: str,
                          target: str | None = None) -> None:
        """Evacuate through the scheduler, to ``target`` when given (never forced)."""
        _server_action(context, server_id, {'evacuate': {} if target is None else {'host': target}})

    @translate_errors
    def reset_instance_state(self, context: masakari_context.RequestContext, server_id: str,
                             status: str = 'error') -> None:
        _server_action(context, server_id, {'os-resetState': {'state': status}})

    @translate_errors
    def stop_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _server_action(context, server_id, {'os-stop': None})

    @translate_errors
    def start_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _server_action(context, server_id, {'os-start': None})

    @translate_errors
    def lock_server(self, context: masakari_context.RequestContext, server_id: str,
                    reason: str | None = None) -> None:
        """Lock the server, with ``reason`` as its ``locked_reason`` when given."""
        if reason is None:
            _server_action(context, server_id, {'lock': None})
        else:
            _server_action(context, server_id, {'lock': {'locked_reason': reason}},
                           microversion=LOCKED_REASON_MICROVERSION)

    @translate_errors
    def get_server_lock(self, context: masakari_context.RequestContext,
                        server_id: str) -> tuple[bool, str | None]:
        """Whether the server is locked, and its ``locked_reason``."""
        server = _call(context.request_id, 'GET', f'/servers/{server_id}',
                       microversion=LOCKED_REASON_MICROVERSION)['server']
        return bool(server.get('locked')), server.get('locked_reason')

    @translate_errors
    def unlock_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _server_action(context, server_id, {'unlock': None})

    @translate_errors
    def get_aggregate_list(self, context: masakari_context.RequestContext) -> list[Aggregate]:
        answer = _call(context.request_id, 'GET', '/os-aggregates')
        return [Aggregate.existing(**aggregate) for aggregate in answer['aggregates']]

    @translate_errors
    def add_host(self, context: masakari_context.RequestContext, host: str,
                 aggregate: Aggregate | int | str) -> None:
        """Add ``host`` to ``aggregate`` (object or id); Conflict when already a member."""
        aggregate_id = getattr(aggregate, 'id', aggregate)
        _call(context.request_id, 'POST', f'/os-aggregates/{aggregate_id}/action',
              {'add_host': {'host': host}})
