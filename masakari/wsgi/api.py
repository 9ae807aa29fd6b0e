"""WSGI entry point for uwsgi, gunicorn or mod_wsgi:
``masakari.wsgi.api:application``.

Configuration comes from $OS_MASAKARI_CONFIG_DIR (default /etc/masakari):
its masakari.conf and api-paste.ini.
"""
import os

from masakari import rpc
from masakari.api import app as api_app


def init_application():
    config_dir = os.environ.get('OS_MASAKARI_CONFIG_DIR', '/etc/masakari')
    conf_file = os.path.join(config_dir, 'masakari.conf')
    paste_file = os.path.join(config_dir, 'api-paste.ini')
    config_files = [conf_file] if os.path.exists(conf_file) else []
    api_app.prepare_service([], default_config_files=config_files)
    rpc.init(binary='masakari-api')
    return api_app.load_app(paste_file)


application = init_application()
