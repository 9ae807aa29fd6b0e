"""[coordination] options: the tooz backend for distributed locks."""
from oslo_config import cfg

coordination_group = cfg.OptGroup('coordination', title='Coordination options')

coordination_opts = [
    cfg.StrOpt('backend_url', secret=True,
               help='tooz backend URL (for example redis://127.0.0.1:6379 '
                    'or etcd3+http://127.0.0.1:2379).'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(coordination_group)
    conf.register_opts(coordination_opts, group=coordination_group)


def list_opts():
    return {coordination_group: coordination_opts}
