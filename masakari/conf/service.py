"""[DEFAULT] options shared by the services: listeners, identity, paths."""
import os
import socket
import sys

from oslo_config import cfg

path_opts = [
    cfg.StrOpt('pybasedir',
               default=os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                    '../../')),
               sample_default='<Path>',
               help='Directory where the masakari python module is installed.'),
    cfg.StrOpt('bindir', default=os.path.join(sys.prefix, 'local', 'bin'),
               sample_default='$PYTHON_PREFIX/local/bin',
               help='Directory where masakari binaries are installed.'),
    cfg.StrOpt('state_path', default='$pybasedir',
               help="Top-level directory for maintaining masakari's state."),
    cfg.StrOpt('tempdir', help='Explicitly specify the temporary working '
                               'directory.'),
]

service_opts = [
    cfg.HostAddressOpt('host', default=socket.gethostname(),
                       sample_default='<HOSTNAME>',
                       help='Name of this node, used as the RPC server name '
                            'of the engine.'),
    cfg.StrOpt('masakari_topic', default='ha_engine',
               deprecated_for_removal=True,
               help='The topic the engine listens on.'),
    cfg.StrOpt('engine_manager',
               default='masakari.engine.manager.MasakariManager',
               help='Full class name of the engine manager.'),
    cfg.StrOpt('notification_driver', default='taskflow_driver',
               help='Name of the masakari.driver entry point that runs '
                    'recovery flows.'),
    cfg.IntOpt('report_interval', default=10, help='Unused.'),
    cfg.IntOpt('service_down_time', default=60, help='Unused.'),
    cfg.BoolOpt('periodic_enable', default=True,
                help='Run the periodic tasks of the engine.'),
    cfg.IntOpt('periodic_interval_max', default=300,
               help='Maximum seconds between two periodic task runs.'),
    cfg.IntOpt('periodic_fuzzy_delay', default=60,
               help='Random delay, up to this many seconds, before the first '
                    'periodic task run (0 disables).'),
    cfg.BoolOpt('use_ssl', default=False,
                help='Serve the API over HTTPS with [wsgi] ssl_cert_file and '
                     'ssl_key_file; masakari-api does not start when they '
                     'cannot be used.'),
    cfg.HostAddressOpt('masakari_api_listen', default='0.0.0.0',
                       help='Address the API listens on.'),
    cfg.PortOpt('masakari_api_listen_port', default=15868,
                help='Port the API listens on.'),
    cfg.IntOpt('masakari_api_workers', min=1,
               help='Number of API worker processes; defaults to the CPU '
                    'count.'),
    cfg.BoolOpt('monkey_patch', default=False, help='Unused.'),
    cfg.ListOpt('monkey_patch_modules',
                default=['masakari.api:masakari.cmd'], help='Unused.'),
    cfg.BoolOpt('fatal_exception_format_errors', default=False,
                help='Make exception message format errors fatal.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(path_opts)
    conf.register_opts(service_opts)


def list_opts():
    return {'DEFAULT': path_opts + service_opts}
