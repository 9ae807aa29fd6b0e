"""[wsgi] options of the API server."""
from oslo_config import cfg

wsgi_group = cfg.OptGroup('wsgi', title='WSGI server options')

wsgi_opts = [
    cfg.StrOpt('api_paste_config', default='api-paste.ini',
               help='File name of the paste deploy configuration.'),
    cfg.StrOpt('wsgi_log_format',
               default='%(client_ip)s "%(request_line)s" status: '
                       '%(status_code)s len: %(body_length)s time: '
                       '%(wall_seconds).7f',
               help='Format of the access log line.'),
    cfg.StrOpt('secure_proxy_ssl_header', deprecated_for_removal=True,
               help='Header naming the original request scheme.'),
    # The [DEFAULT] spellings are the ones OpenStack-Ansible renders.
    cfg.StrOpt('ssl_ca_file', deprecated_group='DEFAULT',
               help='CA file; when set, clients must present a certificate '
                    'signed by it.'),
    cfg.StrOpt('ssl_cert_file', deprecated_group='DEFAULT',
               help='Server certificate file, served when [DEFAULT] use_ssl '
                    'is true.'),
    cfg.StrOpt('ssl_key_file', deprecated_group='DEFAULT',
               help='Private key of the server certificate.'),
    cfg.IntOpt('tcp_keepidle', default=600,
               help='TCP_KEEPIDLE of accepted sockets, in seconds.'),
    cfg.IntOpt('default_pool_size', default=1000,
               help='Not used: masakari-api has no green threads; see '
                    'worker_threads. Kept so that existing configuration '
                    'files still validate.'),
    cfg.IntOpt('worker_threads', default=4, min=1,
               help='Threads serving requests in each masakari-api worker '
                    'process. The API is CPU-bound Python: a few threads per '
                    'worker keep latency low under load, more only help when '
                    'requests wait on slow outside services.'),
    cfg.IntOpt('max_header_line', default=16384,
               help='Maximum size of a request header line.'),
    cfg.BoolOpt('keep_alive', default=True, help='Honour HTTP keep-alive.'),
    cfg.IntOpt('client_socket_timeout', default=900,
               help='Seconds a client may take to send its request, and '
                    'may leave the answer unread, before its connection is '
                    'closed; 0 waits forever.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(wsgi_group)
    conf.register_opts(wsgi_opts, group=wsgi_group)


def list_opts():
    return {wsgi_group: wsgi_opts}
