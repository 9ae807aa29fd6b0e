"""[DEFAULT] options that say how masakari reaches Nova."""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

# Seconds a request to Nova or Keystone may take ([DEFAULT] timeout).
NOVA_TIMEOUT = 60

nova_opts = [
    cfg.StrOpt('nova_catalog_admin_info', default='compute:nova:publicURL',
               help='Catalog lookup of Nova as '
                    '<service_type>:<service_name>:<endpoint_type>.'),
    cfg.StrOpt('os_region_name', help='Region of the Nova endpoint.'),
    cfg.StrOpt('nova_ca_certificates_file',
               help='CA bundle used to verify Nova and Keystone.'),
    cfg.BoolOpt('nova_api_insecure', default=False,
                help='Do not verify TLS certificates of Nova.'),
    cfg.StrOpt('os_privileged_user_name', help='User masakari acts as in '
                                               'Nova.'),
    cfg.StrOpt('os_privileged_user_password', secret=True,
               help='Password of os_privileged_user_name.'),
    cfg.StrOpt('os_privileged_user_tenant', help='Project of '
                                                 'os_privileged_user_name.'),
    cfg.URIOpt('os_privileged_user_auth_url', help='Keystone URL.'),
    cfg.StrOpt('os_user_domain_name', default='default',
               help='Domain of os_privileged_user_name.'),
    cfg.StrOpt('os_project_domain_name', default='default',
               help='Domain of os_privileged_user_tenant.'),
    cfg.StrOpt('os_system_scope',
               help='System scope (for example "all") used instead of a '
                    'project scope.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(nova_opts)
    ks_loading.register_session_conf_options(conf, 'DEFAULT')
    # keystoneauth's own default is no timeout: a Nova that stops answering
    # would hold a recovery (and its notification, running) forever.
    conf.set_default('timeout', NOVA_TIMEOUT, group='DEFAULT')


def list_opts():
    return {'DEFAULT': nova_opts}
