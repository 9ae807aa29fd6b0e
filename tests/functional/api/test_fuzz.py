"""The OpenAPI description in doc/source/api/openapi.yaml against the real
API: its request schemas are the ones the API validates with, and
schemathesis, generating requests from it (valid and invalid ones, with a
fixed seed and a bounded number per operation), gets no 5xx and only
answers that match the described responses from masakari-api (noauth2,
SQLite, the Nova stand-in as Nova). The server fixture also fails the test
if the API logged a traceback."""
import json
import subprocess

import pytest
import yaml

from masakari.api.schemas import hosts
from masakari.api.schemas import notifications
from masakari.api.schemas import segments
from masakari.api.schemas import types
from tests.support import api_server as server_support

DESCRIPTION = server_support.REPO / 'doc/source/api/openapi.yaml'
SCHEMATHESIS = server_support.BIN / 'schemathesis'


@pytest.fixture(scope='module')
def described():
    return yaml.safe_load(DESCRIPTION.read_text())


def as_json(value):
    # The Python schemas use tuples where the YAML has lists.
    return json.loads(json.dumps(value))


# The description writes the printable-text check as a format; the code
# may spell it out as a pattern of many thousand characters.
FORMATTED = [
    (as_json(types.description),
     {'type': ['string', 'null'], 'format': 'description'}),
    (as_json(types.free_text), {'type': 'string', 'format': 'description'}),
]


def as_documented(schema):
    for spelled_out, formatted in FORMATTED:
        if schema == spelled_out:
            return formatted
    if isinstance(schema, dict):
        return {key: as_documented(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [as_documented(value) for value in schema]
    return schema


@pytest.mark.parametrize('name, schema', [
    ('SegmentCreate', segments.create),
    ('SegmentCreateV12', segments.create_v12),
    ('SegmentUpdate', segments.update),
    ('SegmentUpdateV12', segments.update_v12),
    ('HostCreate', hosts.create),
    ('HostUpdate', hosts.update),
    ('NotificationCreate', notifications.create),
    ('NotificationPayloadComputeHost',
     notifications.payloads['COMPUTE_HOST']),
    ('NotificationPayloadProcess', notifications.payloads['PROCESS']),
    ('NotificationPayloadVM', notifications.payloads['VM']),
])
def test_request_schemas_are_the_validated_ones(described, name, schema):
    documented = dict(described['components']['schemas'][name])
    documented.pop('description', None)
    assert documented == as_documented(as_json(schema))


def test_every_route_is_described(described):
    paths = set(described['paths'])
    assert paths == {
        '/', '/v1/', '/v1/segments', '/v1/segments/{segment_id}',
        '/v1/segments/{segment_id}/hosts',
        '/v1/segments/{segment_id}/hosts/{host_id}',
        '/v1/notifications', '/v1/notifications/{notification_id}',
        '/v1/notifications/{notification_id}/vmoves',
        '/v1/notifications/{notification_id}/vmoves/{vmove_id}',
        '/v1/extensions', '/v1/extensions/{alias}'}


def test_generated_requests_get_no_server_error(api_server_on, tmp_path):
    server = api_server_on(f'sqlite:///{tmp_path}/masakari.sqlite')
    result = subprocess.run(
        [str(SCHEMATHESIS), 'run', str(DESCRIPTION), '--url', server.url,
         '--checks', 'not_a_server_error,response_schema_conformance',
         '--mode', 'all', '--max-examples', '15', '--seed', '20261204',
         '--workers', '1', '--request-timeout', '30',
         '--report', 'junit', '--report-dir', str(tmp_path / 'report')],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr
    assert ' passed' in result.stdout
