"""[libvirt]: the hypervisor connection of the instance monitors."""
from oslo_config import cfg

libvirt_opts = [
    cfg.StrOpt('connection_uri', default='qemu:///system',
               help='Override the default libvirt URI.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(libvirt_opts, group='libvirt')


def list_opts() -> dict:
    return {'libvirt': libvirt_opts}
