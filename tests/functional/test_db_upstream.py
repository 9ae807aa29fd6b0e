"""Going back to upstream masakari 22.0.0 and coming again, on SQLite,
MariaDB and PostgreSQL.

With our database at head and holding what our engine recorded (segments,
hosts, notifications of every status, vmoves, recovery progress in
taskflow's tables), upstream's own ``masakari-manage db sync`` succeeds,
upstream's masakari-api and masakari-engine serve every row and every
progress line and change some, and our ``db sync`` then takes the database
back with no row changed, our API showing what upstream's showed. The other
way, our db sync adopts a database that upstream's created.

Upstream runs from its own venv in .upstream/masakari (ignored by git),
which tests/perf/upstream_venv.sh creates from PyPI on first use and later
runs keep.
"""
import dataclasses
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import kombu
import pytest
import requests
import sqlalchemy as sa

from masakari.db import api as db
from masakari.db import migration
from masakari.db import models
from tests.functional.test_db_migrations import HEAD
from tests.functional.test_db_migrations import make_conf
from tests.functional.test_db_migrations import schema_differences
from tests.functional.test_db_migrations import schema_snapshot
from tests.support import api_server
from tests.support import rabbit
from tests.support import recovery

UPSTREAM_VENV = api_server.REPO / '.upstream' / 'masakari'
KOMBU_URL = 'amqp://guest:guest@127.0.0.1:5672//'
V13 = {'OpenStack-API-Version': 'instance-ha 1.3'}
HOST_STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'ONLINE'}
# Statuses no recovery here ends in: stored as the API stores a notification,
# then set with the query the engine uses.
SET_STATUSES = {'new': None, 'running': None,
                'failed': 'Failed to execute host failure flow'}


@pytest.fixture(scope='session')
def upstream_bin() -> pathlib.Path:
    # The interpreter our venv was made from: it exists wherever we run.
    env = dict(os.environ, PYTHON=os.path.realpath(sys.executable))
    result = subprocess.run(
        ['sh', str(api_server.REPO / 'tests/perf/upstream_venv.sh'), str(UPSTREAM_VENV)],
        capture_output=True, text=True, env=env)
    if result.returncode != 0:
        pytest.fail('could not install upstream masakari:\n' + result.stdout + result.stderr)
    return UPSTREAM_VENV / 'bin'


def upstream_env() -> dict:
    # Upstream's console scripts must not import our masakari package.
    return {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}


def manage(bin_dir: pathlib.Path, config: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / 'masakari-manage'), '--config-file', str(config),
                           'db', 'sync'], capture_output=True, text=True, timeout=300,
                          env=upstream_env(), cwd=config.parent, stdin=subprocess.DEVNULL)


def table_rows(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, ours and taskflow's."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        rows = {name: sorted((tuple(row) for row in connection.execute(sa.select(table))),
                             key=repr)
                for name, table in metadata.tables.items()}
    engine.dispose()
    return rows


def record_recoveries(tmp_path: pathlib.Path, database_url: str) -> dict[str, list]:
    """Our database at head with what our engine writes: a host, a VM and
    a process recovered, a VM recovery ignored, a host recovery in error
    with a failed vmove, notifications new, running and failed, a second
    segment with a reserved host and a deleted one. The recorded progress
    of each notification, by uuid."""
    with recovery.bench(tmp_path, hosts=('h1', 'h2', 'h3'), failed=('h1', 'h3'),
                        database_url=database_url) as bench, recovery.events():
        # (events: the manager's versioned notifications go to a test driver.)
        context = bench.context
        segment = db.segment_create(context, {
            'name': 'rack 2', 'service_type': 'COMPUTE', 'recovery_method': 'rh_priority',
            'description': 'second rack\nspare hosts', 'enabled': False})
        for name in ('rh1', 'gone'):
            db.host_create(context, segment.uuid, {
                'name': name, 'type': 'COMPUTE', 'control_attributes': 'SSH',
                'reserved': True, 'on_maintenance': name == 'gone'})
        db.host_delete(context, db.host_get_by_name(context, 'gone').uuid, segment.uuid)

        bench.add_server('i1')
        bench.add_server('i2')
        bench.add_server('i3', host='h2')
        bench.add_server('i4', host='h2', vm_state='paused')
        bench.add_server('i5', host='h3', evacuation='error')
        recovered = [
            bench.notify('COMPUTE_HOST', HOST_STOPPED),
            bench.notify('VM', {'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_FAILED',
                                'instance_uuid': recovery.server_id('i3')}, host='h2'),
            bench.notify('VM', {'event': 'IO_ERROR', 'vir_domain_event': 'IO_ERROR_REPORT',
                                'instance_uuid': recovery.server_id('i4')}, host='h2'),
            bench.notify('COMPUTE_HOST', HOST_STOPPED, host='h3'),
            bench.notify('PROCESS', {'event': 'STOPPED', 'process_name': 'nova-compute'},
                         host='h2'),
        ]
        for status, message in SET_STATUSES.items():
            notification = bench.notify('PROCESS', {'event': 'STOPPED',
                                                    'process_name': f'{status}-process'},
                                        host='h2')
            if status != 'new':
                db.notification_update(context, notification,
                                       {'status': status, 'message': message})
        manager = bench.manager()
        for notification in recovered:
            bench.cast(manager, notification)

        rows = db.notification_get_all(context, {}, db.ListQuery([], [], None, None))
        assert sorted(row.status for row in rows) == [
            'error', 'failed', 'finished', 'finished', 'finished', 'ignored', 'new',
            'running']
        assert sorted(move.status for moves in (bench.vmoves(recovered[0]) | bench.vmoves(
            recovered[3])).values() for move in moves) == ['failed', 'succeeded', 'succeeded']
        progress = {row.notification_uuid: bench.progress(row.notification_uuid, row.type)
                    for row in rows}
    assert sum(bool(entries) for entries in progress.values()) == 5
    return progress


@dataclasses.dataclass
class Deployment:
    """masakari.conf of one side and the port its API listens on."""
    config: pathlib.Path
    port: int


def ours_config(tmp_path: pathlib.Path, database_url: str) -> Deployment:
    port = api_server.free_port()
    return Deployment(api_server.write_config(tmp_path / 'ours.conf', database_url, port,
                                              workers=1), port)


def upstream_config(tmp_path: pathlib.Path, database_url: str, bin_dir: pathlib.Path,
                    topic: str = 'ha_engine') -> Deployment:
    """Upstream's API calls its engine on ``topic`` of a private exchange."""
    port = api_server.free_port()
    return Deployment(api_server.write_config(
        tmp_path / 'upstream.conf', database_url, port, workers=1, transport_url=rabbit.URL,
        api_paste_config=bin_dir.parent / 'etc/masakari/api-paste.ini',
        extra=f"""
        [DEFAULT]
        control_exchange = {topic}
        masakari_topic = {topic}
        rpc_response_timeout = 20
        """), port)


class UpstreamEngine:
    """Upstream's masakari-engine, ready once it consumes its RPC topic."""

    def __init__(self, bin_dir: pathlib.Path, config: pathlib.Path, topic: str):
        self.log = config.parent / 'upstream-engine.log'
        self.process = subprocess.Popen(
            [str(bin_dir / 'masakari-engine'), '--config-file', str(config)],
            env=upstream_env(), stdout=self.log.open('ab'), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.topic = topic

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with kombu.Connection(KOMBU_URL) as connection:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError('upstream masakari-engine exited:\n'
                                       + self.log.read_text()[-3000:])
                try:
                    _, _, consumers = connection.channel().queue_declare(self.topic,
                                                                         passive=True)
                    if consumers:
                        return
                except connection.channel_errors:
                    # Not declared yet; the failed declare closed the channel.
                    pass
                time.sleep(0.2)
        raise RuntimeError('upstream masakari-engine did not start in time')

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        assert 'Traceback' not in self.log.read_text(errors='replace')


def api_view(url: str) -> dict:
    """Everything the API lists, by uuid: segments, their hosts,
    notifications and the vmoves of host notifications."""
    session = requests.Session()

    def get(path: str) -> dict:
        response = session.get(url + path, headers=V13, timeout=60)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    segments = {s['uuid']: s for s in get('/v1/segments')['segments']}
    notifications = {n['notification_uuid']: n
                     for n in get('/v1/notifications')['notifications']}
    return {
        'segments': segments,
        'hosts': {h['uuid']: h for segment in segments
                  for h in get(f'/v1/segments/{segment}/hosts')['hosts']},
        'notifications': notifications,
        # Only host recoveries move servers; the others have no vmoves to list.
        'vmoves': {m['uuid']: m for n, notification in notifications.items()
                   if notification['type'] == 'COMPUTE_HOST'
                   for m in get(f'/v1/notifications/{n}/vmoves')['vmoves']},
    }


def workflow_details(url: str, notification_uuids) -> dict[str, list]:
    return {n: requests.get(f'{url}/v1/notifications/{n}', headers=V13, timeout=60)
            .json()['notification']['recovery_workflow_details']
            for n in notification_uuids}


def change_segments(url: str) -> None:
    """What an operator does on upstream meanwhile: a new segment, and a
    new description for one of ours."""
    session = requests.Session()
    created = session.post(f'{url}/v1/segments', headers=V13, timeout=60, json={'segment': {
        'name': 'made upstream', 'service_type': 'COMPUTE', 'recovery_method': 'auto'}})
    assert created.status_code == 201, created.text
    segment = next(s for s in session.get(f'{url}/v1/segments', headers=V13, timeout=60)
                   .json()['segments'] if s['name'] == 'rack 2')
    updated = session.put(f'{url}/v1/segments/{segment["uuid"]}', headers=V13, timeout=60,
                          json={'segment': {'description': 'changed upstream'}})
    assert updated.status_code == 200, updated.text


def run_upstream(bin_dir: pathlib.Path, deployment: Deployment, topic: str,
                 progress: dict[str, list]) -> dict:
    """Upstream's masakari-api and masakari-engine on the database: the
    recovery progress they show must be what our engine recorded; then
    change_segments, and what the API lists at the end."""
    engine = UpstreamEngine(bin_dir, deployment.config, topic)
    api = api_server.APIServer(None, deployment.port,
                               deployment.config.parent / 'upstream-api.log',
                               env=upstream_env(), command=[
                                   str(bin_dir / 'masakari-api'),
                                   '--config-file', str(deployment.config)])
    try:
        api.start(timeout=60)
        engine.wait_ready()
        assert workflow_details(api.url, progress) == progress
        change_segments(api.url)
        return api_view(api.url)
    finally:
        api.stop()
        engine.stop()


def test_upstream_runs_on_our_database_and_we_come_back(tmp_path, database_url,
                                                        upstream_bin):
    rabbit.require()
    progress = record_recoveries(tmp_path, database_url)
    topic = f'masakari-upstream-{uuid.uuid4().hex[:8]}'
    theirs = upstream_config(tmp_path, database_url, upstream_bin, topic)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    schema = schema_snapshot(engine)
    stored = table_rows(database_url)

    result = manage(upstream_bin, theirs.config)

    assert result.returncode == 0, result.stdout + result.stderr
    assert schema_snapshot(engine) == schema
    assert table_rows(database_url) == stored
    upstream_view = run_upstream(upstream_bin, theirs, topic, progress)
    changed = table_rows(database_url)
    assert changed != stored
    ours = ours_config(tmp_path, database_url)

    result = manage(api_server.BIN, ours.config)

    assert result.returncode == 0, result.stdout + result.stderr
    assert table_rows(database_url) == changed
    assert migration.db_version(make_conf(database_url, database_url)) == HEAD
    assert schema_differences(engine) == []
    engine.dispose()
    api = api_server.APIServer(ours.config, ours.port, tmp_path / 'api.log').start()
    try:
        ours_view = api_view(api.url)
    finally:
        api.stop()
    assert ours_view == upstream_view
    assert sorted(s['description'] or '' for s in ours_view['segments'].values()) == [
        '', '', 'changed upstream']
    assert len(ours_view['hosts']) == 4
    assert len(ours_view['notifications']) == 8
    assert len(ours_view['vmoves']) == 3


def test_database_created_by_upstream_is_adopted(tmp_path, database_url, upstream_bin):
    result = manage(upstream_bin, upstream_config(tmp_path, database_url, upstream_bin).config)
    assert result.returncode == 0, result.stdout + result.stderr
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    assert schema_differences(engine) != []
    generated = models.utcnow_seconds()
    with engine.begin() as connection:
        connection.execute(models.FailoverSegment.__table__.insert().values(
            uuid='segment-1', name='seg1', service_type='COMPUTE', description='line 1\nline 2',
            recovery_method='rh_priority', enabled=False, deleted=0, created_at=generated))
        connection.execute(models.Host.__table__.insert().values(
            uuid='host-1', name='compute-1', reserved=True, type='COMPUTE',
            control_attributes='SSH', failover_segment_id='segment-1', on_maintenance=False,
            deleted=0, created_at=generated))
    stored = table_rows(database_url)

    migration.db_sync(conf=make_conf(database_url, database_url))

    assert table_rows(database_url) == stored
    assert schema_differences(engine) == []
    engine.dispose()
