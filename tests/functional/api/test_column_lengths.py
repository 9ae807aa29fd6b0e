"""Free text longer than its column can hold (a TEXT column on MariaDB
holds 65,535 bytes; the request body limit lets more through): a segment's
description, a host's control_attributes. Every database answers the same
400 fault, never a 500 nor a cut value; what fits is kept whole."""
import json

import requests

TEXT_BYTES = 65535
# Three bytes in UTF-8: a value within the limit in characters, over it in bytes.
WIDE = '\u20ac'


def _fault(response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert list(body) == ['badRequest'], body
    assert body['badRequest']['code'] == 400
    return body['badRequest']['message']


def test_text_longer_than_its_column(api_server):
    session = requests.Session()

    def call(method: str, path: str, body: dict):
        # Raw UTF-8: escaped, the wide text would pass the body size limit.
        return session.request(
            method, api_server.url + path, timeout=30,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={'Content-Type': 'application/json'})

    too_long = 'd' * (TEXT_BYTES + 1)
    too_wide = WIDE * (TEXT_BYTES // 3 + 1)
    fits = 'd' * TEXT_BYTES

    segment = {'name': 'seg', 'recovery_method': 'auto', 'service_type': 'COMPUTE'}
    for description in (too_long, too_wide):
        message = _fault(call('POST', '/v1/segments',
                              {'segment': dict(segment, description=description)}))
        assert 'description' in message, message
    created = call('POST', '/v1/segments', {'segment': dict(segment, description=fits)})
    assert created.status_code in (200, 201), created.text
    uuid = created.json()['segment']['uuid']
    message = _fault(call('PUT', f'/v1/segments/{uuid}',
                          {'segment': {'description': too_long}}))
    assert 'description' in message, message
    stored = session.get(f'{api_server.url}/v1/segments/{uuid}', timeout=30).json()
    assert stored['segment']['description'] == fits

    # Names count characters, as a VARCHAR(255) does with utf8mb4.
    wide_name = {'name': WIDE * 255, 'service_type': WIDE * 255,
                 'recovery_method': 'auto'}
    created = call('POST', '/v1/segments', {'segment': wide_name})
    assert created.status_code in (200, 201), created.text
    assert created.json()['segment']['service_type'] == wide_name['service_type']

    host = {'name': 'node1', 'type': 'COMPUTE'}
    for attributes in (too_long, too_wide):
        message = _fault(call('POST', f'/v1/segments/{uuid}/hosts',
                              {'host': dict(host, control_attributes=attributes)}))
        assert 'control_attributes' in message, message
    created = call('POST', f'/v1/segments/{uuid}/hosts',
                   {'host': dict(host, control_attributes=fits)})
    assert created.status_code in (200, 201), created.text
    host_uuid = created.json()['host']['uuid']
    message = _fault(call('PUT', f'/v1/segments/{uuid}/hosts/{host_uuid}',
                          {'host': {'control_attributes': too_wide}}))
    assert 'control_attributes' in message, message



def test_engine_message_longer_than_its_column(database_url, tmp_path):
    """What the engine writes (a Nova error's text as a vmove's or a
    notification's message) is cut to what the column holds, not lost with
    the whole update."""
    from masakari.db import api as db
    from tests.support import recovery

    with recovery.bench(tmp_path, database_url=database_url) as bench:
        notification = bench.notify('COMPUTE_HOST', {'event': 'STARTED'})
        db.notification_update(bench.context, notification,
                               {'status': 'error', 'message': WIDE * TEXT_BYTES})
        row = bench.notification(notification)
        assert row.status == 'error'
        assert row.message.startswith(WIDE * 100)
        assert len(row.message.encode()) <= TEXT_BYTES
        assert row.message.endswith('...')
