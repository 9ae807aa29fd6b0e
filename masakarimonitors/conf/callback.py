"""[callback]: notification retries of the instance monitors."""
from oslo_config import cfg

callback_opts = [
    cfg.IntOpt('retry_max', default=12,
               help='Number of retries when the notification processing '
                    'is error.'),
    cfg.IntOpt('retry_interval', default=10,
               help='Trial interval of time of the notification processing '
                    'is error(in seconds).'),
    cfg.IntOpt('notification_threads', default=10, min=1,
               help='Most notifications the instance monitor sends at '
                    'once, each with its retries; the others wait in a '
                    'queue. Threads are started as needed and end when '
                    'the queue is empty.'),
    cfg.IntOpt('notification_queue_size', default=1000, min=1,
               help='Most instances whose notifications may wait to be '
                    'sent. An instance has at most one waiting '
                    'notification per event and detail: a repeat replaces '
                    'it. Notifications of further instances are dropped '
                    'and logged.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(callback_opts, group='callback')


def list_opts() -> dict:
    return {'callback': callback_opts}
