"""[process]: the processmonitor."""
from oslo_config import cfg

process_opts = [
    cfg.IntOpt('check_interval', default=5,
               help='Interval in seconds for checking a process.'),
    cfg.IntOpt('restart_retries', default=3,
               help='Number of retries when the failure of restarting a '
                    'process.'),
    cfg.IntOpt('restart_interval', default=5,
               help='Interval in seconds for restarting a process.'),
    cfg.IntOpt('api_retry_max', default=12,
               help='Number of retries for send a notification in '
                    'processmonitor.'),
    cfg.IntOpt('api_retry_interval', default=10,
               help='Interval between re-sending a notification in '
                    'processmonitor(in seconds).'),
    cfg.StrOpt('process_list_path',
               default='/etc/masakarimonitors/process_list.yaml',
               help='The file path of process list.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(process_opts, group='process')


def list_opts() -> dict:
    return {'process': process_opts}
