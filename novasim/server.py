"""Serving the simulator over HTTP: a threaded wsgiref server, in the foreground or
in a background thread of a test process."""
import socketserver
import sys
import threading
from typing import Any
from wsgiref import simple_server

from novasim.app import DropConnection
from novasim.app import Simulator


class _Handler(simple_server.ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            # Nothing was written: closing now leaves the client unanswered
            # (skipping ServerHandler.close, which would log a status).
            simple_server.SimpleHandler.close(self)
            return
        super().handle_error()


class _RequestHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(),
                           multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows when dozens of clients
    # connect at once (an engine evacuating in parallel opens a connection
    # per call): the kernel then drops the handshake and the client waits
    # for its read timeout or sees the connection closed unanswered.
    request_queue_size = 1024


def make_server(sim: Simulator, host: str = '127.0.0.1', port: int = 0) -> _ThreadingServer:
    return simple_server.make_server(host, port, sim, server_class=_ThreadingServer,
                                     handler_class=_RequestHandler)


class Running:
    """A simulator served from a background thread; stop() or use as a context manager."""

    def __init__(self, sim: Simulator, host: str = '127.0.0.1', port: int = 0):
        self.sim = sim
        self._httpd = make_server(sim, host, port)
        self.url = f'http://{host}:{self._httpd.server_port}'
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name='novasim', daemon=True)
        self._thread.start()

    @property
    def identity_url(self) -> str:
        return f'{self.url}/identity/v3'

    @property
    def compute_url(self) -> str:
        return f'{self.url}/compute/v2.1'

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> 'Running':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def start(sim: Simulator | None = None, host: str = '127.0.0.1', port: int = 0) -> Running:
    """Serve ``sim`` (a new Simulator if None) on ``host:port`` (0: any free port)."""
    return Running(sim or Simulator(), host, port)
