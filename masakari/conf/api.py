"""[DEFAULT] options of the REST API and the deprecated [osapi_v1] group."""
from oslo_config import cfg

api_opts = [
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=['keystone', 'noauth2'],
               help='Authentication strategy for the v1 API: the '
                    'keystone pipeline or noauth2 (testing only: every '
                    'request is treated as admin).'),
    cfg.BoolOpt('use_forwarded_for', default=False, deprecated_for_removal=True,
                help='Take the client address from X-Forwarded-For.'),
    cfg.IntOpt('osapi_max_limit', default=1000,
               help='Default and maximum number of items a list returns.'),
    cfg.StrOpt('osapi_masakari_link_prefix',
               help='Base URL that replaces scheme, host and port in the '
                    'links of the version documents.'),
    cfg.IntOpt('notification_delay_max', default=0, min=0,
               help='Upper bound, in seconds, of a random sleep before a '
                    'notification is stored when no coordination backend is '
                    'configured. Duplicate detection is atomic in the '
                    'database, so no delay is needed; the option is kept '
                    'for configuration compatibility.'),
    cfg.IntOpt('duplicate_notification_detection_interval', default=180,
               min=0,
               help='A notification of the same type, host and payload '
                    'generated within this many seconds before a new one '
                    'makes the new one a duplicate (409).'),
    cfg.IntOpt('recovery_workflow_details_timeout', default=10, min=1,
               help='Seconds the API waits for an engine to report the '
                    'recovery workflow details of a notification before it '
                    'answers with the stored details.'),
]

osapi_v1_group = cfg.OptGroup('osapi_v1', title='API v1 options')

osapi_v1_opts = [
    cfg.ListOpt('extensions_blacklist', default=[],
                deprecated_for_removal=True, help='Unused.'),
    cfg.ListOpt('extensions_whitelist', default=[],
                deprecated_for_removal=True, help='Unused.'),
    cfg.StrOpt('project_id_regex', deprecated_for_removal=True,
               help='Regular expression a project id in a URL must match; '
                    'unset means [0-9a-f\\-]+.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(api_opts)
    conf.register_group(osapi_v1_group)
    conf.register_opts(osapi_v1_opts, group=osapi_v1_group)


def list_opts():
    return {'DEFAULT': api_opts, osapi_v1_group: osapi_v1_opts}
