"""The same requests, in the same order, to upstream masakari 22.0.0 and to
ours, each on an empty database of the same kind: every answer must match
once what legitimately varies (uuids, row ids, timestamps, the port) is set
aside, unless doc/source/api-differences.csv lists the difference.

Both APIs run noauth2 with the Nova stand-in as their Nova. The engine is an
oslo.messaging RPC server in this process on a private exchange of the local
RabbitMQ: it takes the casts of new notifications and answers the call for
recovery workflow details that ``GET /v1/notifications/{id}`` makes at 1.1
and later. (The ``fake:`` transport cannot serve that call: it only
connects a client and a server in the same process.)
"""
import concurrent.futures
import csv
import datetime
import json
import re
import subprocess
import uuid

import oslo_messaging as messaging
import pytest
import requests
import sqlalchemy as sa
from oslo_config import cfg

from tests.functional.api import differential_requests as sequence
from tests.functional.test_db_upstream import upstream_bin  # noqa: F401
from tests.functional.test_db_upstream import upstream_env
from tests.support import api_server
from tests.support import databases
from tests.support import nova
from tests.support import rabbit

ALLOWED = api_server.REPO / 'doc/source/api-differences.csv'
COMPARED_HEADERS = ('Content-Type', 'OpenStack-API-Version', 'Vary', 'Location')
# Headers whose presence is compared, not their value.
PRESENT_HEADERS = ('X-OpenStack-Request-Id', 'X-Compute-Request-Id', 'Allow')
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
TIMESTAMP_KEYS = ('created_at', 'updated_at', 'deleted_at', 'updated')
# Row ids come from the database's counter, which a failed insert advances
# on MariaDB and PostgreSQL (the release tries the insert, we check first).
VARYING_KEYS = TIMESTAMP_KEYS + ('id',)
PROGRESS = [{'name': 'StopInstanceTask', 'progress': 1.0, 'state': 'SUCCESS',
             'progress_details': [{'timestamp': '2026-11-25 10:00:00.000001',
                                   'message': 'Stopping instance', 'progress': '1.0'}]}]


class Engine:
    """Stands in for masakari-engine on the RPC topic."""
    target = messaging.Target(version='1.1')

    def process_notification(self, context, notification):
        pass

    def get_notification_recovery_workflow_details(self, context, notification):
        details = [{'masakari_object.name': 'NotificationProgressDetails',
                    'masakari_object.namespace': 'masakari',
                    'masakari_object.version': '1.0',
                    'masakari_object.data': item} for item in PROGRESS]
        data = dict(notification['masakari_object.data'],
                    recovery_workflow_details=details)
        return dict(notification, **{'masakari_object.data': data})


@pytest.fixture(scope='module')
def engine_topic():
    rabbit.require()
    topic = f'ha_engine_diff_{uuid.uuid4().hex[:8]}'
    conf = cfg.CONF
    conf([], project='masakari', default_config_files=[])
    transport = messaging.get_rpc_transport(conf, url=rabbit.URL)
    server = messaging.get_rpc_server(
        transport, messaging.Target(topic=topic, server='differential', exchange=topic),
        [Engine()], executor='threading')
    server.start()
    yield topic
    server.stop()
    server.wait()
    transport.cleanup()


@pytest.fixture(scope='module')
def nova_standin():
    with nova.running(hosts=sequence.NOVA_HOSTS) as sim:
        yield sim


def start_api(name, bin_dir, paste, database_url, tmp_path, topic, nova_run, env=None):
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / f'{name}.conf', database_url, port, workers=1,
        transport_url=rabbit.URL, api_paste_config=paste,
        extra=nova.masakari_options(nova_run) + (
            f'control_exchange = {topic}\nmasakari_topic = {topic}\n'
            'rpc_response_timeout = 20\n'
            # The release builds its Nova session from this group's auth_type.
            '[keystone_authtoken]\nauth_type = password\n'))
    subprocess.run([str(bin_dir / 'masakari-manage'), '--config-file', str(config),
                    'db', 'sync'], check=True, capture_output=True, env=env,
                   cwd=tmp_path)
    server = api_server.APIServer(
        config, port, tmp_path / f'{name}-api.log', env=env,
        command=[str(bin_dir / 'masakari-api'), '--config-file', str(config)])
    return server.start(timeout=60)


class Saved(dict):
    # A value the step that saves it did not get (it failed on this side).
    def __missing__(self, name):
        return f'missing-{name}'


def fill(value, saved: dict):
    if isinstance(value, str):
        return value.format_map(Saved(saved)) if '{' in value else value
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, saved) for v in value]
    return value


def normalize(value, saved: dict, url: str):
    """Uuids an earlier step saved become their names; other uuids, row
    ids and timestamps placeholders; the server's address <url>."""
    if isinstance(value, dict):
        return {k: (f'<{k}>' if k in VARYING_KEYS and v is not None
                    else normalize(v, saved, url)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, saved, url) for v in value]
    if isinstance(value, str):
        for name, saved_value in saved.items():
            if isinstance(saved_value, str):
                value = value.replace(saved_value, f'<{name}>')
        return UUID.sub('<uuid>', value.replace(url, '<url>'))
    return value


def stored(key: str, value, saved: dict):
    """A seed value as its column takes it: times as datetimes, maps as
    JSON text, ``{name}`` filled in."""
    if key.endswith('_time') and value:
        return datetime.datetime.fromisoformat(value)
    if isinstance(value, dict):
        return json.dumps(value)
    return fill(value, saved)


def write_rows(database_url: str, rows: dict, saved: dict) -> None:
    """Inserts a seed step's rows; a ``{name}`` no step saved yet becomes a
    new uuid, saved under that name."""
    for name in re.findall(r'\{(\w+)\}', json.dumps(rows)):
        saved.setdefault(name, str(uuid.uuid4()))
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    metadata = sa.MetaData()
    metadata.reflect(engine, only=list(rows))
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    with engine.begin() as connection:
        for table, table_rows in rows.items():
            for row in table_rows:
                values = {key: stored(key, value, saved) for key, value in row.items()}
                connection.execute(sa.insert(metadata.tables[table]),
                                   dict(values, created_at=now, deleted=0))
    engine.dispose()


def run(server, database_url: str) -> dict[str, dict]:
    """Every step's answer on one side: status, headers, body, normalized."""
    saved, answers = {}, {}
    with requests.Session() as session:
        for step in sequence.STEPS:
            if step.rows is not None:
                write_rows(database_url, step.rows, saved)
                continue
            headers = dict(step.headers)
            if isinstance(step.body, bytes):
                data = step.body
            elif step.body is not None:
                data = json.dumps(fill(step.body, saved)).encode()
                headers.setdefault('Content-Type', 'application/json')
            else:
                data = None
            response = session.request(step.method, server.url + fill(step.path, saved),
                                       data=data, headers=headers, timeout=60)
            try:
                body = response.json()
            except ValueError:
                body = response.text
            for name, (resource, field) in step.save.items():
                if response.ok:
                    saved[name] = body[resource][field]
            answer = {'status': response.status_code,
                      'body': normalize(body, saved, server.url)}
            for header in COMPARED_HEADERS:
                if header in response.headers:
                    answer[header] = normalize(response.headers[header], saved, server.url)
            for header in PRESENT_HEADERS:
                if header in response.headers:
                    answer[header] = '<present>'
            answers[step.key] = answer
    return answers


def allowed_differences() -> set[tuple[str, str]]:
    with ALLOWED.open(newline='') as stream:
        return {(row['request'], row['field']) for row in csv.DictReader(stream)}


def differences(release: dict, ours: dict) -> list[tuple[str, str, object, object]]:
    found = []
    for key in release:
        fields = sorted(set(release[key]) | set(ours[key]))
        for field in fields:
            if release[key].get(field) != ours[key].get(field):
                found.append((key, field, release[key].get(field), ours[key].get(field)))
    return found


def test_answers_match_the_release(database_url, upstream_bin, engine_topic,  # noqa: F811
                                   nova_standin, tmp_path, record_property):
    backend = sa.engine.make_url(database_url).get_backend_name()
    release_db = databases.create(backend, tmp_path)
    sides = {
        'release': (upstream_bin, upstream_bin.parent / 'etc/masakari/api-paste.ini',
                    release_db, upstream_env()),
        'ours': (api_server.BIN, api_server.REPO / 'etc/masakari/api-paste.ini',
                 database_url, None),
    }
    servers = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            started = {name: pool.submit(start_api, name, bin_dir, paste, url, tmp_path,
                                         engine_topic, nova_standin, env)
                       for name, (bin_dir, paste, url, env) in sides.items()}
            concurrent.futures.wait(started.values())
            # Both started, or the one that did is stopped below.
            servers = {name: future.result() for name, future in started.items()
                       if future.exception() is None}
            for future in started.values():
                future.result()
            ran = {name: pool.submit(run, server, sides[name][2])
                   for name, server in servers.items()}
            answers = {name: future.result() for name, future in ran.items()}
    finally:
        if 'release' in servers:
            try:
                servers['release'].stop()
            except AssertionError as error:
                # The release's 500s are listed differences; ours may have none.
                print(str(error)[:2000])
        databases.drop(release_db)
        if 'ours' in servers:
            servers['ours'].stop()
    for name, side in answers.items():
        # For a reader of a failure: every answer of each side.
        (tmp_path / f'{name}-answers.json').write_text(json.dumps(side, indent=1))
    found = differences(answers['release'], answers['ours'])
    allowed = allowed_differences()
    unlisted = [d for d in found if (d[0], d[1]) not in allowed]
    differing = {d[0] for d in found}
    listed = differing - {d[0] for d in unlisted}
    print(f'\n{backend}: {len(answers["ours"])} requests, {len(differing)} differ '
          f'({len(found)} fields), {len(listed)} of them only in listed ways')
    record_property('requests', len(answers['ours']))
    record_property('differing', len(differing))
    record_property('listed', len(listed))
    report = '\n'.join(f'{key} [{field}]\n  release: {theirs!r}\n  ours:    {mine!r}'
                       for key, field, theirs, mine in unlisted)
    assert not unlisted, f'{len(unlisted)} unlisted differences:\n{report}'


def test_listed_differences_name_requests_and_fields_the_test_compares():
    """So that a renamed or removed request cannot leave an entry behind."""
    keys = {step.key for step in sequence.STEPS}
    fields = {'status', 'body', *COMPARED_HEADERS, *PRESENT_HEADERS}
    with ALLOWED.open(newline='') as stream:
        rows = list(csv.DictReader(stream))
    assert len({row['id'] for row in rows}) == len(rows)
    for row in rows:
        assert row['request'] in keys, row
        assert row['field'] in fields, row
        assert all(row[column].strip() for column in ('release', 'ours', 'why')), row

