"""Configuration options of masakari, registered on the global CONF.

One module per group; ``masakari.conf.opts.list_opts`` feeds the sample
config generator.
"""
from oslo_config import cfg

from masakari.conf import api
from masakari.conf import coordination
from masakari.conf import nova
from masakari.conf import service
from masakari.conf import taskflow
from masakari.conf import wsgi

CONF = cfg.CONF

MODULES = (api, coordination, nova, service, taskflow, wsgi)

for _module in MODULES:
    _module.register_opts(CONF)
