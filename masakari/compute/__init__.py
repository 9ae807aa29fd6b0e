"""The only code of masakari that talks to Nova.

One keystoneauth session per process, built from the [DEFAULT]
os_privileged_* options, feeds an openstacksdk connection pinned to compute
microversion 2.53, as upstream. Nova's errors are translated here, once.
"""
import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from openstack import connection
from openstack import exceptions as sdk_exc
from oslo_config import cfg

from masakari import exception

CONF = cfg.CONF
COMPUTE_MICROVERSION = '2.53'

_lock = threading.Lock()
_connection = None


def _auth():
    options = {
        'auth_url': CONF.os_privileged_user_auth_url,
        'username': CONF.os_privileged_user_name,
        'password': CONF.os_privileged_user_password,
        'user_domain_name': CONF.os_user_domain_name,
    }
    if CONF.os_system_scope:
        options['system_scope'] = CONF.os_system_scope
    else:
        options.update(project_name=CONF.os_privileged_user_tenant,
                       project_domain_name=CONF.os_project_domain_name)
    loader = ks_loading.get_plugin_loader('password')
    return loader.load_from_options(**options)


def _catalog_lookup() -> dict:
    service_type, service_name, endpoint_type = (
        CONF.nova_catalog_admin_info.split(':'))
    interface = endpoint_type[:-len('URL')] if endpoint_type.endswith(
        'URL') else endpoint_type
    return {'service_type': service_type, 'service_name': service_name,
            'interface': interface, 'region_name': CONF.os_region_name}


def get_connection() -> connection.Connection:
    global _connection
    with _lock:
        if _connection is None:
            verify = (False if CONF.nova_api_insecure
                      else CONF.nova_ca_certificates_file or True)
            session = ks_session.Session(auth=_auth(), verify=verify)
            lookup = _catalog_lookup()
            _connection = connection.Connection(
                session=session, region_name=lookup['region_name'],
                compute_service_name=lookup['service_name'],
                compute_interface=lookup['interface'],
                compute_api_version=COMPUTE_MICROVERSION)
        return _connection


def reset() -> None:
    global _connection
    with _lock:
        _connection = None


def _translate(error: Exception) -> exception.MasakariException:
    status = getattr(error, 'status_code', None)
    message = getattr(error, 'details', None) or str(error)
    if status == 400:
        return exception.InvalidInput(reason=message)
    if status == 403:
        return exception.Forbidden(message)
    if status == 404:
        return exception.NotFound()
    if status == 409:
        return exception.Conflict('Conflict')
    return exception.MasakariException()


def find_compute_services(host_name: str, binary: str = 'nova-compute'):
    try:
        return list(get_connection().compute.services(host=host_name,
                                                      binary=binary))
    except (sdk_exc.SDKException, ks_exc.ClientException) as error:
        raise _translate(error) from error


def check_compute_host_exists(host_name: str) -> None:
    """Raise ComputeNotFoundByName unless Nova has a nova-compute service on
    exactly ``host_name`` (Nova's host filter is not case-sensitive)."""
    services = find_compute_services(host_name)
    if not any(service.host == host_name for service in services):
        raise exception.ComputeNotFoundByName(compute_name=host_name)
