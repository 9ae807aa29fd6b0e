"""Configuration options of masakari, registered on the global CONF.

One module per group. ``masakari.conf.opts.list_opts`` feeds the sample
config generator for masakari.conf; the recovery flow options have their own
namespace, as operators keep them in a separate file.
"""
from oslo_config import cfg

from masakari.conf import api
from masakari.conf import coordination
from masakari.conf import engine
from masakari.conf import fencing
from masakari.conf import nova
from masakari.conf import recovery_flows
from masakari.conf import service
from masakari.conf import taskflow
from masakari.conf import wsgi

CONF = cfg.CONF

MODULES = (api, coordination, engine, fencing, nova, service, taskflow, wsgi)

for _module in MODULES + (recovery_flows,):
    _module.register_opts(CONF)
