"""The paste pipeline around the API (etc/masakari/api-paste.ini) over HTTP:
healthcheck, request body size limit, request ids and CORS."""
import re

import pytest
import requests

from tests.support import api_server

ORIGIN = 'https://dashboard.example.org'
BODY_LIMIT = 2048
REQUEST_ID = re.compile(
    r'req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}')


@pytest.fixture(scope='module')
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp('middleware')


@pytest.fixture(scope='module')
def server(tmp):
    paste = tmp / 'api-paste.ini'
    paste.write_text((api_server.REPO / 'etc/masakari/api-paste.ini').read_text().replace(
        'disable_by_file_path = /etc/masakari/healthcheck_disable',
        f'disable_by_file_path = {tmp}/healthcheck_disable'))
    port = api_server.free_port()
    config = api_server.write_config(
        tmp / 'masakari.conf', f'sqlite:///{tmp}/masakari.sqlite', port,
        workers=1, api_paste_config=paste,
        extra=f'[oslo_middleware]\nmax_request_body_size = {BODY_LIMIT}\n')
    api_server.db_sync(config)
    # The cors filter (oslo_config_project = masakari, as upstream) reads the
    # project's default config files, not --config-file: ~/.masakari/ is the
    # first place searched.
    home = tmp / 'home'
    (home / '.masakari').mkdir(parents=True)
    (home / '.masakari/masakari.conf').write_text(f'[cors]\nallowed_origin = {ORIGIN}\n')
    with pytest.MonkeyPatch.context() as env:
        env.setenv('HOME', str(home))
        server = api_server.APIServer(config, port, tmp / 'api.log').start()
    yield server
    server.stop()


def test_healthcheck_answers_ok(server):
    r = requests.get(server.url + '/healthcheck', timeout=10)
    assert (r.status_code, r.text) == (200, 'OK')
    assert r.headers['Content-Type'].startswith('text/plain')
    r = requests.get(server.url + '/healthcheck', timeout=10,
                     headers={'Accept': 'application/json'})
    assert r.json() == {'detailed': False, 'reasons': ['OK']}
    r = requests.head(server.url + '/healthcheck', timeout=10)
    assert (r.status_code, r.content) == (204, b'')


def test_healthcheck_fails_while_the_disable_file_exists(server, tmp):
    disable = tmp / 'healthcheck_disable'
    disable.touch()
    try:
        assert requests.get(server.url + '/healthcheck', timeout=10).status_code == 503
        # The API itself keeps serving: only the health answer changes.
        assert requests.get(server.url + '/v1/segments', timeout=10).status_code == 200
    finally:
        disable.unlink()
    assert requests.get(server.url + '/healthcheck', timeout=10).status_code == 200


def _segment(name: str, description_length: int) -> dict:
    return {'segment': {'name': name, 'service_type': 'COMPUTE',
                        'recovery_method': 'auto',
                        'description': 'd' * description_length}}


def test_body_over_the_configured_limit_is_413(server):
    # Far below the 114688-byte default: only the configured limit refuses it.
    r = requests.post(server.url + '/v1/segments', json=_segment('big', BODY_LIMIT),
                      headers={'Accept': 'application/json'}, timeout=10)
    assert r.status_code == 413, r.text
    # webob's error document, not a masakari fault.
    body = r.json()
    assert set(body) == {'message', 'code', 'title'}
    assert (body['code'], body['title']) == ('413 Request Entity Too Large',
                                             'Request Entity Too Large')

    r = requests.post(server.url + '/v1/segments', json=_segment('small', BODY_LIMIT // 2),
                      timeout=10)
    assert r.status_code == 201, r.text
    names = [s['name'] for s in
             requests.get(server.url + '/v1/segments', timeout=10).json()['segments']]
    assert 'small' in names and 'big' not in names


def test_chunked_body_over_the_limit_is_413(server):
    def chunks():
        yield b'{"segment": {"name": "chunked", "description": "'
        yield b'd' * BODY_LIMIT
        yield b'", "service_type": "COMPUTE", "recovery_method": "auto"}}'

    r = requests.post(server.url + '/v1/segments', data=chunks(), timeout=10,
                      headers={'Content-Type': 'application/json'})
    assert r.status_code == 413, r.text


def test_every_v1_response_has_a_fresh_request_id(server):
    sent = 'req-5f1f1a53-5e73-4bd3-9e0c-6c1b2e3a0d11'
    responses = [
        requests.get(server.url + '/v1/segments', timeout=10),
        requests.get(server.url + '/v1', timeout=10),
        requests.post(server.url + '/v1/segments', json=_segment('rid', 10), timeout=10),
        requests.post(server.url + '/v1/segments', json={}, timeout=10),
        requests.get(server.url + '/v1/no-such-route', timeout=10),
        requests.get(server.url + '/v1/segments', timeout=10,
                     headers={'Content-Type': 'application/xml'}),
        requests.post(server.url + '/v1/segments', json=_segment('big', BODY_LIMIT),
                      timeout=10),
        requests.get(server.url + '/v1/segments', timeout=10,
                     headers={'X-OpenStack-Request-ID': sent}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 201, 400, 404, 415, 413, 200]
    ids = [r.headers.get('x-openstack-request-id', '') for r in responses]
    assert all(REQUEST_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids) and sent not in ids


def test_version_list_has_no_request_id(server):
    r = requests.get(server.url + '/', timeout=10)
    assert r.status_code == 200
    assert 'x-openstack-request-id' not in r.headers


def _preflight(server, origin=ORIGIN, method='POST', headers='X-Auth-Token'):
    return requests.options(server.url + '/v1/segments', timeout=10, headers={
        'Origin': origin, 'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': headers})


def test_cors_preflight_from_the_allowed_origin(server):
    r = _preflight(server)
    assert r.status_code == 200
    assert r.headers['Access-Control-Allow-Origin'] == ORIGIN
    assert r.headers['Access-Control-Allow-Methods'] == 'POST'
    assert r.headers['Access-Control-Allow-Headers'].lower() == 'x-auth-token'
    # PATCH and the masakari request headers are in masakari's CORS defaults.
    r = _preflight(server, method='PATCH',
                   headers='X-Openstack-Request-Id,X-Roles,X-User-Id,X-Tenant-Id')
    assert r.headers['Access-Control-Allow-Origin'] == ORIGIN


@pytest.mark.parametrize('origin, method, headers', [
    ('https://elsewhere.example.org', 'POST', 'X-Auth-Token'),
    (ORIGIN, 'HEAD', 'X-Auth-Token'),
    (ORIGIN, 'POST', 'X-Not-Allowed'),
])
def test_cors_preflight_refusals_carry_no_cors_headers(server, origin, method, headers):
    r = _preflight(server, origin, method, headers)
    assert 'Access-Control-Allow-Origin' not in r.headers


def test_cors_actual_request_exposes_the_request_id(server):
    r = requests.get(server.url + '/v1/segments', headers={'Origin': ORIGIN}, timeout=10)
    assert r.status_code == 200
    assert r.headers['Access-Control-Allow-Origin'] == ORIGIN
    exposed = {h.strip().lower() for h in r.headers['Access-Control-Expose-Headers'].split(',')}
    assert exposed == {'x-auth-token', 'x-openstack-request-id', 'x-subject-token',
                       'x-service-token'}
    r = requests.get(server.url + '/v1/segments', timeout=10,
                     headers={'Origin': 'https://elsewhere.example.org'})
    assert 'Access-Control-Allow-Origin' not in r.headers
