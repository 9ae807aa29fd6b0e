"""A minimal Keystone v3: version discovery, password authentication, tokens.

Users, projects and roles are flat: each user belongs to one project (its
default project) in the ``Default`` domain, with a list of project roles and
a list of system roles. Ids are derived from names, so a test in another
process can compute them.
"""
import dataclasses
import datetime
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import webob

DOMAIN = {'id': 'default', 'name': 'Default'}
_IDS = uuid.UUID('6d1f1c4e-8b0f-4f55-9a43-3f1e1c0b7a11')
# Roles Keystone adds to a token through its default role implications.
_IMPLIED = {'admin': ('member', 'reader'), 'member': ('reader',)}


def project_id_for(name: str) -> str:
    return uuid.uuid5(_IDS, f'project:{name}').hex


def user_id_for(name: str) -> str:
    return uuid.uuid5(_IDS, f'user:{name}').hex


def _role_ref(name: str) -> dict[str, str]:
    return {'id': uuid.uuid5(_IDS, f'role:{name}').hex, 'name': name}


def _stamp(ts: float) -> str:
    moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


@dataclasses.dataclass
class User:
    name: str
    password: str
    project: str
    roles: tuple[str, ...] = ('member',)
    system_roles: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return user_id_for(self.name)


@dataclasses.dataclass
class Token:
    id: str
    user: User
    project: str | None
    roles: tuple[str, ...]
    issued: float
    expires: float
    audit_id: str

    @property
    def project_id(self) -> str | None:
        return project_id_for(self.project) if self.project else None

    @property
    def system(self) -> bool:
        return self.project is None


class KeystoneError(Exception):
    TITLES = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found'}

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self, identity_url: str) -> webob.Response:
        return keystone_error(self.code, self.message, identity_url)


def keystone_error(code: int, message: str, identity_url: str) -> webob.Response:
    """An error body in Keystone's format."""
    title = KeystoneError.TITLES.get(code, webob.Response(status=code).status.split(' ', 1)[1])
    response = _json({'error': {'code': code, 'message': message, 'title': title}}, code)
    if code == 401:
        response.headers['WWW-Authenticate'] = f'Keystone uri="{identity_url}"'
    return response


_UNAUTHORIZED = 'The request you have made requires authentication.'


class Identity:
    """Users and the tokens issued to them."""

    DEFAULT_USERS = (
        User('admin', 'admin', 'admin', ('admin',), ('admin',)),
        User('masakari', 'masakari', 'service', ('admin', 'service'), ('admin',)),
        User('demo', 'demo', 'demo', ('member',)),
    )

    def __init__(self, clock: Callable[[], float] = time.time, region: str = 'RegionOne',
                 token_ttl: float = 3600.0):
        self.clock = clock
        self.region = region
        self.token_ttl = token_ttl
        self._lock = threading.Lock()
        self.reset()

    def add_endpoint(self, service_type: str, name: str, url: str) -> None:
        """Another service in the catalog (Masakari's ``instance-ha``, say),
        with ``url`` for its public, internal and admin endpoints."""
        with self._lock:
            self.endpoints[service_type] = (name, url)

    def reset(self) -> None:
        with self._lock:
            self.users = {u.name: dataclasses.replace(u) for u in self.DEFAULT_USERS}
            self.tokens: dict[str, Token] = {}
            self.endpoints: dict[str, tuple[str, str]] = {}

    def add_user(self, name: str, password: str, project: str = 'demo',
                 roles: Iterable[str] = ('member',), system_roles: Iterable[str] = ()) -> User:
        with self._lock:
            user = User(name, password, project, tuple(roles), tuple(system_roles))
            self.users[name] = user
            return user

    def revoke_all(self) -> None:
        """Forget every issued token (clients must authenticate again)."""
        with self._lock:
            self.tokens.clear()

    def validate(self, token_id: str | None) -> Token | None:
        with self._lock:
            token = self.tokens.get(token_id or '')
            if token is None or token.expires <= self.clock():
                return None
            return token

    def revoke(self, token_id: str) -> None:
        with self._lock:
            self.tokens.pop(token_id, None)

    def authenticate(self, body: Any) -> Token:
        """Check a ``POST /v3/auth/tokens`` body and issue a token."""
        auth = body.get('auth') if isinstance(body, dict) else None
        identity = auth.get('identity') if isinstance(auth, dict) else None
        if not isinstance(identity, dict) or not isinstance(identity.get('methods'), list):
            raise KeystoneError(400, "Invalid input for field 'identity': 'methods' is a "
                                     "required property")
        if 'password' not in identity['methods']:
            raise KeystoneError(401, 'Attempted to authenticate with an unsupported method.')
        given = (identity.get('password') or {}).get('user') or {}
        user = self._user(given)
        if user is None or given.get('password') != user.password:
            raise KeystoneError(401, _UNAUTHORIZED)
        project, roles = self._scope(user, auth.get('scope'))
        for role in list(roles):
            roles += tuple(r for r in _IMPLIED.get(role, ()) if r not in roles)
        now = self.clock()
        token = Token(secrets.token_hex(32), user, project, roles, now, now + self.token_ttl,
                      secrets.token_urlsafe(16)[:22])
        with self._lock:
            self.tokens = {k: t for k, t in self.tokens.items() if t.expires > now}
            self.tokens[token.id] = token
        return token

    def _user(self, given: dict[str, Any]) -> User | None:
        with self._lock:
            if 'id' in given:
                return next((u for u in self.users.values() if u.id == given['id']), None)
            if not _in_default_domain(given.get('domain')):
                return None
            return self.users.get(given.get('name', ''))

    def _scope(self, user: User, scope: Any) -> tuple[str | None, tuple[str, ...]]:
        if not scope:
            return user.project, user.roles
        if not isinstance(scope, dict):
            raise KeystoneError(400, "Invalid input for field 'scope'.")
        if 'system' in scope:
            if scope['system'] != {'all': True} or not user.system_roles:
                raise KeystoneError(401, f'User {user.id} has no access to the system')
            return None, user.system_roles
        wanted = scope.get('project')
        if not isinstance(wanted, dict):
            raise KeystoneError(401, _UNAUTHORIZED)
        if 'id' in wanted:
            matches = wanted['id'] == project_id_for(user.project)
        else:
            matches = (wanted.get('name') == user.project
                       and _in_default_domain(wanted.get('domain')))
        if not matches:
            raise KeystoneError(401, f'User {user.id} has no access to project '
                                     f'{wanted.get("id") or wanted.get("name")}')
        return user.project, user.roles

    def token_body(self, token: Token, base_url: str, catalog: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            'methods': ['password'],
            'user': {'id': token.user.id, 'name': token.user.name, 'domain': dict(DOMAIN),
                     'password_expires_at': None},
            'audit_ids': [token.audit_id],
            'issued_at': _stamp(token.issued),
            'expires_at': _stamp(token.expires),
            'roles': [_role_ref(r) for r in token.roles],
        }
        if token.system:
            body['system'] = {'all': True}
        else:
            body['project'] = {'id': token.project_id, 'name': token.project,
                               'domain': dict(DOMAIN)}
            body['is_domain'] = False
        if catalog:
            body['catalog'] = self.catalog(base_url)
        return {'token': body}

    def catalog(self, base_url: str) -> list[dict[str, Any]]:
        def service(kind: str, name: str, url: str) -> dict[str, Any]:
            endpoints = [{'id': uuid.uuid5(_IDS, f'{name}:{iface}').hex, 'interface': iface,
                          'region_id': self.region, 'region': self.region, 'url': url}
                         for iface in ('public', 'internal', 'admin')]
            return {'id': uuid.uuid5(_IDS, f'service:{name}').hex, 'type': kind,
                    'name': name, 'endpoints': endpoints}

        with self._lock:
            others = [service(kind, name, url) for kind, (name, url) in self.endpoints.items()]
        return [service('identity', 'keystone', f'{base_url}/identity'),
                service('compute', 'nova', f'{base_url}/compute/v2.1')] + others


def _in_default_domain(domain: Any) -> bool:
    # Keystone on MySQL compares names case-insensitively, which is why
    # deployments get away with the domain name "default".
    if not isinstance(domain, dict):
        return False
    if 'id' in domain:
        return domain['id'] == DOMAIN['id']
    return str(domain.get('name', '')).lower() == DOMAIN['name'].lower()


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(body=json.dumps(body).encode(), status=status,
                          content_type='application/json', charset=None)


def version_doc(base_url: str) -> dict[str, Any]:
    return {
        'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
        'links': [{'rel': 'self', 'href': f'{base_url}/identity/v3/'}],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.identity-v3+json'}],
    }


def handle(identity: Identity, req: webob.Request, path: str, body: Any) -> webob.Response:
    """Answer a request for ``/identity<path>``; ``body`` is the parsed JSON body."""
    base = req.host_url
    identity_url = f'{base}/identity'
    try:
        if path in ('', '/') and req.method == 'GET':
            return _json({'versions': {'values': [version_doc(base)]}}, 300)
        if path in ('/v3', '/v3/') and req.method == 'GET':
            return _json({'version': version_doc(base)})
        if path.rstrip('/') != '/v3/auth/tokens':
            raise KeystoneError(404, 'The resource could not be found.')
        catalog = 'nocatalog' not in req.GET
        if req.method == 'POST':
            token = identity.authenticate(body)
            response = _json(identity.token_body(token, base, catalog), 201)
            response.headers['X-Subject-Token'] = token.id
            return response
        if req.method not in ('GET', 'HEAD', 'DELETE'):
            raise KeystoneError(405, 'The request method is not allowed for this resource.')
        if identity.validate(req.headers.get('X-Auth-Token')) is None:
            raise KeystoneError(401, _UNAUTHORIZED)
        subject_id = req.headers.get('X-Subject-Token', '')
        subject = identity.validate(subject_id)
        if subject is None:
            raise KeystoneError(404, f'Could not find token: {subject_id}.')
        if req.method == 'DELETE':
            identity.revoke(subject_id)
            return webob.Response(status=204)
        response = _json(identity.token_body(subject, base, catalog))
        response.headers['X-Subject-Token'] = subject.id
        return response
    except KeystoneError as error:
        return error.response(identity_url)
