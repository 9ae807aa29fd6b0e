"""Keystone and Masakari in one small JSON HTTP server.

Enough of both for the real keystoneauth/openstacksdk path: version
discovery, a password token whose catalog lists ``instance-ha``, and
``POST /v1/<project>/notifications``, which records the body and answers
with the next queued status (200 once the queue is empty).
"""
import collections
import datetime
import threading
import uuid

from tests.support import json_http

PROJECT_ID = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'


class StubAPI:
    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.statuses: collections.deque[int] = collections.deque()
        self.token_requests = 0
        self._arrived = threading.Condition()
        self._server = json_http.JSONServer(self._answer)
        self.port = self._server.port
        self.url = self._server.url

    def _answer(self, request: json_http.Request) -> json_http.Reply:
        if request.method == 'GET' and request.path.rstrip('/') == '/identity':
            return json_http.Reply(200, {'version': {
                'id': 'v3.14', 'status': 'stable',
                'links': [{'rel': 'self',
                           'href': self.url + '/identity/v3/'}]}})
        if request.method == 'POST':
            if request.path == '/identity/v3/auth/tokens':
                self.token_requests += 1
                return json_http.Reply(201, self.token(),
                                       {'X-Subject-Token': uuid.uuid4().hex})
            if request.path == f'/v1/{PROJECT_ID}/notifications':
                return self._notification(request.body)
        return json_http.Reply(404, {})

    def _notification(self, body: dict) -> json_http.Reply:
        with self._arrived:
            status = self.statuses.popleft() if self.statuses else 200
            self.notifications.append(body)
            self._arrived.notify_all()
        if status == 200:
            answer = dict(body['notification'], status='new',
                          notification_uuid=str(uuid.uuid4()))
            return json_http.Reply(200, {'notification': answer})
        return json_http.Reply(status, {'error': {
            'code': status, 'message': f'stub says {status}'}})

    @property
    def auth_url(self) -> str:
        return self.url + '/identity'

    def api_options(self) -> dict[str, str]:
        return {'auth_url': self.auth_url, 'username': 'admin',
                'password': 'secret', 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}

    def token(self) -> dict:
        expires = (datetime.datetime.now(datetime.UTC)
                   + datetime.timedelta(hours=1))
        endpoint = self.url + f'/v1/{PROJECT_ID}'
        return {'token': {
            'methods': ['password'],
            'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
            'issued_at': datetime.datetime.now(datetime.UTC).strftime(
                '%Y-%m-%dT%H:%M:%S.000000Z'),
            'user': {'id': 'u1', 'name': 'admin',
                     'domain': {'id': 'default', 'name': 'Default'}},
            'project': {'id': PROJECT_ID, 'name': 'admin',
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': 'r1', 'name': 'admin'}],
            'catalog': [{'type': 'instance-ha', 'name': 'masakari',
                         'id': 's1', 'endpoints': [
                             {'id': f'e-{interface}', 'interface': interface,
                              'region_id': 'RegionOne',
                              'region': 'RegionOne', 'url': endpoint}
                             for interface in ('public', 'internal',
                                               'admin')]}]}}

    def reset(self) -> None:
        """Forgets what arrived and the queued statuses."""
        with self._arrived:
            self.notifications.clear()
            self.statuses.clear()
            self.token_requests = 0

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.notifications) >= count,
                                   timeout)
            return list(self.notifications)

    def __enter__(self) -> 'StubAPI':
        self._server.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.stop()
