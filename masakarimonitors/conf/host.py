"""[host]: the hostmonitor manager and its consul/kubernetes drivers.

The pacemaker driver's own options come with that driver.
"""
from oslo_config import cfg

host_opts = [
    cfg.StrOpt('monitoring_driver', default='default',
               help='Driver that hostmonitor uses for monitoring hosts '
                    '(entry point name in namespace hostmonitor.driver: '
                    'default, simple, consul, kubernetes).'),
    cfg.IntOpt('monitoring_interval', default=60,
               help='Monitoring interval(in seconds) of node status.'),
    cfg.IntOpt('monitoring_samples', default=1,
               help='Monitoring probes to collect before making the '
                    'decision to send a notification about the node '
                    'status.'),
    cfg.IntOpt('api_retry_max', default=12,
               help='Number of retries for send a notification in '
                    'hostmonitor.'),
    cfg.IntOpt('api_retry_interval', default=10,
               help='Interval between re-sending a notification in '
                    'hostmonitor(in seconds).'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(host_opts, group='host')


def list_opts() -> dict:
    return {'host': host_opts}
