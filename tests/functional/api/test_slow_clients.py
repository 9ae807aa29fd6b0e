"""Clients that are slow, stall or send too much cannot stop masakari-api
from answering others, and a keep-alive connection serves its next request
after a refused one, as upstream's server does.

One masakari-api with one worker of two threads: far fewer threads than
the stalled connections the tests open.
"""
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests

from tests.functional.api import test_tls
from tests.support import api_server

CLIENT_SOCKET_TIMEOUT = 8
MAX_BODY = 114688  # [oslo_middleware] max_request_body_size's default
STALLED_STARTS = [
    b'',
    b'GE',
    b'GET / HT',
    b'GET / HTTP/1.1\r\n',
    b'GET / HTTP/1.1\r\nHost: x\r\nAccept: appli',
    b'POST /v1/segments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json'
    b'\r\nContent-Length: 100\r\n\r\n{"segm',
    b'POST /v1/segments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json'
    b'\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"segm',
    b'POST /v1/segments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json'
    b'\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n',
]
VERSION_REQUEST = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('slow-clients')
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, workers=1, extra=f"""
        [wsgi]
        worker_threads = 2
        client_socket_timeout = {CLIENT_SOCKET_TIMEOUT}
        """.replace('        ', ''))
    api_server.db_sync(config)
    started = api_server.APIServer(config, port, tmp_path / 'api.log').start()
    yield started
    started.stop()


def _connect(port: int, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    sock.settimeout(timeout)
    return sock


class Responses:
    """Reads HTTP responses off a socket, one at a time."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b''

    def next(self) -> tuple[int, dict, bytes]:
        while b'\r\n\r\n' not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1])
        headers = {name.lower(): value.strip() for name, _, value in
                   (line.partition(':') for line in lines[1:])}
        length = int(headers.get('content-length', 0))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def _more(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f'closed after {self.buffer!r}')
        self.buffer += data


def _read_until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection."""
    received = b''
    try:
        while data := sock.recv(65536):
            received += data
    except ConnectionResetError:
        pass
    return received


def test_stalled_connections_leave_the_server_answering(server):
    stalled = []
    for i in range(48):
        sock = _connect(server.port, timeout=CLIENT_SOCKET_TIMEOUT + 10)
        sock.sendall(STALLED_STARTS[i % len(STALLED_STARTS)])
        stalled.append(sock)
    opened = time.monotonic()

    # Well under the first timeout, every thread would still be held.
    answered = requests.get(server.url + '/', timeout=2)
    assert answered.status_code == 200
    assert time.monotonic() - opened < CLIENT_SOCKET_TIMEOUT

    for sock, start in zip(stalled, STALLED_STARTS * 6):
        # Only a client that asked for it is told to send its body.
        assert _read_until_closed(sock) == (
            b'HTTP/1.1 100 Continue\r\n\r\n' if b'Expect' in start else b'')
        sock.close()
    # Closed when their time was up, not at once.
    assert time.monotonic() - opened >= CLIENT_SOCKET_TIMEOUT - 0.5


def test_a_full_worker_makes_room_for_new_clients(server):
    # gunicorn's worker_connections (1000): the worker then drops the
    # connection that has waited longest without sending a request.
    idle = [_connect(server.port) for _ in range(1000)]
    try:
        assert requests.get(server.url + '/', timeout=2).status_code == 200
        assert _read_until_closed(idle[0]) == b''
    finally:
        for sock in idle:
            sock.close()


def test_clients_that_do_not_close_leave_the_server_answering(server):
    # The server closes its side after answering and waits for the client
    # to close too; these clients never do.
    lingering = []
    for _ in range(20):
        sock = _connect(server.port)
        sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        lingering.append(sock)
    for sock in lingering:
        assert Responses(sock).next()[0] == 200

    assert requests.get(server.url + '/', timeout=2).status_code == 200
    for sock in lingering:
        sock.close()


def test_a_request_sent_in_pieces_is_answered(server):
    with _connect(server.port) as sock:
        for piece in (b'GET / HT', b'TP/1.1\r\nHo', b'st: x\r\n', b'\r\n'):
            sock.sendall(piece)
            time.sleep(0.2)
        status, headers, body = Responses(sock).next()
    assert status == 200
    assert b'"v1.0"' in body


def test_pipelined_requests_are_all_answered(server):
    with _connect(server.port) as sock:
        sock.sendall(VERSION_REQUEST * 3)
        responses = Responses(sock)
        assert [responses.next()[0] for _ in range(3)] == [200, 200, 200]


def test_expect_100_continue_gets_one_interim_response(server):
    body = b'{"segment": {}}'
    with _connect(server.port) as sock:
        sock.sendall(b'POST /v1/segments HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Type: application/json\r\n'
                     b'Expect: 100-continue\r\n'
                     b'Content-Length: %d\r\n\r\n' % len(body))
        responses = Responses(sock)
        assert responses.next()[0] == 100
        sock.sendall(body + VERSION_REQUEST)
        # The schema refuses the empty segment; no second "100 Continue".
        assert responses.next()[0] == 400
        assert responses.next()[0] == 200


def _oversized(chunked: bool, size: int) -> bytes:
    body = b'{"segment": {"name": "' + b'x' * size + b'"}}'
    if chunked:
        framing, body = b'Transfer-Encoding: chunked', b''.join(
            b'%x\r\n%s\r\n' % (len(body[i:i + 50000]), body[i:i + 50000])
            for i in range(0, len(body), 50000)) + b'0\r\n\r\n'
    else:
        framing = b'Content-Length: %d' % len(body)
    return (b'POST /v1/segments HTTP/1.1\r\nHost: x\r\n'
            b'Content-Type: application/json\r\n' + framing + b'\r\n\r\n'
            + body)


@pytest.mark.parametrize('chunked', [False, True],
                         ids=['content-length', 'chunked'])
@pytest.mark.parametrize('size', [2 * MAX_BODY, 20_000_000])
def test_keep_alive_connection_answers_after_413(server, chunked, size):
    with _connect(server.port) as sock:
        responses = Responses(sock)
        # Sent at once, the next request right behind the body ...
        sock.sendall(_oversized(chunked, size) + VERSION_REQUEST)
        status, headers, _ = responses.next()
        assert status == 413
        assert headers['connection'] == 'keep-alive'
        assert responses.next()[0] == 200
        # ... or after the answer to the first.
        sock.sendall(_oversized(chunked, size))
        assert responses.next()[0] == 413
        sock.sendall(VERSION_REQUEST)
        assert responses.next()[0] == 200


def test_stalled_connections_do_not_delay_stopping(server):
    stalled = [_connect(server.port) for _ in range(10)]
    stalled[0].sendall(b'GET / HT')
    time.sleep(0.5)
    os.killpg(server.process.pid, signal.SIGTERM)
    stopping = time.monotonic()
    for sock in stalled:
        assert _read_until_closed(sock) == b''
        sock.close()
    # Well before their client_socket_timeout (by default 900 s) or
    # gunicorn's graceful timeout (60 s) would have closed them.
    assert time.monotonic() - stopping < CLIENT_SOCKET_TIMEOUT - 2.5
    server.stop()


def test_stalled_tls_clients_leave_the_server_answering(tmp_path):
    cert, key = test_tls._self_signed(tmp_path, 'api')
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, workers=1, extra=f"""
        [DEFAULT]
        use_ssl = true
        [wsgi]
        ssl_cert_file = {cert}
        ssl_key_file = {key}
        worker_threads = 2
        """.replace('        ', ''))
    api_server.db_sync(config)
    process = subprocess.Popen(
        [str(api_server.BIN / 'masakari-api'), '--config-file', str(config)],
        stdout=(tmp_path / 'api.log').open('wb'), stderr=subprocess.STDOUT,
        start_new_session=True)
    stalled = []
    try:
        address = f'127.0.0.1:{port}'
        test_tls._wait_https(address, cert)
        context = ssl.create_default_context(cafile=cert)
        for i in range(30):
            sock = _connect(port)
            if i % 3 == 1:
                sock.sendall(b'\x16\x03\x01\x02\x00\x01')  # a ClientHello's start
            elif i % 3 == 2:
                sock = context.wrap_socket(sock, server_hostname='127.0.0.1')
                sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')
            stalled.append(sock)

        with requests.Session() as session:
            for _ in range(2):  # on one kept-alive connection
                answered = session.get(f'https://{address}/', verify=cert,
                                       timeout=2)
                assert answered.status_code == 200
    finally:
        for sock in stalled:
            sock.close()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
