"""The ``/_sim`` control API: JSON endpoints to seed, steer and observe the simulator.

| request | effect |
| --- | --- |
| ``GET /_sim/state`` | hosts, services, servers, aggregates, users, timings, latency, faults, |
| | evacuations (``{"running": n, "waiting": n}``) |
| ``POST /_sim/reset`` | empty cloud, default users, no faults; a body is loaded as a seed |
| ``POST /_sim/seed`` | add what the seed body describes |
| ``POST /_sim/hosts`` | add a host (``Cloud.add_host`` fields) |
| ``POST /_sim/hosts/{name}/down`` | ``{"report_after": s, "back_after": s or null}`` |
| ``POST /_sim/hosts/{name}/up`` | the host heartbeats again |
| ``POST /_sim/hosts/{name}/services`` | ``{"binary": ...}`` adds a service |
| ``PATCH /_sim/hosts/{name}/services/{binary}`` | disabled, disabled_reason, forced_down, frozen |
| ``POST /_sim/servers`` | add a server (``Cloud.add_server`` fields) |
| ``PATCH /_sim/servers/{id}`` | change fields (``Cloud.set_server``) |
| ``DELETE /_sim/servers/{id}`` | remove a server |
| ``POST /_sim/aggregates`` | add an aggregate |
| ``POST /_sim/users`` | add a user (``Identity.add_user`` fields) |
| ``POST /_sim/tokens/revoke`` | forget every issued token |
| ``PUT /_sim/timings`` | ``{"evacuate": s, "stop": s, "start": s, |
| | "max_concurrent_evacuations": n or null}`` (any of them) |
| ``PUT /_sim/latency`` | ``{"compute": s, "identity": s}`` or ``{"all": s}`` |
| ``GET/POST/DELETE /_sim/faults``, ``DELETE /_sim/faults/{id}`` | list, add, clear, remove |
| ``GET /_sim/calls?since=N``, ``DELETE /_sim/calls`` | calls received after the N-th; clear |
"""
import dataclasses
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

import webob

from novasim import views
from novasim.faults import SERVICES
from novasim.faults import Fault
from novasim.state import Host
from novasim.state import NovaError
from novasim.state import Server
from novasim.state import iso

if TYPE_CHECKING:
    from novasim.app import Simulator

Route = Callable[..., Any]
_ROUTES: list[tuple[str, re.Pattern[str], Route]] = []


def _route(method: str, pattern: str) -> Callable[[Route], Route]:
    def register(handler: Route) -> Route:
        _ROUTES.append((method, re.compile(pattern), handler))
        return handler
    return register


def handle(sim: 'Simulator', req: webob.Request, path: str) -> webob.Response:
    try:
        body = json.loads(req.body) if req.body else {}
        for method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path.rstrip('/') or '/')
            if match and method == req.method:
                result = handler(sim, body, req, **match.groupdict())
                return _json(result if result is not None else snapshot(sim))
        return _json({'error': f'no control endpoint {req.method} /_sim{path}'}, 404)
    except KeyError as error:
        return _json({'error': str(error.args[0] if error.args else error)}, 404)
    except (ValueError, TypeError) as error:
        return _json({'error': str(error)}, 400)
    except NovaError as error:
        return _json({'error': error.message}, error.code)


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(body=json.dumps(body).encode(), status=status,
                          content_type='application/json', charset=None)


def describe_host(sim: 'Simulator', host: Host) -> dict[str, Any]:
    cloud = sim.cloud
    return {
        'name': host.name,
        'heartbeating': cloud.heartbeating(host),
        'max_servers': host.max_servers,
        'evacuations_fail': host.evacuations_fail,
        'hypervisor_id': host.hypervisor_id,
        'services': [{'id': s.id, 'binary': s.binary,
                      'status': 'disabled' if s.disabled else 'enabled',
                      'state': 'up' if cloud.service_up(s) else 'down',
                      'disabled_reason': s.disabled_reason, 'forced_down': s.forced_down,
                      'frozen': s.frozen} for s in host.services.values()],
    }


def describe_server(server: Server) -> dict[str, Any]:
    return {
        'id': server.id, 'name': server.name, 'project_id': server.project_id,
        'host': server.host, 'node': server.node, 'status': views.status(server),
        'vm_state': server.vm_state, 'task_state': server.task_state,
        'power_state': server.power_state, 'locked': server.locked,
        'updated': iso(server.updated),
        'metadata': dict(server.metadata), 'evacuation': server.evacuation,
        'power_ops': server.power_ops,
        'actions': [{'action': a.action, 'request_id': a.request_id,
                     'start_time': iso(a.start), 'message': a.message}
                    for a in server.actions],
    }


def snapshot(sim: 'Simulator') -> dict[str, Any]:
    cloud = sim.cloud
    with cloud.lock:
        cloud.advance()
        return {
            'hosts': [describe_host(sim, h) for h in cloud.hosts.values()],
            'servers': [describe_server(s) for s in cloud.list_servers()],
            'aggregates': [views.aggregate_view(a, (2, 41)) for a in cloud.aggregates.values()],
            'users': [{'name': u.name, 'id': u.id, 'project': u.project, 'roles': list(u.roles)}
                      for u in sim.identity.users.values()],
            'timings': dataclasses.asdict(cloud.timings),
            'evacuations': dict(zip(('running', 'waiting'), cloud.evacuations_in_progress())),
            'latency': dict(sim.latency),
            'faults': [f.to_dict() for f in sim.faults.list()],
        }


@_route('GET', r'/state')
def _state(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return snapshot(sim)


@_route('POST', r'/reset')
def _reset(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.reset()
    if body:
        sim.load(body)


@_route('POST', r'/seed')
def _seed(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.load(body)


@_route('POST', r'/hosts')
def _add_host(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return describe_host(sim, sim.cloud.add_host(**body))


@_route('POST', r'/hosts/(?P<name>[^/]+)/down')
def _host_down(sim: 'Simulator', body: Any, req: webob.Request, name: str) -> Any:
    sim.cloud.host_down(name, **body)
    return describe_host(sim, sim.cloud.hosts[name])


@_route('POST', r'/hosts/(?P<name>[^/]+)/up')
def _host_up(sim: 'Simulator', body: Any, req: webob.Request, name: str) -> Any:
    sim.cloud.host_up(name)
    return describe_host(sim, sim.cloud.hosts[name])


@_route('POST', r'/hosts/(?P<name>[^/]+)/services')
def _add_service(sim: 'Simulator', body: Any, req: webob.Request, name: str) -> Any:
    sim.cloud.add_service(name, body['binary'])
    return describe_host(sim, sim.cloud.hosts[name])


@_route('PATCH', r'/hosts/(?P<name>[^/]+)/services/(?P<binary>[^/]+)')
def _set_service(sim: 'Simulator', body: Any, req: webob.Request, name: str,
                 binary: str) -> Any:
    sim.cloud.set_service(name, binary, **body)
    return describe_host(sim, sim.cloud.hosts[name])


@_route('POST', r'/servers')
def _add_server(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return describe_server(sim.cloud.add_server(**body))


@_route('PATCH', r'/servers/(?P<server_id>[^/]+)')
def _set_server(sim: 'Simulator', body: Any, req: webob.Request, server_id: str) -> Any:
    return describe_server(sim.cloud.set_server(server_id, **body))


@_route('DELETE', r'/servers/(?P<server_id>[^/]+)')
def _delete_server(sim: 'Simulator', body: Any, req: webob.Request, server_id: str) -> Any:
    sim.cloud.delete_server(server_id)


@_route('POST', r'/aggregates')
def _add_aggregate(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return views.aggregate_view(sim.cloud.add_aggregate(**body), (2, 41))


@_route('POST', r'/users')
def _add_user(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    user = sim.identity.add_user(**body)
    return {'name': user.name, 'id': user.id, 'project': user.project}


@_route('POST', r'/tokens/revoke')
def _revoke_tokens(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.identity.revoke_all()


@_route('PUT', r'/timings')
def _timings(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.cloud.timings = dataclasses.replace(sim.cloud.timings, **body)
    return dataclasses.asdict(sim.cloud.timings)


@_route('PUT', r'/latency')
def _latency(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    if 'all' in body:
        sim.set_latency(body['all'], SERVICES)
    else:
        sim.set_latency(body)
    return dict(sim.latency)


@_route('GET', r'/faults')
def _list_faults(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return [f.to_dict() for f in sim.faults.list()]


@_route('POST', r'/faults')
def _add_fault(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return sim.faults.add(Fault(**body)).to_dict()


@_route('DELETE', r'/faults')
def _clear_faults(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.faults.clear()
    return []


@_route('DELETE', r'/faults/(?P<fault_id>\d+)')
def _remove_fault(sim: 'Simulator', body: Any, req: webob.Request, fault_id: str) -> Any:
    sim.faults.remove(int(fault_id))
    return [f.to_dict() for f in sim.faults.list()]


@_route('GET', r'/calls')
def _calls(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    return sim.calls.since(int(req.GET.get('since', 0)))


@_route('DELETE', r'/calls')
def _clear_calls(sim: 'Simulator', body: Any, req: webob.Request) -> Any:
    sim.calls.clear()
    return []
