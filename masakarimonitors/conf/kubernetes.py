"""[kubernetes]: the hostmonitor's kubernetes driver."""
from oslo_config import cfg

kubernetes_opts = [
    cfg.StrOpt('monitoring_node_labels', default='',
               help='Label selector of the nodes to monitor, such as '
                    '\'a=b,c=d\'. Empty means all nodes.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(kubernetes_opts, group='kubernetes')


def list_opts() -> dict:
    return {'kubernetes': kubernetes_opts}
