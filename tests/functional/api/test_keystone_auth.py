"""The keystone pipeline against a real Keystone: tokens, roles and policy."""
import json

import pytest
import requests

from tests.support import api_server
from tests.support import keystone as ks


def _authtoken_section(keystone) -> str:
    options = keystone.authtoken_options()
    return '[keystone_authtoken]\n' + ''.join(
        f'{key} = {value}\n' for key, value in options.items())


@pytest.fixture
def keystone_api(keystone, masakari_api_port, tmp_path):
    """masakari-api with the keystone pipeline; yields a function that
    (re)starts it with an optional policy file."""
    url = f'sqlite:///{tmp_path}/masakari.sqlite'
    servers = []

    def start(policy: dict | None = None):
        extra = _authtoken_section(keystone)
        if policy is not None:
            policy_file = tmp_path / 'policy.yaml'
            policy_file.write_text(json.dumps(policy))
            extra += f'[oslo_policy]\npolicy_file = {policy_file}\n'
        config = api_server.write_config(
            tmp_path / 'masakari.conf', url, masakari_api_port, extra=extra,
            auth_strategy='keystone')
        api_server.db_sync(config)
        server = api_server.APIServer(config, masakari_api_port,
                                      tmp_path / 'api.log').start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _get(server, path, token=None, **headers):
    if token:
        headers['X-Auth-Token'] = token
    return requests.get(server.url + path, headers=headers, timeout=30)


def test_token_roles_and_default_policy(keystone, keystone_api):
    server = keystone_api()
    r = _get(server, '/v1/segments')
    assert r.status_code == 401
    assert r.json()['error']['code'] == 401
    assert r.json()['error']['title'] == 'Unauthorized'
    assert r.headers['WWW-Authenticate'].startswith('Keystone uri=')

    assert _get(server, '/').status_code == 200   # discovery needs no token

    demo = keystone.token(ks.DEMO)
    r = _get(server, '/v1/segments', demo)
    assert r.status_code == 403
    assert r.json() == {'forbidden': {
        'code': 403, 'message': "Policy doesn't allow "
        'os_masakari_api:segments:index to be performed.'}}

    admin = keystone.token(ks.ADMIN)
    r = _get(server, '/v1/segments', admin)
    assert (r.status_code, r.json()) == (200, {'segments': []})
    assert r.headers['x-openstack-request-id'].startswith('req-')


def test_policy_file_is_honoured(keystone, keystone_api):
    server = keystone_api({'os_masakari_api:segments:detail': 'role:foo',
                           'os_masakari_api:segments:index': 'role:member'})
    admin = keystone.token(ks.ADMIN)
    r = _get(server, '/v1/segments/abc', admin)
    assert r.status_code == 403
    assert r.json()['forbidden']['message'] == (
        "Policy doesn't allow os_masakari_api:segments:detail to be performed.")
    demo = keystone.token(ks.DEMO)
    assert _get(server, '/v1/segments', demo).status_code == 200


def test_project_in_url_must_be_the_callers(keystone, keystone_api):
    server = keystone_api()
    session = keystone.session(ks.ADMIN)
    project_id = session.get_project_id()
    admin = keystone.token(ks.ADMIN)
    assert _get(server, f'/v1/{project_id}/segments', admin).status_code == 200
    r = _get(server, '/v1/0123abcd/segments', admin)
    assert r.status_code == 400
    assert "URL's project_id '0123abcd' doesn't match" in r.json()['badRequest']['message']
