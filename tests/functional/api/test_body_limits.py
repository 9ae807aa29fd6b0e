"""Bodies at the edge of what masakari-api takes, over real HTTP against
one masakari-api (noauth2, SQLite): JSON nested far deeper than any schema
allows, and a chunked body that never ends. Each gets a fault in the usual
body, and the server logs no traceback (the fixture fails at teardown if
it does)."""
import select
import socket
import time

import pytest

from tests.functional.api.test_conformance import Client
from tests.functional.api.test_conformance import fault
from tests.support import api_server as server_support

NOTIFICATION = ('{"notification": {"type": "VM", "hostname": "h", '
                '"generated_time": "2026-01-01T00:00:00", "payload": %s}}')


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    with server_support.sqlite_server(tmp_path_factory.mktemp('body-limits')) as server:
        yield server


@pytest.fixture
def client(server):
    return Client(server.url)


def nested_lists(depth: int) -> str:
    return '[' * depth + ']' * depth


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + '1' + '}' * depth


# Past 100 levels, up to the interpreter's recursion limit and far beyond
# it, all well under max_request_body_size.
DEPTHS = [101, 940, 990, 1100, 15000]


@pytest.mark.parametrize('nested, depth', [
    *((nested, depth) for nested in (nested_lists, nested_objects)
      for depth in DEPTHS),
    (nested_lists, 50000)])
@pytest.mark.parametrize('method, path, template', [
    ('POST', '/v1/segments', '%s'),
    ('PUT', '/v1/segments/x', '{"segment": {"name": %s}}'),
    ('POST', '/v1/notifications', NOTIFICATION % '{"x": %s}'),
    ('POST', '/v1/notifications', NOTIFICATION % '%s'),
    ('POST', '/v1/segments/x/hosts', '{"host": %s}'),
    ('POST', '/', '%s'),
])
def test_deeply_nested_json_is_malformed(client, method, path, template,
                                         nested, depth):
    # Upstream: 500 from about 950 levels on (json raises RecursionError).
    response = client(method, path, data=(template % nested(depth)).encode(),
                      headers={'Content-Type': 'application/json'})
    fault(response, 'badRequest', 400, 'Malformed request body')


def test_nesting_up_to_100_levels_is_json(client):
    # A schema then refuses it with its usual message.
    response = client('POST', '/v1/segments',
                      data=('{"segment": {"name": %s}}'
                            % nested_lists(98)).encode(),
                      headers={'Content-Type': 'application/json'})
    message = fault(response, 'badRequest', 400)
    assert message.startswith('Invalid input for field/attribute name.')
    # A payload is flat: no nested value is ever stored, so nothing that
    # reads a stored payload back meets one.
    response = client('POST', '/v1/notifications',
                      data=(NOTIFICATION % '{"x": %s}'
                            % nested_objects(95)).encode(),
                      headers={'Content-Type': 'application/json'})
    message = fault(response, 'badRequest', 400)
    assert message.startswith('Invalid input for field/attribute x.')
    response = client('POST', '/', data=nested_objects(100).encode(),
                      headers={'Content-Type': 'application/json'})
    assert response.status_code == 200, response.text


def read_answer(sock: socket.socket) -> tuple[bytes, bytes]:
    """The head and body of one HTTP answer with a Content-Length."""
    data = b''
    while b'\r\n\r\n' not in data:
        received = sock.recv(65536)
        if not received:
            return data, b''
        data += received
    head, _, body = data.partition(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = int(value)
    while len(body) < length:
        received = sock.recv(65536)
        if not received:
            break
        body += received
    return head, body


def send_endless_chunked_body(url: str, method: str, path: str,
                              content_type: str | None,
                              give_up_after: int = 256 * 2 ** 20):
    """Streams chunks until the server answers; returns the bytes sent and
    the answer's head and body. Gives up after ``give_up_after`` bytes."""
    host, port = url.rsplit('/', 1)[1].split(':')
    headers = f'{method} {path} HTTP/1.1\r\nHost: {host}\r\n'
    if content_type is not None:
        headers += f'Content-Type: {content_type}\r\n'
    headers += 'Transfer-Encoding: chunked\r\n\r\n'
    chunk = b'd' * 65536
    frame = b'%x\r\n%s\r\n' % (len(chunk), chunk)
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(headers.encode())
        while sent < give_up_after:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            if not writable:
                break
            try:
                sock.sendall(frame)
            except OSError:
                # The server may close while we still send: its answer
                # is waiting to be read.
                break
            sent += len(chunk)
        return (sent, *read_answer(sock))


@pytest.mark.parametrize('content_type', [
    'application/json', 'text/plain', None])
@pytest.mark.parametrize('method, path', [
    ('POST', '/v1/segments'), ('PUT', '/v1/segments/x'),
    ('POST', '/v1/notifications'), ('POST', '/v1/segments/x/action'),
    ('POST', '/v1')])
def test_endless_chunked_body_is_refused_promptly(server, method, path,
                                                  content_type):
    started = time.monotonic()
    sent, head, body = send_endless_chunked_body(server.url, method, path,
                                                 content_type)
    elapsed = time.monotonic() - started
    assert head.startswith(b'HTTP/1.1 413 '), head
    assert b'Content-Type: application/json; charset=UTF-8' in head
    assert body.startswith(b'{"overLimit": {"code": 413, "message": '
                           b'"Request is too large.'), body
    # The server stops reading at max_request_body_size (112 KiB); what
    # else went out sat in the sockets' buffers.
    assert sent < 32 * 2 ** 20, sent
    assert elapsed < 10, elapsed
    # And it still serves.
    assert Client(server.url)('GET', '/v1/segments').status_code == 200
