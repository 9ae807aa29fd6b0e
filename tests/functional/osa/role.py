"""The files OpenStack-Ansible's ``os_masakari`` role writes on an API/engine
host and on a compute (monitor) host, rendered here from the role's
variables the way its templates render them.

``render(variables)`` returns {absolute path: RenderedFile}; ``defaults()``
holds the role's defaults for the variables the templates use, with the
secrets and addresses a deployment supplies left for the caller.
"""
import dataclasses

from tests.functional.api.test_upstream_paste import osa_paste


@dataclasses.dataclass(frozen=True)
class RenderedFile:
    content: str
    mode: int = 0o640          # owner root, group masakari
    group: str | None = 'masakari'


def defaults() -> dict:
    """The role's defaults (defaults/main.yml) the templates read."""
    return {
        'debug': False,
        'masakari_system_user_name': 'masakari',
        'masakari_system_group_name': 'masakari',
        'masakari_venv_tag': 'untagged',
        'masakari_galera_user': 'masakari',
        'masakari_galera_database': 'masakari',
        'masakari_galera_port': 3306,
        'masakari_galera_use_ssl': False,
        'masakari_db_max_overflow': 50,
        'masakari_db_max_pool_size': 5,
        'masakari_db_pool_timeout': 30,
        'masakari_db_connection_recycle_time': 600,
        'masakari_oslomsg_rpc_transport': 'rabbit',
        'masakari_oslomsg_rpc_port': 5672,
        'masakari_oslomsg_rpc_use_ssl': False,
        'masakari_oslomsg_rpc_userid': 'masakari',
        'masakari_oslomsg_notify_configure': False,
        'masakari_oslomsg_rabbit_quorum_queues': True,
        'masakari_service_region': 'RegionOne',
        'masakari_service_user_name': 'masakari',
        'masakari_service_project_name': 'service',
        'masakari_service_project_domain_id': 'default',
        'masakari_service_user_domain_id': 'default',
        'masakari_service_token_roles': ['service'],
        'masakari_service_token_roles_required': True,
        'masakari_service_type': 'instance-ha',
        'masakari_api_service_port': 15868,
        'masakari_monitor_corosync_multicast_interface': 'br-mgmt',
        'masakari_monitor_corosync_multicast_ports': 5405,
        'masakari_monitor_corosync_ipmi_check': False,
        'masakari_etc_dir': '/etc/masakari',
        'masakari_monitor_etc_dir': '/etc/masakarimonitors',
    }


def _bool(value: bool) -> str:
    return 'True' if value else 'False'


def _vhost(v: dict) -> str:
    # A new vhost without the leading slash once queues are quorum queues.
    return 'masakari' if v['masakari_oslomsg_rabbit_quorum_queues'] else '/masakari'


def transport_url(v: dict) -> str:
    ssl = '1' if v['masakari_oslomsg_rpc_use_ssl'] else '0'
    hosts = ','.join(
        f"{v['masakari_oslomsg_rpc_userid']}:{v['masakari_oslomsg_rpc_password']}"
        f"@{host}:{v['masakari_oslomsg_rpc_port']}"
        for host in v['masakari_oslomsg_rpc_servers'].split(','))
    return f"{v['masakari_oslomsg_rpc_transport']}://{hosts}/{_vhost(v)}?ssl={ssl}"


def database_url(v: dict) -> str:
    return (f"mysql+pymysql://{v['masakari_galera_user']}:"
            f"{v['masakari_container_mysql_password']}@{v['masakari_galera_address']}:"
            f"{v['masakari_galera_port']}/{v['masakari_galera_database']}?charset=utf8")


def masakari_conf(v: dict) -> str:
    quorum = v['masakari_oslomsg_rabbit_quorum_queues']
    database = database_url(v)
    return f"""\
[DEFAULT]
enabled_apis = masakari_api
transport_url = {transport_url(v)}
masakari_api_listen = {v['masakari_api_bind_address']}
masakari_api_listen_port = {v['masakari_api_service_port']}
debug = {_bool(v['debug'])}
use_journal = true
auth_strategy = keystone
notification_driver = taskflow_driver
nova_catalog_admin_info = compute:nova:adminURL
nova_api_insecure = False
os_privileged_user_tenant = {v['masakari_service_project_name']}
os_privileged_user_auth_url = {v['keystone_service_internaluri']}
os_privileged_user_name = {v['masakari_service_user_name']}
os_privileged_user_password = {v['masakari_service_password']}
service_down_time = 60
periodic_enable = true

[wsgi]
api_paste_config = {v['masakari_etc_dir']}/api-paste.ini

[keystone_authtoken]
auth_url = {v['keystone_service_adminuri']}
www_authenticate_uri = {v['keystone_service_internaluri']}
auth_type = password
project_domain_id = {v['masakari_service_project_domain_id']}
user_domain_id = {v['masakari_service_user_domain_id']}
project_name = {v['masakari_service_project_name']}
username = {v['masakari_service_user_name']}
password = {v['masakari_service_password']}
service_token_roles = {','.join(v['masakari_service_token_roles'])}
service_token_roles_required = {_bool(v['masakari_service_token_roles_required'])}
service_type = {v['masakari_service_type']}
memcached_servers = {v['masakari_memcached_servers']}
memcache_security_strategy = ENCRYPT
memcache_secret_key = {v['memcached_encryption_key']}

[database]
connection = {database}
max_overflow = {v['masakari_db_max_overflow']}
max_pool_size = {v['masakari_db_max_pool_size']}
pool_timeout = {v['masakari_db_pool_timeout']}
connection_recycle_time = {v['masakari_db_connection_recycle_time']}

[taskflow]
connection = {database}

[host_failure]
evacuate_all_instances = true
add_reserved_host_to_aggregate = false
ignore_instances_in_error_state = false

[instance_failure]
process_all_instances = false

[oslo_messaging_rabbit]
ssl = {_bool(v['masakari_oslomsg_rpc_use_ssl'])}
rabbit_quorum_queue = {_bool(quorum)}
rabbit_transient_quorum_queue = {_bool(quorum)}
rabbit_stream_fanout = {_bool(quorum)}
use_queue_manager = {_bool(quorum)}
rabbit_qos_prefetch_count = {10 if quorum else 0}
rabbit_quorum_delivery_limit = 0
rabbit_quorum_max_memory_bytes = 0

[oslo_messaging_notifications]
driver = {'messagingv2' if v['masakari_oslomsg_notify_configure'] else 'noop'}
transport_url = {transport_url(v)}
"""


def masakarimonitors_conf(v: dict) -> str:
    return f"""\
[DEFAULT]
hostname = {v['ansible_hostname']}
processmonitor_manager = masakarimonitors.processmonitor.process.ProcessmonitorManager
hostmonitor_manager = masakarimonitors.hostmonitor.host.HostmonitorManager
use_journal = true

[api]
region = {v['masakari_service_region']}
api_version = v1
api_interface = internal
auth_url = {v['keystone_service_adminuri']}
www_authenticate_uri = {v['keystone_service_internaluri']}
project_name = {v['masakari_service_project_name']}
project_domain_id = {v['masakari_service_project_domain_id']}
username = {v['masakari_service_user_name']}
user_domain_id = {v['masakari_service_user_domain_id']}
password = {v['masakari_service_password']}

[host]
disable_ipmi_check = {_bool(v['masakari_monitor_corosync_ipmi_check'])}
corosync_multicast_interfaces = {v['masakari_monitor_corosync_multicast_interface']}
corosync_multicast_ports = {v['masakari_monitor_corosync_multicast_ports']}

[process]
check_interval = 5
restart_retries = 3
restart_interval = 5
api_retry_max = 12
api_retry_interval = 10
process_list_path = {v['masakari_monitor_etc_dir']}/process_list.yaml
"""


def process_list(entries: list[dict]) -> str:
    """process_list.yaml in the role's layout."""
    keys = ('process_name', 'start_command', 'pre_start_command', 'post_start_command',
            'restart_command', 'pre_restart_command', 'post_restart_command',
            'run_as_root')
    text = '# Define the monitoring processes as follows:\n'
    for entry in entries:
        text += '-\n' + ''.join(
            f'    {key}: {entry.get(key, "")}'.rstrip() + '\n' for key in keys)
    return text


def sudoers(v: dict) -> str:
    user, venv_bin = v['masakari_system_user_name'], v['masakari_bin']
    return (f'Defaults:{user} !requiretty\n'
            f'Defaults:{user} secure_path="{venv_bin}:/usr/local/sbin:'
            f'/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\n\n'
            f'{user} ALL = (root) NOPASSWD: {venv_bin}/privsep-helper *\n')


def render(v: dict, processes: list[dict]) -> dict[str, RenderedFile]:
    etc, monitor_etc = v['masakari_etc_dir'], v['masakari_monitor_etc_dir']
    return {
        f'{etc}/api-paste.ini': RenderedFile(osa_paste()),
        f'{etc}/masakari.conf': RenderedFile(masakari_conf(v)),
        # masakari_policy_overrides is empty: the defaults in code apply.
        f'{etc}/policy.yaml': RenderedFile('{}\n'),
        f'{monitor_etc}/masakarimonitors.conf': RenderedFile(masakarimonitors_conf(v)),
        f'{monitor_etc}/process_list.yaml': RenderedFile(process_list(processes)),
        '/etc/sudoers.d/masakari_sudoers': RenderedFile(sudoers(v), 0o440, None),
    }
