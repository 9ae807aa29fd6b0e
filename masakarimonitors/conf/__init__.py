"""The monitors' options.

The monitors keep their own ``ConfigOpts`` rather than ``cfg.CONF``: the
control plane registers options of the same names ([DEFAULT] host, tempdir,
...) with other definitions, and both may live in one test process.
"""
from oslo_config import cfg

from masakarimonitors.conf import api
from masakarimonitors.conf import base
from masakarimonitors.conf import callback
from masakarimonitors.conf import consul
from masakarimonitors.conf import host
from masakarimonitors.conf import introspective
from masakarimonitors.conf import kubernetes
from masakarimonitors.conf import libvirt
from masakarimonitors.conf import process

CONF = cfg.ConfigOpts()

base.register_opts(CONF)
api.register_opts(CONF)
callback.register_opts(CONF)
libvirt.register_opts(CONF)
introspective.register_opts(CONF)
process.register_opts(CONF)
host.register_opts(CONF)
consul.register_opts(CONF)
kubernetes.register_opts(CONF)
