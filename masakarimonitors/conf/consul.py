"""[consul]: the hostmonitor's consul driver."""
from oslo_config import cfg

consul_opts = [
    cfg.StrOpt('agent_manage',
               help='Addr for local consul agent in management datacenter. '
                    'The addr is make up of the agent\'s bind_addr and '
                    'http port, such as \'192.168.10.1:8500\'.'),
    cfg.StrOpt('agent_tenant',
               help='Addr for local consul agent in tenant datacenter.'),
    cfg.StrOpt('agent_storage',
               help='Addr for local consul agent in storage datacenter.'),
    cfg.StrOpt('matrix_config_file',
               help='Config file for consul health action matrix.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(consul_opts, group='consul')


def list_opts() -> dict:
    return {'consul': consul_opts}
