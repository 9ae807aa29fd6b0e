"""Keystone and Masakari in one small stdlib HTTP server.

Enough of both for the real keystoneauth/openstacksdk path: version
discovery, a password token whose catalog lists ``instance-ha``, and
``POST /v1/<project>/notifications``, which records the body and answers
with the next queued status (200 once the queue is empty).
"""
import collections
import datetime
import http.server
import json
import threading
import uuid

PROJECT_ID = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'


class StubAPI:
    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.statuses: collections.deque[int] = collections.deque()
        self.token_requests = 0
        self._arrived = threading.Condition()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.rstrip('/') == '/identity':
                    self._reply(200, {'version': {
                        'id': 'v3.14', 'status': 'stable',
                        'links': [{'rel': 'self',
                                   'href': stub.url + '/identity/v3/'}]}})
                else:
                    self._reply(404, {})

            def do_POST(self):
                length = int(self.headers.get('Content-Length', 0))
                body = json.loads(self.rfile.read(length) or b'{}')
                if self.path == '/identity/v3/auth/tokens':
                    stub.token_requests += 1
                    self._reply(201, stub.token(),
                                {'X-Subject-Token': uuid.uuid4().hex})
                elif self.path == f'/v1/{PROJECT_ID}/notifications':
                    self._notification(body)
                else:
                    self._reply(404, {})

            def _notification(self, body):
                with stub._arrived:
                    status = stub.statuses.popleft() if stub.statuses else 200
                    stub.notifications.append(body)
                    stub._arrived.notify_all()
                if status == 200:
                    answer = dict(body['notification'], status='new',
                                  notification_uuid=str(uuid.uuid4()))
                    self._reply(200, {'notification': answer})
                else:
                    self._reply(status, {'error': {
                        'code': status, 'message': f'stub says {status}'}})

            def _reply(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        daemon=True)

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
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
