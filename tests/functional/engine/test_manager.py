"""The engine manager's status machine and events on the paths that need no
recovery flow (ignored host events, a disabled segment, a started process,
a VM event not recovered, expired and running notifications, and bad input
on the RPC path), on a real SQLite database, with the versioned notifications
captured by oslo.messaging's test driver."""
import datetime
import json
import uuid

import pytest
import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade

import novasim
from masakari import context as masakari_context
from masakari import exception
from masakari import objects
from masakari.conf import CONF
from masakari.conf import defaults
from masakari.db import api as db
from masakari.db import migration
from masakari.db import models
from masakari.engine import locks
from masakari.engine import manager as engine_manager
from tests.support import recovery
from tests.support import seed


class NoRecovery:
    """Driver for paths that must never start a recovery flow."""

    def __getattr__(self, name):
        raise AssertionError(f'unexpected driver call {name}')


@pytest.fixture
def database(tmp_path):
    defaults.set_lib_defaults(CONF)
    url = f'sqlite:///{tmp_path}/masakari.sqlite'
    CONF.set_override('connection', url, 'database')
    CONF.set_override('connection', url, 'taskflow')
    migration.db_sync()
    engine = sa.create_engine(url)
    reset = db.context_manager.patch_factory(_factory(url))
    yield url, engine
    reset()
    engine.dispose()
    CONF.clear_override('connection', 'database')
    CONF.clear_override('connection', 'taskflow')


def _factory(url: str):
    factory = enginefacade._TransactionFactory()
    factory.configure(connection=url)
    return factory


@pytest.fixture
def events():
    # (context, message, priority, retry) of each event sent.
    with recovery.events() as sent:
        yield sent


@pytest.fixture
def host(database):
    url, _ = database
    segment = seed.segment_with_hosts(url, 'seg', ['h1'])
    return segment


def insert(database, type_: str, payload, status: str = 'new',
           age: datetime.timedelta = datetime.timedelta(0)):
    """A notification row written as the API writes it (or as an old API
    wrote it: the payload is stored as given)."""
    url, engine = database
    with engine.begin() as conn:
        host = conn.execute(sa.select(models.Host.uuid, models.Host.failover_segment_id)
                            .where(models.Host.name == 'h1')).one()
        generated = models.utcnow_seconds() - age
        notification_uuid = str(uuid.uuid4())
        conn.execute(models.Notification.__table__.insert().values(
            notification_uuid=notification_uuid, generated_time=generated,
            source_host_uuid=host.uuid, type=type_,
            payload=payload if isinstance(payload, str) else json.dumps(payload),
            status=status, failover_segment_uuid=host.failover_segment_id,
            deleted=0, created_at=generated))
    return notification_uuid


def stored(database, notification_uuid: str):
    _, engine = database
    with engine.connect() as conn:
        return conn.execute(sa.select(models.Notification).where(
            models.Notification.notification_uuid == notification_uuid)).one()


def cast(manager, database, notification_uuid: str) -> None:
    """What the engine receives from the API's process_notification cast."""
    row = stored(database, notification_uuid)
    context = masakari_context.RequestContext(is_admin=True)
    manager.process_notification(context.to_dict(), objects.notification(row))


def event_types(events) -> list[str]:
    return [message['event_type'] for _, message, _, _ in events]


@pytest.fixture
def clock():
    return novasim.FakeClock()


@pytest.fixture
def manager(host, events, clock):
    return engine_manager.MasakariManager(driver=NoRecovery(),
                                          env=recovery.FakeClockEnvironment(clock))


HOST_PAYLOAD = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'ONLINE'}


@pytest.mark.parametrize('payload, status', [
    (dict(HOST_PAYLOAD, event='STARTED'), 'finished'),            # 2
    (dict(HOST_PAYLOAD, host_status='UNKNOWN'), 'ignored'),       # 3
    ({'event': 'STOPPED', 'cluster_status': 'OFFLINE'}, 'ignored'),  # 4
    (dict(HOST_PAYLOAD, event='REBOOT'), 'ignored'),
])
def test_host_notifications_without_recovery(manager, database, events, payload, status):
    notification_uuid = insert(database, 'COMPUTE_HOST', payload)
    cast(manager, database, notification_uuid)
    assert stored(database, notification_uuid).status == status
    assert event_types(events) == ['notification.process.start',
                                   'notification.process.end']
    end = events[1][1]['payload']['masakari_object.data']
    assert (end['status'], end['notification_uuid']) == ('running', notification_uuid)
    assert events[0][1]['publisher_id'].startswith('masakari-engine:')


def test_periodic_task_processes_a_stale_new_notification(manager, database, events):
    # Never cast, generated two minutes ago.
    notification_uuid = insert(database, 'COMPUTE_HOST', dict(HOST_PAYLOAD, event='REBOOT'),
                               age=datetime.timedelta(minutes=2))
    fresh = insert(database, 'COMPUTE_HOST', dict(HOST_PAYLOAD, event='STARTED'))
    manager._process_unfinished_notifications(masakari_context.get_admin_context())
    assert stored(database, notification_uuid).status == 'ignored'
    assert stored(database, fresh).status == 'new'
    assert event_types(events) == ['notification.process.start',
                                   'notification.process.end']


def test_disabled_segment_ignores_the_notification(manager, database, events):
    # 6
    _, engine = database
    with engine.begin() as conn:
        conn.execute(sa.update(models.FailoverSegment).values(enabled=False))
    notification_uuid = insert(database, 'COMPUTE_HOST', HOST_PAYLOAD)
    with pytest.raises(exception.FailoverSegmentDisabled):
        cast(manager, database, notification_uuid)
    row = stored(database, notification_uuid)
    assert (row.status, row.message) == ('ignored',
                                         'Recovery aboart: the segment HA is disabled.')
    assert events == []


def test_process_started_is_finished(manager, database, events):
    # 44
    notification_uuid = insert(database, 'PROCESS',
                               {'process_name': 'nova-compute', 'event': 'STARTED'})
    cast(manager, database, notification_uuid)
    assert stored(database, notification_uuid).status == 'finished'
    assert event_types(events) == ['notification.process.start',
                                   'notification.process.end']


def test_vm_event_not_recovered_is_ignored_with_start_only(manager, database, events):
    # 47
    notification_uuid = insert(database, 'VM', {
        'event': 'LIFECYCLE', 'vir_domain_event': 'STOPPED_DESTROYED',
        'instance_uuid': str(uuid.uuid4())})
    cast(manager, database, notification_uuid)
    assert stored(database, notification_uuid).status == 'ignored'
    assert event_types(events) == ['notification.process.start']


def test_expired_notifications_fail(manager, database, events):
    # 57
    old = insert(database, 'VM', {}, status='running', age=datetime.timedelta(hours=25))
    recent = insert(database, 'VM', {}, status='running', age=datetime.timedelta(hours=1))
    manager._check_expired_notifications(masakari_context.get_admin_context())
    assert stored(database, old).status == 'failed'
    assert stored(database, recent).status == 'running'
    assert events == []


def test_a_notification_already_running_is_not_processed_twice(manager, database, events):
    # The row moved on while the message carrying "new" waited.
    notification_uuid = insert(database, 'COMPUTE_HOST', HOST_PAYLOAD)
    row = stored(database, notification_uuid)
    _, engine = database
    with engine.begin() as conn:
        conn.execute(sa.update(models.Notification).values(status='running'))
    manager.process_notification(masakari_context.RequestContext(is_admin=True).to_dict(),
                                 objects.notification(row))
    assert stored(database, notification_uuid).status == 'running'
    assert event_types(events) == ['notification.process.start']


@pytest.mark.parametrize('type_, payload', [
    ('DISK', {'event': 'STOPPED'}),
    ('COMPUTE_HOST', 'not json'),
    ('PROCESS', '["a", "list"]'),
])
def test_bad_input_from_an_old_api_is_ignored(manager, database, events, type_, payload):
    _, engine = database
    notification_uuid = insert(database, 'COMPUTE_HOST', HOST_PAYLOAD)
    with engine.begin() as conn:
        # Bypass the schema: an enum the API never stores, a broken payload.
        conn.execute(sa.text('UPDATE notifications SET type = :t, payload = :p'),
                     {'t': type_, 'p': payload if isinstance(payload, str)
                      else json.dumps(payload)})
    manager._process(masakari_context.get_admin_context(),
                     stored(database, notification_uuid),
                     {'notification_uuid': notification_uuid, 'status': 'new'})
    assert stored(database, notification_uuid).status == 'ignored'
    assert event_types(events) == ['notification.process.start',
                                   'notification.process.end']


def beat(database, notification_uuid: str, beats: int) -> None:
    """What the heartbeat of a live engine does to its notification."""
    _, engine = database
    with engine.begin() as conn:
        conn.execute(models.Notification.__table__.update().where(
            models.Notification.notification_uuid == notification_uuid).values(
            updated_at=models.utcnow_seconds() + datetime.timedelta(seconds=beats)))


def test_a_running_notification_is_resumed_once_its_heartbeat_stops(manager, database,
                                                                    events, clock):
    left = insert(database, 'COMPUTE_HOST', dict(HOST_PAYLOAD, event='STARTED'),
                  status='running')
    beating = insert(database, 'COMPUTE_HOST', dict(HOST_PAYLOAD, event='STARTED'),
                     status='running')
    admin = masakari_context.get_admin_context()
    interval = CONF.notification_heartbeat_interval
    # Seen unchanged for three heartbeats is not yet longer than three.
    for beats in range(4):
        manager._resume_abandoned_notifications(admin)
        assert stored(database, left).status == 'running'
        clock.advance(interval)
        beat(database, beating, beats)
    manager._resume_abandoned_notifications(admin)
    assert stored(database, left).status == 'finished'
    assert stored(database, beating).status == 'running'


def test_a_running_notification_whose_host_is_busy_is_not_resumed(manager, database,
                                                                    events, clock):
    left = insert(database, 'COMPUTE_HOST', dict(HOST_PAYLOAD, event='STARTED'),
                  status='running')
    host_uuid = stored(database, left).source_host_uuid
    admin = masakari_context.get_admin_context()
    manager._resume_abandoned_notifications(admin)
    clock.advance(4 * CONF.notification_heartbeat_interval)
    with locks.lock(f'masakari-{host_uuid}'):
        manager._resume_abandoned_notifications(admin)
    assert stored(database, left).status == 'running'
    assert events == []
