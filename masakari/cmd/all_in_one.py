"""masakari-all-in-one: masakari-api and masakari-engine in one process.

Meant for one small machine and for trying the service out: with
``transport_url = fake://`` (oslo.messaging's in-process driver) the API
casts to the engine inside the process, so no broker is needed, and with
SQLite no database server either. Any other transport_url and database work
as well; several processes need a real broker and a shared database, and
then masakari-api and masakari-engine are the commands to run.

The API is served by a threaded HTTP/1.0 server on masakari_api_listen and
masakari_api_listen_port, without TLS: a configured certificate
(``use_ssl``) stops the process at start rather than serving plain HTTP.
SIGTERM and SIGINT stop it after the recoveries in progress; SIGHUP reloads
the engine's mutable options.
"""
import signal
import socket
import socketserver
import sys
import threading
from wsgiref import simple_server

from oslo_config import cfg
from oslo_log import log as logging

from masakari import console_logging
from masakari import rpc
from masakari import service
from masakari.api import app as api_app
from masakari.cmd import engine as engine_cmd

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class _RequestHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        LOG.debug('%s %s', self.address_string(), format % args)


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _IPv6ThreadingServer(_ThreadingServer):
    address_family = socket.AF_INET6


def make_server(app, host: str, port: int) -> simple_server.WSGIServer:
    server_class = _IPv6ThreadingServer if ':' in host else _ThreadingServer
    return simple_server.make_server(host, port, app, server_class=server_class,
                                     handler_class=_RequestHandler)


def main() -> int:
    service.prepare(sys.argv[1:])
    if CONF.use_ssl:
        LOG.error('masakari-all-in-one serves plain HTTP only; run masakari-api '
                  'for TLS (use_ssl is set)')
        return 1
    rpc.init(CONF, 'masakari-all-in-one')
    engine = engine_cmd.load_engine()
    if engine is None:
        return 1
    try:
        httpd = make_server(api_app.load_app(), CONF.masakari_api_listen,
                            CONF.masakari_api_listen_port)
    except (cfg.Error, OSError) as error:
        LOG.error('masakari-all-in-one cannot serve the API: %s', error)
        return 1
    engine.start()
    stopping = threading.Event()

    def stop(*_) -> None:
        # shutdown() waits for serve_forever() to return: not from its thread.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, lambda *_: CONF.mutate_config_files())
    LOG.info('masakari-all-in-one: API listening on %s:%s, engine on topic %s',
             CONF.masakari_api_listen, httpd.server_port, CONF.masakari_topic)
    console_logging.started()
    httpd.serve_forever(poll_interval=0.5)
    httpd.server_close()
    LOG.info('masakari-all-in-one stopping')
    engine.stop()
    rpc.cleanup()
    return 0
