"""Masakari's own defaults for options owned by libraries."""
from oslo_config import cfg
from oslo_db import options as db_options
from oslo_middleware import cors

_DEFAULT_SQL_CONNECTION = 'sqlite:///$state_path/masakari.sqlite'


def set_lib_defaults(conf: cfg.ConfigOpts = cfg.CONF) -> None:
    db_options.set_defaults(conf, connection=_DEFAULT_SQL_CONNECTION)
    cors.set_defaults(
        allow_headers=['X-Auth-Token', 'X-Openstack-Request-Id',
                       'X-Identity-Status', 'X-Roles', 'X-Service-Catalog',
                       'X-User-Id', 'X-Tenant-Id'],
        expose_headers=['X-Auth-Token', 'X-Openstack-Request-Id',
                        'X-Subject-Token', 'X-Service-Token'],
        allow_methods=['GET', 'PUT', 'POST', 'DELETE', 'PATCH'])
