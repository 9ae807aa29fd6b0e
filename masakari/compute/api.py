"""The Nova operations of the recovery engine: servers, compute services,
evacuation, server state and power, and host aggregates."""
from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.aggregate import Aggregate
from openstack.compute.v2.server import Server
from openstack.compute.v2.service import Service

from masakari import context as masakari_context
from masakari.compute import services
from masakari.compute.client import get_connection
from masakari.compute.errors import translate_errors

# The first compute microversion that records and shows why a server is
# locked (Nova 20.0.0, Train); only the lock requests use it.
LOCKED_REASON_MICROVERSION = '2.73'


def _compute(context: masakari_context.RequestContext):
    return get_connection(context.request_id).compute


def _send(context: masakari_context.RequestContext, method: str, path: str,
          body: dict) -> None:
    """A request with exactly ``body``, at the connection's microversion."""
    response = _compute(context).request(path, method, json=body)
    sdk_exceptions.raise_from_response(response)


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
        # The SDK's host= is a client-side filter on a field Nova does not
        # return, so it matches nothing; compute_host= sends Nova's ?host=.
        # paginated=False: one request, as upstream (Nova's max_limit applies).
        servers = _compute(context).servers(details=True, all_projects=True,
                                            compute_host=host, paginated=False)
        return list(servers)

    @translate_errors
    def get_server(self, context: masakari_context.RequestContext, server_id: str) -> Server:
        # Not the SDK's get_server: its errors all read "No Server found for
        # <id>", a 500 or a 401 too.
        return Server(id=server_id).fetch(_compute(context))

    def find_compute_service(self, context: masakari_context.RequestContext, host: str,
                             binary: str = 'nova-compute') -> Service:
        """The ``binary`` service on ``host``; ComputeNotFoundByName when Nova has none."""
        return services.find_compute_service(host, binary, request_id=context.request_id)

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
        # Not the SDK's enable_service/disable_service: they send nothing
        # when the service already has that status (no dirty attribute).
        _send(context, 'PUT', f'/os-services/{service.id}', body)

    @translate_errors
    def evacuate_instance(self, context: masakari_context.RequestContext, server_id: str,
                          target: str | None = None) -> None:
        """Evacuate through the scheduler, to ``target`` when given (never forced)."""
        _compute(context).evacuate_server(server_id, host=target)

    @translate_errors
    def reset_instance_state(self, context: masakari_context.RequestContext, server_id: str,
                             status: str = 'error') -> None:
        _compute(context).reset_server_state(server_id, status)

    @translate_errors
    def stop_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _compute(context).stop_server(server_id)

    @translate_errors
    def start_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _compute(context).start_server(server_id)

    @translate_errors
    def lock_server(self, context: masakari_context.RequestContext, server_id: str,
                    reason: str | None = None) -> None:
        """Lock the server, with ``reason`` as its ``locked_reason`` when given."""
        if reason is None:
            _compute(context).lock_server(server_id)
            return
        response = _compute(context).post(
            f'/servers/{server_id}/action', json={'lock': {'locked_reason': reason}},
            microversion=LOCKED_REASON_MICROVERSION)
        sdk_exceptions.raise_from_response(response)

    @translate_errors
    def get_server_lock(self, context: masakari_context.RequestContext,
                        server_id: str) -> tuple[bool, str | None]:
        """Whether the server is locked, and its ``locked_reason``."""
        response = _compute(context).get(f'/servers/{server_id}',
                                         microversion=LOCKED_REASON_MICROVERSION)
        sdk_exceptions.raise_from_response(response)
        server = response.json()['server']
        return bool(server.get('locked')), server.get('locked_reason')

    @translate_errors
    def unlock_server(self, context: masakari_context.RequestContext, server_id: str) -> None:
        _compute(context).unlock_server(server_id)

    @translate_errors
    def get_aggregate_list(self, context: masakari_context.RequestContext) -> list[Aggregate]:
        return list(_compute(context).aggregates())

    @translate_errors
    def add_host(self, context: masakari_context.RequestContext, host: str,
                 aggregate: Aggregate | int | str) -> None:
        """Add ``host`` to ``aggregate`` (object or id); Conflict when already a member."""
        # Not the SDK's add_host_to_aggregate: it drops the microversion
        # header, so Nova would answer at 2.1.
        aggregate_id = getattr(aggregate, 'id', aggregate)
        _send(context, 'POST', f'/os-aggregates/{aggregate_id}/action',
              {'add_host': {'host': host}})
