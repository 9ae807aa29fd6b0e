"""A small threaded HTTP server that answers in JSON, for the stand-ins of
services a test cannot steer (Neutron, Keystone, Consul, Kubernetes).

The caller gives one function that maps a request to a reply; the server
does the HTTP: reading the body, JSON encoding, Content-Length, threads.
"""
import dataclasses
import http.server
import json
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any
from typing import TextIO


@dataclasses.dataclass
class Request:
    method: str
    path: str                      # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any                      # the decoded JSON body, None without one


@dataclasses.dataclass
class Reply:
    status: int
    body: Any = None               # encoded as JSON; None sends no body
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


class JSONServer:
    """Serves ``answer(request) -> Reply`` on a loopback port (0: any free
    one) until ``stop``; ``log`` receives one access line per request."""

    def __init__(self, answer: Callable[[Request], Reply], port: int = 0,
                 log: TextIO | None = None, tls: ssl.SSLContext | None = None):
        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length) if length else b''
                url = urllib.parse.urlsplit(self.path)
                reply = answer(Request(self.command, url.path,
                                       urllib.parse.parse_qs(url.query),
                                       dict(self.headers.items()),
                                       json.loads(raw) if raw else None))
                data = b'' if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                if reply.body is not None:
                    self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format, *args):
                if log is not None:
                    log.write(f'{self.log_date_time_string()} {format % args}\n')

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        scheme = 'https' if tls is not None else 'http'
        self.url = f'{scheme}://127.0.0.1:{self.port}'
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name='json-http', daemon=True)

    def start(self) -> 'JSONServer':
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():     # shutdown() waits for serve_forever
            self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> 'JSONServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
