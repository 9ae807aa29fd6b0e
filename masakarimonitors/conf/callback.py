"""[callback]: notification retries of the instance monitors."""
from oslo_config import cfg

callback_opts = [
    cfg.IntOpt('retry_max', default=12,
               help='Number of retries when the notification processing '
                    'is error.'),
    cfg.IntOpt('retry_interval', default=10,
               help='Trial interval of time of the notification processing '
                    'is error(in seconds).'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(callback_opts, group='callback')


def list_opts() -> dict:
    return {'callback': callback_opts}
