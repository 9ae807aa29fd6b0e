"""Writers of one process on an SQLite file take turns before they start,
so that none waits in SQLite's busy handler, which polls a locked database
with sleeps of up to 100 ms and so makes slow requests under concurrency."""
import concurrent.futures
import datetime

import pytest
import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade

from masakari import context as masakari_context
from masakari import exception
from masakari.conf import CONF
from masakari.conf import defaults
from masakari.db import api as db
from masakari.db import migration
from tests.support import seed

HOSTS = [f'compute{i:02d}' for i in range(8)]


@pytest.fixture
def impatient_sqlite(tmp_path):
    """The API's database functions on a fresh SQLite file whose connections
    give up at once when the database is locked, and the list of every
    "database is locked" error they met."""
    defaults.set_lib_defaults(CONF)
    url = f'sqlite:///{tmp_path}/masakari.sqlite'
    CONF.set_override('connection', url, 'database')
    CONF.set_override('connection', url, 'taskflow')
    factory = enginefacade._TransactionFactory()
    factory.configure(connection=url)
    restore = db.context_manager.patch_factory(factory)
    locked = []
    try:
        migration.db_sync()
        seed.segment_with_hosts(url, 'seg', HOSTS)
        # Its segment has no notifications, so it may change meanwhile.
        idle_segment_uuid = seed.segment_with_hosts(url, 'idle', ['spare'])
        engine = db.get_engine()

        @sa.event.listens_for(engine, 'connect')
        def no_busy_wait(dbapi_connection, record):
            dbapi_connection.execute('PRAGMA busy_timeout = 0')

        @sa.event.listens_for(engine, 'handle_error')
        def record_locked(context):
            if 'database is locked' in str(context.original_exception):
                locked.append(context.original_exception)

        yield idle_segment_uuid, locked
    finally:
        restore()
        CONF.clear_override('connection', 'database')
        CONF.clear_override('connection', 'taskflow')


def test_concurrent_writers_never_find_the_database_locked(impatient_sqlite):
    idle_segment_uuid, locked = impatient_sqlite
    context = masakari_context.get_admin_context()
    generated = datetime.datetime(2026, 11, 25, 10, 0)

    def create(i):
        return db.notification_create(context, HOSTS[i % len(HOSTS)], {
            'type': 'VM', 'generated_time': generated,
            'payload': {'event': 'LIFECYCLE', 'instance_uuid': str(i),
                        'vir_domain_event': 'STOPPED_FAILED'}}, 180)

    def update(i):
        # Reads first, then writes: the pattern SQLite cannot serve at
        # once for two transactions at the same time.
        return db.segment_update(context, idle_segment_uuid,
                                 {'description': f'update {i}'})

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        created = list(pool.map(create, range(64)))
        updated = list(pool.map(update, range(16)))

    assert locked == []
    assert len({row.notification_uuid for row in created}) == 64
    assert len(updated) == 16
    with pytest.raises(exception.DuplicateNotification):
        create(0)
