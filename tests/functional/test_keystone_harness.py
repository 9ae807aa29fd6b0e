"""The real-Keystone harness: users, roles, catalog, and auth_token middleware."""
import pytest
import requests
import webob
from keystoneauth1 import exceptions as ks_exc
from keystonemiddleware import auth_token
from oslo_config import cfg

from tests.support import keystone as ks


def _roles(keystone, creds):
    access = keystone.auth(creds).get_access(keystone.session(creds))
    return access, set(access.role_names)


def test_admin_token_has_admin_role(keystone):
    access, roles = _roles(keystone, ks.ADMIN)
    assert 'admin' in roles
    assert access.project_name == 'admin'
    assert access.user_domain_name == 'Default'


def test_demo_token_is_member_without_admin(keystone):
    access, roles = _roles(keystone, ks.DEMO)
    assert 'member' in roles
    assert 'admin' not in roles
    assert access.project_name == 'demo'


def test_service_user_has_admin_and_service_roles(keystone):
    access, roles = _roles(keystone, ks.SERVICE)
    assert {'admin', 'service'} <= roles
    assert access.project_name == 'service'


def test_catalog_has_instance_ha_endpoint(keystone, instance_ha_endpoint):
    session = keystone.session(ks.DEMO)
    project_id = session.get_project_id()
    url = session.get_endpoint(service_type='instance-ha', interface='public',
                               region_name=ks.REGION)
    assert url == instance_ha_endpoint % {'tenant_id': project_id}
    identity = session.get_endpoint(service_type='identity', interface='public')
    assert identity.rstrip('/') == keystone.auth_url


def test_bad_password_is_401(keystone):
    bad = ks.Credentials('demo', 'wrong', 'demo', ())
    with pytest.raises(ks_exc.Unauthorized) as info:
        keystone.token(bad)
    assert info.value.http_status == 401

    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'demo', 'password': 'wrong', 'domain': {'name': 'Default'}}}},
        'scope': {'project': {'name': 'demo', 'domain': {'name': 'Default'}}}}}
    response = requests.post(keystone.auth_url + '/auth/tokens', json=body, timeout=10)
    assert response.status_code == 401
    assert 'X-Subject-Token' not in response.headers


# -- keystonemiddleware.auth_token against this Keystone ---------------------

def _echo_app(environ, start_response):
    """Answers 200 with the identity headers auth_token added."""
    seen = '\n'.join(f'{key}={environ.get(key, "")}' for key in (
        'HTTP_X_IDENTITY_STATUS', 'HTTP_X_ROLES', 'HTTP_X_PROJECT_NAME',
        'HTTP_X_USER_NAME'))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [seen.encode()]


def _middleware_from_dict(keystone, tmp_path):
    options = keystone.authtoken_options()
    # A private ConfigOpts keeps the middleware's options out of cfg.CONF.
    return auth_token.filter_factory({}, oslo_config_config=cfg.ConfigOpts(),
                                     **options)(_echo_app)


def _middleware_from_oslo_config(keystone, tmp_path):
    conf_file = tmp_path / 'service.conf'
    conf_file.write_text('[keystone_authtoken]\n' + ''.join(
        f'{key} = {value}\n' for key, value in keystone.authtoken_options().items()))
    conf = cfg.ConfigOpts()
    conf(args=['--config-file', str(conf_file)], project='authtoken-test',
         default_config_files=[])
    return auth_token.filter_factory({}, oslo_config_config=conf)(_echo_app)


@pytest.fixture(params=[_middleware_from_dict, _middleware_from_oslo_config],
                ids=['dict', 'oslo.config'])
def protected_app(request, keystone, tmp_path):
    return request.param(keystone, tmp_path)


def _call(app, token=None):
    req = webob.Request.blank('/v1/segments')
    if token:
        req.headers['X-Auth-Token'] = token
    return req.get_response(app)


def _seen(response):
    return dict(line.split('=', 1) for line in response.text.splitlines())


def test_auth_token_rejects_missing_token(protected_app, keystone):
    response = _call(protected_app)
    assert response.status_int == 401
    challenge = response.headers.get('WWW-Authenticate', '')
    assert challenge.startswith('Keystone uri=')
    assert keystone.url in challenge


def test_auth_token_rejects_bogus_token(protected_app):
    assert _call(protected_app, 'not-a-token').status_int == 401


def test_auth_token_accepts_admin_token(protected_app, keystone):
    response = _call(protected_app, keystone.token(ks.ADMIN))
    assert response.status_int == 200, response.text
    seen = _seen(response)
    assert seen['HTTP_X_IDENTITY_STATUS'] == 'Confirmed'
    assert 'admin' in seen['HTTP_X_ROLES'].split(',')
    assert seen['HTTP_X_PROJECT_NAME'] == 'admin'


def test_auth_token_accepts_demo_token_without_admin(protected_app, keystone):
    response = _call(protected_app, keystone.token(ks.DEMO))
    assert response.status_int == 200, response.text
    seen = _seen(response)
    roles = seen['HTTP_X_ROLES'].split(',')
    assert 'member' in roles
    assert 'admin' not in roles
    assert seen['HTTP_X_USER_NAME'] == 'demo'


def test_instance_ha_endpoint_can_be_repointed(keystone, instance_ha_endpoint):
    other = 'http://127.0.0.1:1/v1/%(tenant_id)s'
    keystone.set_instance_ha_endpoint(other)
    try:
        session = keystone.session(ks.ADMIN)
        url = session.get_endpoint(service_type='instance-ha', interface='public')
        assert url == other % {'tenant_id': session.get_project_id()}
    finally:
        keystone.set_instance_ha_endpoint(instance_ha_endpoint)
