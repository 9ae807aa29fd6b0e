"""Building the API's WSGI application from api-paste.ini."""
import os

from oslo_config import cfg
from oslo_log import log as logging
from paste import deploy

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

APP_NAME = 'masakari_api'


def pipeline_factory_v1(loader, global_conf, **local_conf):
    """The v1 pipeline named by [DEFAULT] auth_strategy."""
    if CONF.auth_strategy not in local_conf:
        raise ValueError(f'api-paste.ini has no {CONF.auth_strategy} pipeline '
                         f'for [DEFAULT] auth_strategy = {CONF.auth_strategy}')
    pipeline = local_conf[CONF.auth_strategy].split()
    filters = [loader.get_filter(name) for name in pipeline[:-1]]
    app = loader.get_app(pipeline[-1])
    for wrap in reversed(filters):
        app = wrap(app)
    return app


def find_paste_config() -> str:
    path = CONF.wsgi.api_paste_config
    if not os.path.isabs(path):
        found = CONF.find_file(path)
        if found is None:
            raise cfg.ConfigFilesNotFoundError([path])
        path = found
    return os.path.abspath(path)


def load_app(paste_config: str | None = None):
    paste_config = paste_config or find_paste_config()
    LOG.debug('Loading app %s from %s', APP_NAME, paste_config)
    return deploy.loadapp(f'config:{paste_config}', name=APP_NAME)
