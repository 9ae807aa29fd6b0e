"""masakari.compute against the Nova stand-in over HTTP."""
import threading

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions

import novasim
from masakari import compute
from masakari import exception
from masakari.conf import CONF


@pytest.fixture
def sim():
    sim = novasim.Simulator()
    for host in ('node1', 'node2'):
        sim.cloud.add_host(host)
    sim.cloud.add_service('node1', 'nova-conductor')
    return sim


@pytest.fixture
def nova(sim):
    with novasim.start(sim) as running:
        yield running


@pytest.fixture
def options(nova):
    """Point masakari's [DEFAULT] Nova options at the stand-in."""
    overridden = []

    def override(**values):
        for name, value in values.items():
            CONF.set_override(name, value)
            overridden.append(name)

    override(os_privileged_user_auth_url=nova.identity_url,
             os_privileged_user_name='masakari',
             os_privileged_user_password='masakari',
             os_privileged_user_tenant='service',
             os_region_name='RegionOne')
    compute.reset()
    yield override
    for name in overridden:
        CONF.clear_override(name)
    compute.reset()


def _auth_calls(sim):
    return [c for c in sim.calls.since(0) if c['path'] == '/v3/auth/tokens']


def test_existing_compute_host(sim, options):
    service = compute.find_compute_service('node1')
    assert (service.host, service.binary) == ('node1', 'nova-compute')
    assert service.id == sim.cloud.compute_service('node1').id
    compute.check_compute_host_exists('node2')
    lookup = [c for c in sim.calls.since(0) if c['path'] == '/os-services'][-1]
    assert lookup['query'] in ('binary=nova-compute&host=node2', 'host=node2&binary=nova-compute')
    assert lookup['microversion'] == '2.53'


@pytest.mark.parametrize('name', ['badhost', 'Node1', 'node', ''])
def test_unknown_compute_host(options, name):
    with pytest.raises(exception.ComputeNotFoundByName) as caught:
        compute.check_compute_host_exists(name)
    assert str(caught.value) == f'Compute service with name {name} could not be found.'


def test_other_binaries_are_looked_up_by_name(options):
    assert compute.find_compute_service('node1', binary='nova-conductor').binary == \
        'nova-conductor'
    with pytest.raises(exception.ComputeNotFoundByName):
        compute.find_compute_service('node2', binary='nova-conductor')


def test_one_authentication_serves_many_calls_and_threads(sim, options):
    errors = []

    def lookups():
        try:
            for _ in range(5):
                compute.check_compute_host_exists('node1')
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=lookups) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_auth_calls(sim)) == 1
    assert len([c for c in sim.calls.since(0) if c['path'] == '/os-services']) == 40


def test_authenticates_again_when_the_token_is_refused(sim, options):
    compute.check_compute_host_exists('node1')
    sim.identity.revoke_all()
    compute.check_compute_host_exists('node1')
    assert len(_auth_calls(sim)) == 2


def test_changed_options_build_a_new_session(sim, options):
    compute.check_compute_host_exists('node1')
    options(os_privileged_user_name='admin', os_privileged_user_password='admin',
            os_privileged_user_tenant='admin')
    compute.check_compute_host_exists('node1')
    auths = _auth_calls(sim)
    assert len(auths) == 2
    assert auths[1]['body']['auth']['identity']['password']['user']['name'] == 'admin'


def test_system_scope_replaces_the_project(sim, options):
    options(os_system_scope='all')
    compute.check_compute_host_exists('node1')
    body = _auth_calls(sim)[0]['body']['auth']
    assert body['scope'] == {'system': {'all': True}}


def test_catalog_interface_and_service_name_come_from_nova_catalog_admin_info(sim, options):
    options(nova_catalog_admin_info='compute:nova:internalURL')
    compute.check_compute_host_exists('node1')
    options(nova_catalog_admin_info='compute:not-nova:publicURL')
    with pytest.raises(sdk_exceptions.SDKException, match='named not-nova'):
        compute.check_compute_host_exists('node1')


def test_request_id_is_forwarded(sim, options):
    compute.check_compute_host_exists('node1', request_id='req-8c1b5a3e')
    lookup = [c for c in sim.calls.since(0) if c['path'] == '/os-services'][-1]
    assert lookup['global_request_id'] == 'req-8c1b5a3e'


@pytest.mark.parametrize('status, message, expected_type, expected_text', [
    (400, 'Invalid filter', exception.InvalidInput, 'Invalid input received: Invalid filter'),
    (403, 'Policy says no', exception.Forbidden, 'Policy says no'),
    (404, 'Gone', exception.NotFound, 'Gone'),
    (409, 'Busy', exception.Conflict, 'Busy'),
])
def test_nova_errors_are_translated(sim, options, status, message, expected_type,
                                    expected_text):
    sim.add_fault(path='/os-services', status=status, message=message)
    with pytest.raises(expected_type) as caught:
        compute.check_compute_host_exists('node1')
    assert type(caught.value) is expected_type
    assert str(caught.value) == expected_text


def test_dropped_connection_is_a_masakari_exception(sim, options):
    sim.add_fault(path='/os-services', drop=True)
    with pytest.raises(exception.MasakariException) as caught:
        compute.check_compute_host_exists('node1')
    assert type(caught.value) is exception.MasakariException
    assert str(caught.value) == str(caught.value.__cause__)
    assert isinstance(caught.value.__cause__, ks_exceptions.ConnectFailure)


def test_unreachable_nova_is_a_masakari_exception(options):
    options(os_privileged_user_auth_url='http://127.0.0.1:9/identity/v3')
    with pytest.raises(exception.MasakariException) as caught:
        compute.check_compute_host_exists('node1')
    assert type(caught.value) is exception.MasakariException


def test_server_errors_and_bad_credentials_are_not_translated(sim, options):
    sim.add_fault(path='/os-services', status=500)
    with pytest.raises(sdk_exceptions.HttpException) as caught:
        compute.check_compute_host_exists('node1')
    assert caught.value.status_code == 500
    compute.reset()
    options(os_privileged_user_password='wrong')
    with pytest.raises(ks_exceptions.Unauthorized):
        compute.check_compute_host_exists('node1')
