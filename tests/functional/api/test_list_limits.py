"""List paging and sorting parameters that a database cannot take as they
come (a marker beyond 64 bits, a NUL byte, hundreds of sort keys) answer
promptly with the release's 4xx, on each database."""
import time

import requests

MARKERS = ('99999999999999999999999', '-99999999999999999999999', 'a%00b')
NUL = 'a%00b'


def _fault(response, name: str, code: int) -> str:
    assert response.status_code == code, response.text
    body = response.json()
    assert list(body) == [name], body
    assert body[name]['code'] == code
    return body[name]['message']


def test_list_parameters_beyond_the_database(api_server):
    session = requests.Session()

    def get(path: str):
        return session.get(api_server.url + path, timeout=20)

    def post(path: str, body: dict):
        response = session.post(api_server.url + path, json=body, timeout=20)
        assert response.status_code in (201, 202), response.text
        return response.json()

    segment = post('/v1/segments', {'segment': {
        'name': 'seg', 'recovery_method': 'auto',
        'service_type': 'COMPUTE'}})['segment']['uuid']
    post(f'/v1/segments/{segment}/hosts', {'host': {
        'name': 'node1', 'type': 'COMPUTE', 'control_attributes': 'x'}})
    notification = post('/v1/notifications', {'notification': {
        'type': 'COMPUTE_HOST', 'hostname': 'node1',
        'generated_time': '2017-04-21T15:29:55',
        'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                    'cluster_status': 'OFFLINE'}}})['notification']
    lists = ('/v1/segments', f'/v1/segments/{segment}/hosts',
             '/v1/notifications',
             f"/v1/notifications/{notification['notification_uuid']}/vmoves")

    for path in lists:
        for marker in MARKERS:
            message = _fault(get(f'{path}?marker={marker}'), 'badRequest', 400)
            assert message.startswith('Marker ') and message.endswith(
                ' could not be found.'), message
        # Repeated keys are one key, as in the release, and answer at once,
        # with a marker too (each key adds to the marker's condition).
        rows = list(get(path).json().values())[0]
        paging = [f"marker={rows[0]['id']}"] if rows else []
        started = time.monotonic()
        response = get(path + '?' + '&'.join(['sort_key=id'] * 300
                                             + ['sort_dir=asc'] + paging))
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 5
        _fault(get(path + '?' + '&'.join(['sort_key=created_at'] * 3
                                         + ['sort_dir=asc'] * 4)),
               'badRequest', 400)

    # NUL in an id is an unknown id; in a filter it matches nothing.
    _fault(get(f'/v1/segments/{NUL}'), 'itemNotFound', 404)
    _fault(get(f'/v1/segments/{segment}/hosts/{NUL}'), 'itemNotFound', 404)
    _fault(get(f'/v1/notifications/{NUL}'), 'itemNotFound', 404)
    _fault(get(f'/v1/notifications/{NUL}/vmoves'), 'itemNotFound', 404)
    for path, name in (('/v1/segments', 'service_type'),
                       ('/v1/segments', 'recovery_method'),
                       (f'/v1/segments/{segment}/hosts', 'type'),
                       ('/v1/notifications', 'status'),
                       ('/v1/notifications', 'source_host_uuid'),
                       ('/v1/notifications', 'type')):
        response = get(f'{path}?{name}={NUL}')
        assert response.status_code == 200, (path, name, response.text)
        assert list(response.json().values()) == [[]]
