"""[introspectiveinstancemonitor]: QEMU guest-agent heartbeats."""
from oslo_config import cfg

introspective_opts = [
    cfg.IntOpt('guest_monitoring_interval', default=10,
               help='Guest monitoring interval of VM status (in seconds).'),
    cfg.IntOpt('guest_monitoring_timeout', default=2,
               help='Guest monitoring timeout (in seconds).'),
    cfg.IntOpt('guest_monitoring_failure_threshold', default=3,
               help='Failure threshold before sending notification.'),
    cfg.StrOpt('qemu_guest_agent_sock_path',
               default=r'/var/lib/libvirt/qemu/org\.qemu\.guest_agent\..*'
                       r'\.instance-.*\.sock',
               help='The file path of qemu guest agent sock. Please use '
                    'Python raw string notation as regular expressions.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(introspective_opts,
                       group='introspectiveinstancemonitor')


def list_opts() -> dict:
    return {'introspectiveinstancemonitor': introspective_opts}
