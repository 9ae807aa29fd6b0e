"""masakari-api: the REST API on a pre-forking, threaded WSGI server.

gunicorn's gthread workers give each of ``masakari_api_workers`` processes
a pool of threads (masakari.wsgi.worker: a thread serves a request once it
has come in whole); every worker builds its own app, database engine and RPC
transport after the fork. Before any worker starts, the master checks what
would otherwise fail in every worker (the paste pipeline, the certificate,
the access log format) and exits 1 with one line saying what is wrong.
"""
import multiprocessing
import ssl
import sys
import time

from gunicorn import glogging
from gunicorn.app import base as gunicorn_base
from oslo_config import cfg
from oslo_log import log as logging

from masakari import console_logging
from masakari import rpc
from masakari import service
from masakari.api import app as api_app
from masakari.api import auth

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
# Upstream's name for the logger of its access lines.
ACCESS_LOG = logging.getLogger('masakari.masakari_api.wsgi.server')


class StartupError(Exception):
    """A configuration masakari-api cannot serve with."""


def access_fields(environ: dict, status_code: int, body_length: int,
                  seconds: float) -> dict:
    """The fields of ``[wsgi] wsgi_log_format``, as eventlet's WSGI server
    (upstream's) fills them."""
    client_ip = environ.get('REMOTE_ADDR', '-')
    forwarded = environ.get('HTTP_X_FORWARDED_FOR', '').replace(' ', '')
    if forwarded:
        client_ip = f'{forwarded},{client_ip}'
    return {
        'client_ip': client_ip,
        'client_port': environ.get('REMOTE_PORT', '-'),
        'date_time': time.strftime('%d/%b/%Y %H:%M:%S'),
        'request_line': '{} {} {}'.format(
            environ.get('REQUEST_METHOD', '-'),
            environ.get('RAW_URI') or environ.get('PATH_INFO', '-'),
            environ.get('SERVER_PROTOCOL', '-')),
        'status_code': status_code,
        'body_length': body_length,
        'wall_seconds': seconds,
    }


class AccessLogger(glogging.Logger):
    """gunicorn's logger, except that each request is logged as one line
    of ``[wsgi] wsgi_log_format`` through oslo.log (so to the journal, a file
    or syslog as configured), with the request's context when it has one."""

    def access(self, resp, req, environ, request_time) -> None:
        fields = access_fields(environ, resp.status_code, resp.sent or 0,
                               request_time.total_seconds())
        ACCESS_LOG.info(CONF.wsgi.wsgi_log_format, fields,
                        extra={'context': environ.get(auth.ENV_KEY)})


class APIServer(gunicorn_base.BaseApplication):
    def __init__(self, paste_config: str, tls: dict):
        self.paste_config = paste_config
        self.tls = tls
        super().__init__()

    def load_config(self):
        workers = CONF.masakari_api_workers or multiprocessing.cpu_count()
        settings = {
            'bind': [f'{_bind_host()}:{CONF.masakari_api_listen_port}'],
            'workers': workers,
            # gthread, with each request read before it takes a thread.
            'worker_class': 'masakari.wsgi.worker.HeadReadingWorker',
            'threads': CONF.wsgi.worker_threads,
            'keepalive': 5 if CONF.wsgi.keep_alive else 0,
            'timeout': 0,
            'graceful_timeout': 60,
            'limit_request_field_size': CONF.wsgi.max_header_line,
            'accesslog': None,
            'logger_class': AccessLogger,
            'control_socket_disable': True,
            'proc_name': 'masakari-api',
            # Each worker listens on its own SO_REUSEPORT socket, so the
            # kernel spreads connections evenly; with one shared socket a
            # single worker could take every keep-alive connection.
            'reuse_port': True,
            **self.tls,
        }
        for key, value in settings.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        rpc.init(CONF, 'masakari-api')
        return api_app.load_app(self.paste_config)


def _bind_host() -> str:
    host = CONF.masakari_api_listen
    return f'[{host}]' if ':' in host else host


def tls_settings() -> dict:
    """gunicorn's TLS settings from ``[DEFAULT] use_ssl`` and the [wsgi]
    files; StartupError when HTTPS is asked for and cannot be served."""
    files = {'ssl_cert_file': CONF.wsgi.ssl_cert_file,
             'ssl_key_file': CONF.wsgi.ssl_key_file,
             'ssl_ca_file': CONF.wsgi.ssl_ca_file}
    if not CONF.use_ssl:
        if files['ssl_cert_file']:
            LOG.warning('[wsgi] ssl_cert_file is set but [DEFAULT] use_ssl '
                        'is false: masakari-api serves plain HTTP')
        return {}
    for name in ('ssl_cert_file', 'ssl_key_file'):
        if not files[name]:
            raise StartupError(f'use_ssl is true but [wsgi] {name} is not '
                               f'set')
    for name, path in files.items():
        if path:
            try:
                open(path, 'rb').close()
            except OSError as error:
                raise StartupError(f'use_ssl is true but [wsgi] {name} '
                                   f'{path} cannot be read: '
                                   f'{error.strerror}') from None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(files['ssl_cert_file'], files['ssl_key_file'])
        if files['ssl_ca_file']:
            context.load_verify_locations(files['ssl_ca_file'])
    except ssl.SSLError as error:
        raise StartupError(
            f"use_ssl is true but the certificate {files['ssl_cert_file']}, "
            f"key {files['ssl_key_file']}"
            + (f" or CA file {files['ssl_ca_file']}" if files['ssl_ca_file']
               else '')
            + f' cannot be used: {error.reason or error}') from None
    settings = {'certfile': files['ssl_cert_file'],
                'keyfile': files['ssl_key_file']}
    if files['ssl_ca_file']:
        # As upstream: with a CA file, clients must present a certificate.
        settings.update(ca_certs=files['ssl_ca_file'],
                        cert_reqs=ssl.CERT_REQUIRED)
    return settings


def check_access_log_format() -> None:
    try:
        CONF.wsgi.wsgi_log_format % access_fields({}, 200, 0, 0.0)
    except (KeyError, ValueError, TypeError) as error:
        raise StartupError(f'[wsgi] wsgi_log_format '
                           f'{CONF.wsgi.wsgi_log_format!r} is invalid: '
                           f'{error!r}') from None


def _check_app(paste_config: str) -> None:
    try:
        api_app.load_app(paste_config)
    except Exception as error:
        raise StartupError(f'cannot load the API from {paste_config}: '
                           f'{error}') from None


def main() -> int:
    service.prepare(sys.argv[1:])
    try:
        paste_config = api_app.find_paste_config()
        tls = tls_settings()
        check_access_log_format()
        _check_app(paste_config)
    except (StartupError, cfg.ConfigFilesNotFoundError) as error:
        LOG.error('Cannot start: %s', error)
        return 1
    LOG.info('masakari-api listening on %s:%s', CONF.masakari_api_listen,
             CONF.masakari_api_listen_port)
    console_logging.started()
    # gunicorn parses sys.argv itself; it must only see our program name.
    sys.argv = sys.argv[:1]
    APIServer(paste_config, tls).run()
    return 0
