"""Start-up shared by every masakari service."""
from oslo_config import cfg
from oslo_log import log as logging

from masakari import console_logging
from masakari import rpc
from masakari.conf import defaults
from masakari.db import api as db

CONF = cfg.CONF


def prepare(argv: list[str], default_config_files=None) -> None:
    """Parse the configuration and set up logging, RPC and the database."""
    logging.register_options(CONF)
    defaults.set_lib_defaults(CONF)
    rpc.set_defaults()
    CONF(argv, project='masakari',
         default_config_files=default_config_files)
    console_logging.setup(CONF, 'masakari')
    db.configure(CONF)
