"""WSGI entry point for uwsgi, gunicorn or mod_wsgi:
``masakari.wsgi.api:application``.

Configuration comes from $OS_MASAKARI_CONFIG_DIR (default /etc/masakari):
its api-paste.ini and masakari.conf, both required; a missing one stops the
server at start with the path it looked for.
"""
import os

from masakari import console_logging
from masakari import rpc
from masakari import service
from masakari.api import app as api_app


def init_application():
    config_dir = os.environ.get('OS_MASAKARI_CONFIG_DIR', '/etc/masakari')
    conf_file = os.path.join(config_dir, 'masakari.conf')
    paste_file = os.path.join(config_dir, 'api-paste.ini')
    service.prepare([], default_config_files=[paste_file, conf_file])
    rpc.init(binary='masakari-api')
    application = api_app.load_app(paste_file)
    console_logging.started()
    return application


application = init_application()
