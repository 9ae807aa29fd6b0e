"""The Nova stand-in served from a thread of the test process."""
import contextlib
import socketserver
import threading
from wsgiref import simple_server

from novasim.app import Simulator


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


@contextlib.contextmanager
def running(hosts: list[str]):
    simulator = Simulator()
    for host in hosts:
        simulator.cloud.add_host(host)
    server = simple_server.make_server('127.0.0.1', 0, simulator,
                                       server_class=_ThreadingServer,
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    simulator.url = f'http://127.0.0.1:{server.server_port}'
    try:
        yield simulator
    finally:
        server.shutdown()
        server.server_close()


def masakari_options(simulator) -> str:
    return (f'[DEFAULT]\n'
            f'os_privileged_user_auth_url = {simulator.url}/identity/v3\n'
            f'os_privileged_user_name = masakari\n'
            f'os_privileged_user_password = masakari\n'
            f'os_privileged_user_tenant = service\n')
