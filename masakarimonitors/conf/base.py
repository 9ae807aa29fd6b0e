"""[DEFAULT] options of every monitor."""
import socket

from oslo_config import cfg

base_opts = [
    cfg.StrOpt('hostname', default=socket.gethostname(),
               sample_default='<HOSTNAME>',
               deprecated_name='host', deprecated_group='DEFAULT',
               help='Hostname, FQDN or IP address of this host. '
                    'Must be valid within AMQP key.'),
    cfg.StrOpt('tempdir',
               help='Explicitly specify the temporary working directory.'),
    cfg.BoolOpt('monkey_patch', default=False,
                help='Whether to apply monkey patching.'),
    cfg.ListOpt('monkey_patch_modules', default=[],
                help='List of modules/decorators to monkey patch.'),
    cfg.StrOpt('instancemonitor_manager',
               default='masakarimonitors.instancemonitor.instance'
                       '.InstancemonitorManager',
               help='Full class name for instancemonitor.'),
    cfg.StrOpt('introspectiveinstancemonitor_manager',
               default='masakarimonitors.introspectiveinstancemonitor'
                       '.instance.IntrospectiveInstanceMonitorManager',
               help='Full class name for introspectiveinstancemonitor.'),
    cfg.StrOpt('processmonitor_manager',
               default='masakarimonitors.processmonitor.process'
                       '.ProcessmonitorManager',
               help='Full class name for processmonitor.'),
    cfg.StrOpt('hostmonitor_manager',
               default='masakarimonitors.hostmonitor.host.HostmonitorManager',
               help='Full class name for hostmonitor.'),
]

# The options oslo.service would register; the monitors run without it.
service_opts = [
    cfg.BoolOpt('log_options', default=True,
                help='Enables or disables logging values of all registered '
                     'options when starting a service (at DEBUG level).'),
    cfg.IntOpt('graceful_shutdown_timeout', default=60,
               help='Specify a timeout after which a gracefully shutdown '
                    'server will exit. Zero value means endless wait.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(base_opts)
    conf.register_opts(service_opts)


def list_opts() -> dict:
    return {'DEFAULT': base_opts + service_opts}
