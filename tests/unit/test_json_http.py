"""The JSON stand-in server of tests/support and the Neutron stand-in built on it."""
import requests

from tests.support import json_http
from tests.support import realcloud
from tests.support.ports import free_port


def test_the_answer_function_sees_the_request_and_shapes_the_reply():
    seen = []

    def answer(request):
        seen.append(request)
        return json_http.Reply(201, {'echo': request.body}, {'X-Subject-Token': 't1'})

    with json_http.JSONServer(answer) as server:
        r = requests.post(server.url + '/v3/auth/tokens?nocatalog=1',
                          json={'a': 1}, headers={'X-Auth-Token': 'x'}, timeout=10)
    assert (r.status_code, r.json(), r.headers['X-Subject-Token']) == (201, {'echo': {'a': 1}},
                                                                     't1')
    assert r.headers['Content-Type'] == 'application/json'
    [request] = seen
    assert (request.method, request.path, request.query) == (
        'POST', '/v3/auth/tokens', {'nocatalog': ['1']})
    assert request.headers['X-Auth-Token'] == 'x'


def test_a_reply_without_body_is_empty():
    with json_http.JSONServer(lambda request: json_http.Reply(204)) as server:
        r = requests.delete(server.url + '/anything', timeout=10)
    assert (r.status_code, r.content) == (204, b'')


def test_neutron_stand_in_lists_nothing_and_refuses_writes(tmp_path):
    neutron = realcloud.NeutronStub(free_port(), tmp_path / 'neutron.log')
    try:
        root = requests.get(neutron.url, timeout=10).json()
        assert root['versions'][0]['links'][0]['href'] == neutron.url + '/v2.0/'
        assert requests.get(neutron.url + '/v2.0/security-groups.json',
                            timeout=10).json() == {'security_groups': []}
        missing = requests.get(neutron.url + '/v2.0/ports/p1', timeout=10)
        assert (missing.status_code, missing.json()['NeutronError']['type']) == (404, 'NotFound')
        refused = requests.post(neutron.url + '/v2.0/ports', json={'port': {}}, timeout=10)
        assert (refused.status_code, refused.json()['NeutronError']['type']) == (400, 'BadRequest')
    finally:
        neutron.stop()
    assert 'GET /v2.0/ports/p1' in (tmp_path / 'neutron.log').read_text()
