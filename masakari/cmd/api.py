"""masakari-api: the REST API on a pre-forking, threaded WSGI server.

gunicorn's gthread workers give each of ``masakari_api_workers`` processes
a pool of threads; every worker builds its own app, database engine and RPC
transport after the fork.
"""
import multiprocessing
import sys

from gunicorn.app import base as gunicorn_base
from oslo_config import cfg
from oslo_log import log as logging

from masakari import rpc
from masakari import service
from masakari.api import app as api_app

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class APIServer(gunicorn_base.BaseApplication):
    def __init__(self, paste_config: str):
        self.paste_config = paste_config
        super().__init__()

    def load_config(self):
        workers = CONF.masakari_api_workers or multiprocessing.cpu_count()
        settings = {
            'bind': [f'{_bind_host()}:{CONF.masakari_api_listen_port}'],
            'workers': workers,
            'worker_class': 'gthread',
            'threads': CONF.wsgi.worker_threads,
            'keepalive': 5 if CONF.wsgi.keep_alive else 0,
            'timeout': 0,
            'graceful_timeout': 60,
            'limit_request_field_size': CONF.wsgi.max_header_line,
            'accesslog': None,
            'control_socket_disable': True,
            'proc_name': 'masakari-api',
            # Each worker listens on its own SO_REUSEPORT socket, so the
            # kernel spreads connections evenly; with one shared socket a
            # single worker could take every keep-alive connection.
            'reuse_port': True,
        }
        if CONF.use_ssl:
            settings.update(certfile=CONF.wsgi.ssl_cert_file,
                            keyfile=CONF.wsgi.ssl_key_file)
            if CONF.wsgi.ssl_ca_file:
                settings.update(ca_certs=CONF.wsgi.ssl_ca_file, cert_reqs=2)
        for key, value in settings.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        rpc.init(CONF, 'masakari-api')
        return api_app.load_app(self.paste_config)


def _bind_host() -> str:
    host = CONF.masakari_api_listen
    return f'[{host}]' if ':' in host else host


def main() -> None:
    service.prepare(sys.argv[1:])
    paste_config = api_app.find_paste_config()
    LOG.info('masakari-api listening on %s:%s', CONF.masakari_api_listen,
             CONF.masakari_api_listen_port)
    # gunicorn parses sys.argv itself; it must only see our program name.
    sys.argv = sys.argv[:1]
    APIServer(paste_config).run()
