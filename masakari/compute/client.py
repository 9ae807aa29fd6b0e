"""The keystoneauth session and openstacksdk connection masakari reaches Nova with.

Built from the ``[DEFAULT]`` os_privileged_* and nova_* options and the auth
plugin named by ``[keystone_authtoken] auth_type`` (``password`` when unset),
pinned to compute microversion 2.53. One connection is shared by the whole
process and rebuilt only when those options change, so the token is reused
until it expires instead of authenticating before every Nova call.
"""
import threading
import typing

from keystoneauth1 import loading as ks_loading
from openstack import connection
from oslo_config import cfg

from masakari import exception

CONF = cfg.CONF
COMPUTE_MICROVERSION = '2.53'
_INTERFACES = {'publicURL': 'public', 'internalURL': 'internal', 'adminURL': 'admin'}


class Settings(typing.NamedTuple):
    auth_type: str
    auth_url: str | None
    username: str | None
    password: str | None
    project_name: str | None
    user_domain_name: str | None
    project_domain_name: str | None
    system_scope: str | None
    cacert: str | None
    insecure: bool
    timeout: float | None
    region_name: str | None
    service_type: str
    service_name: str
    interface: str


def _auth_type() -> str:
    CONF.import_group('keystone_authtoken', 'keystonemiddleware.auth_token')
    return CONF.keystone_authtoken.auth_type or 'password'


def current_settings() -> Settings:
    try:
        service_type, service_name, endpoint_type = CONF.nova_catalog_admin_info.split(':')
    except ValueError:
        raise exception.InvalidConfiguration(
            'nova_catalog_admin_info must be <service_type>:<service_name>:<endpoint_type>, '
            f'not {CONF.nova_catalog_admin_info!r}') from None
    return Settings(
        auth_type=_auth_type(),
        auth_url=CONF.os_privileged_user_auth_url,
        username=CONF.os_privileged_user_name,
        password=CONF.os_privileged_user_password,
        project_name=CONF.os_privileged_user_tenant,
        user_domain_name=CONF.os_user_domain_name,
        project_domain_name=CONF.os_project_domain_name,
        system_scope=CONF.os_system_scope,
        cacert=CONF.nova_ca_certificates_file,
        insecure=CONF.nova_api_insecure,
        timeout=CONF.DEFAULT.timeout,
        region_name=CONF.os_region_name,
        service_type=service_type,
        service_name=service_name,
        interface=_INTERFACES.get(endpoint_type, endpoint_type),
    )


def _build(settings: Settings) -> connection.Connection:
    auth_options = {
        'auth_url': settings.auth_url,
        'username': settings.username,
        'password': settings.password,
        'user_domain_name': settings.user_domain_name,
    }
    # Keystone refuses a request naming both a project and the system scope.
    if settings.system_scope:
        auth_options['system_scope'] = settings.system_scope
    else:
        auth_options.update(project_name=settings.project_name,
                            project_domain_name=settings.project_domain_name)
    auth = ks_loading.get_plugin_loader(settings.auth_type).load_from_options(**auth_options)
    session = ks_loading.session.Session().load_from_options(
        auth=auth, cacert=settings.cacert, insecure=settings.insecure,
        timeout=settings.timeout)
    return connection.Connection(
        session=session,
        region_name=settings.region_name,
        compute_service_type=settings.service_type,
        compute_service_name=settings.service_name,
        compute_interface=settings.interface,
        compute_api_version=COMPUTE_MICROVERSION,
    )


_lock = threading.Lock()
_cached: tuple[Settings, connection.Connection] | None = None


def get_connection(request_id: str | None = None) -> connection.Connection:
    """The shared connection; with ``request_id``, a view of it that sends that
    id as X-OpenStack-Request-ID (same session and token)."""
    global _cached
    settings = current_settings()
    with _lock:
        if _cached is None or _cached[0] != settings:
            _cached = (settings, _build(settings))
        conn = _cached[1]
    return conn.global_request(request_id) if request_id else conn


def reset() -> None:
    """Forget the shared connection (the next call authenticates again)."""
    global _cached
    with _lock:
        _cached = None
