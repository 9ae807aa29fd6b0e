"""The simulator as one WSGI application.

``/identity`` is the Keystone part, ``/compute`` the Nova part and ``/_sim``
the control API. Identity and compute requests are logged, delayed by the
configured latency, and may be answered by an injected fault.
"""
import json
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import webob

from novasim import compute
from novasim import control
from novasim import identity
from novasim.faults import SERVICES
from novasim.faults import CallLog
from novasim.faults import Fault
from novasim.faults import FaultBook
from novasim.identity import Identity
from novasim.identity import keystone_error
from novasim.state import Cloud
from novasim.state import NovaError
from novasim.state import Timings

_UNAUTHORIZED = 'The request you have made requires authentication.'
_NOVA_500 = ('Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ '
             "and attach the Nova API log if possible.\n<class 'Exception'>")


class DropConnection(Exception):
    """Tells the HTTP server to close the connection without an answer."""


class Simulator:
    """Keystone and Nova stand-ins over one simulated cloud."""

    def __init__(self, clock: Callable[[], float] = time.time, region: str = 'RegionOne'):
        self.cloud = Cloud(clock)
        self.identity = Identity(clock, region)
        self.faults = FaultBook()
        self.calls = CallLog(clock)
        self.latency = dict.fromkeys(SERVICES, 0.0)

    def reset(self) -> None:
        """Back to an empty cloud with the default users and no faults."""
        self.cloud.reset()
        self.cloud.timings = Timings()
        self.identity.reset()
        self.faults.clear()
        self.calls.clear()
        self.latency = dict.fromkeys(SERVICES, 0.0)

    def load(self, seed: dict[str, Any]) -> None:
        """Add what a seed document describes (see ``novasim`` for its format)."""
        for user in seed.get('users', ()):
            self.identity.add_user(**user)
        for endpoint in seed.get('endpoints', ()):
            self.identity.add_endpoint(**endpoint)
        self.cloud.load(seed)
        if 'latency' in seed:
            self.set_latency(seed['latency'])
        for fault in seed.get('faults', ()):
            self.add_fault(**fault)

    def set_latency(self, latency: float | dict[str, float],
                    services: Iterable[str] = SERVICES) -> None:
        """Seconds added to every call: one number, or one per service."""
        if not isinstance(latency, dict):
            latency = dict.fromkeys(services, latency)
        for service, seconds in latency.items():
            if service not in SERVICES:
                raise ValueError(f'unknown service {service}')
            self.latency[service] = float(seconds)

    def add_fault(self, **fields: Any) -> Fault:
        """Inject a fault; the fields are those of :class:`novasim.faults.Fault`."""
        return self.faults.add(Fault(**fields))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        req = webob.Request(environ)
        path = req.path_info
        if path == '/_sim' or path.startswith('/_sim/'):
            response = control.handle(self, req, path[len('/_sim'):])
        elif path == '/identity' or path.startswith('/identity/'):
            response = self._serve('identity', req, path[len('/identity'):])
        elif path == '/compute' or path.startswith('/compute/'):
            response = self._serve('compute', req, path[len('/compute'):])
        elif path in ('', '/'):
            base = req.host_url
            response = _json({'identity': f'{base}/identity/v3', 'compute': f'{base}/compute/',
                              'control': f'{base}/_sim/state'})
        else:
            response = _json({'error': f'nothing at {path}'}, 404)
        return response(environ, start_response)

    def _serve(self, service: str, req: webob.Request, path: str) -> webob.Response:
        request_id = f'req-{uuid.uuid4()}'
        body = _parse(req.body)
        action = None
        if path.endswith('/action') and isinstance(body, dict) and body:
            action = next(iter(body))
        log_path = path
        versioned = service == 'compute' and path.startswith('/v2.1')
        if versioned:
            log_path = path[len('/v2.1'):]
        log_path = log_path or '/'
        versioned = versioned and log_path != '/'
        call = self.calls.record(
            service=service, method=req.method, path=log_path, query=req.query_string,
            body=_redact(body), action=action,
            microversion=_microversion(req) if versioned else None,
            request_id=request_id, global_request_id=req.headers.get('X-OpenStack-Request-ID'))
        if self.latency[service]:
            time.sleep(self.latency[service])
        fault = self.faults.take(service, req.method, log_path, action)
        if fault is None:
            response = self._answer(service, req, path, request_id)
        else:
            response = self._faulty(fault, service, req, path, request_id, call)
        response.headers['X-OpenStack-Request-ID'] = request_id
        if service == 'compute':
            response.headers['X-Compute-Request-ID'] = request_id
        self.calls.finish(call, response.status_code)
        return response

    def _answer(self, service: str, req: webob.Request, path: str,
                request_id: str) -> webob.Response:
        if service == 'identity':
            return identity.handle(self.identity, req, path, _parse(req.body))
        return compute.handle(self.cloud, self.identity, req, path, request_id)

    def _faulty(self, fault: Fault, service: str, req: webob.Request, path: str,
                request_id: str, call: dict[str, Any]) -> webob.Response:
        if fault.sleep:
            time.sleep(fault.sleep)
        if fault.drop:
            self.calls.finish(call, 0)
            raise DropConnection()
        if fault.status is None or fault.perform:
            response = self._answer(service, req, path, request_id)
            if fault.status is None:
                return response
        code = fault.status
        if code == 401 and service == 'compute':
            # Nova's 401s come from keystonemiddleware, in Keystone's format.
            return keystone_error(code, fault.message or _UNAUTHORIZED,
                                  f'{req.host_url}/identity')
        if service == 'identity':
            default = webob.Response(status=code).status.split(' ', 1)[1]
            return keystone_error(code, fault.message or default, f'{req.host_url}/identity')
        message = fault.message or (_NOVA_500 if code == 500 else
                                    webob.Response(status=code).status.split(' ', 1)[1])
        response = _json(compute.fault_body(code, message), code)
        try:
            response.headers.update(compute.version_headers(compute.negotiate(req)))
        except NovaError:
            pass
        return response

    def snapshot(self) -> dict[str, Any]:
        return control.snapshot(self)


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors='replace')


def _redact(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: '***' if k == 'password' and isinstance(v, str) else _redact(v)
                for k, v in body.items()}
    if isinstance(body, list):
        return [_redact(v) for v in body]
    return body


def _microversion(req: webob.Request) -> str | None:
    try:
        version = compute.negotiate(req)
    except NovaError:
        return None
    return f'{version[0]}.{version[1]}'


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(body=json.dumps(body).encode(), status=status,
                          content_type='application/json', charset=None)

