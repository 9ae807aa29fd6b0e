"""[api]: how the notification client authenticates and finds Masakari."""
import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'api'

api_opts = [
    cfg.StrOpt('region', default='RegionOne',
               help='Region name of this node. This is used when picking '
                    'the URL in the service catalog.'),
    cfg.StrOpt('api_version', default='v1',
               help='Masakari API Version.'),
    cfg.StrOpt('api_interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Interface of Masakari API service.'),
]


def _auth_common_opts() -> list[cfg.Opt]:
    """auth_type and auth_section, auth_type defaulting to 'password'.

    A copy with its own default rather than set_default(), which a
    ConfigOpts.reset() would undo.
    """
    opts = []
    for opt in ks_loading.get_auth_common_conf_options():
        if opt.dest == 'auth_type':
            opt = copy.deepcopy(opt)
            opt.default = 'password'
        opts.append(opt)
    return opts


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(api_opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    conf.register_opts(_auth_common_opts(), group=GROUP)


def list_opts() -> dict:
    # The sample shows the password plugin's options, the documented way in.
    password = ks_loading.get_auth_plugin_conf_options('password')
    auth = _auth_common_opts()
    return {GROUP: api_opts + auth + password}
