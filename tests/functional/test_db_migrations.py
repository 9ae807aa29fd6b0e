"""Alembic chain and db sync against fresh SQLite, MariaDB and PostgreSQL
databases: the migrated schema is the models' schema and sync is
idempotent. Databases created by upstream masakari's own db sync are in
test_db_upstream.py."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from oslo_config import cfg
from oslo_db import options as db_options

from masakari import exception
from masakari.conf import taskflow as taskflow_conf
from masakari.db import migration
from masakari.db import models

HEAD = '13adff5efb9a'
MASAKARI_TABLES = {'failover_segments', 'hosts', 'notifications', 'vmoves',
                   'masakari_alembic_version'}
TASKFLOW_TABLES = {'logbooks', 'flowdetails', 'atomdetails'}


def make_conf(url: str, taskflow_url: str | None) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    db_options.set_defaults(conf, connection=url)
    taskflow_conf.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override('connection', taskflow_url, group='taskflow')
    # Fail fast instead of retrying a dead server for minutes.
    conf.set_override('max_retries', 1, group='database')
    return conf


@pytest.fixture
def conf(database_url):
    return make_conf(database_url, database_url)


@pytest.fixture
def engine(database_url):
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            'compare_type': True,
            'include_object': migration.include_object,
        })
        return compare_metadata(context, models.Base.metadata)


def schema_snapshot(engine: sa.Engine) -> dict:
    inspector = sa.inspect(engine)
    snapshot = {}
    for table in sorted(inspector.get_table_names()):
        snapshot[table] = (
            [(c['name'], str(c['type']), c['nullable'])
             for c in inspector.get_columns(table)],
            sorted((i['name'], tuple(i['column_names']))
                   for i in inspector.get_indexes(table)),
            sorted((u['name'], tuple(u['column_names']))
                   for u in inspector.get_unique_constraints(table)),
            sorted((tuple(f['constrained_columns']), f['referred_table'])
                   for f in inspector.get_foreign_keys(table)),
        )
    return snapshot


def test_db_version_is_none_on_empty_database(conf):
    assert migration.db_version(conf) is None


def test_sync_creates_the_models_schema(conf, engine):
    migration.db_sync(conf=conf)

    assert migration.db_version(conf) == HEAD
    tables = set(sa.inspect(engine).get_table_names())
    assert MASAKARI_TABLES | TASKFLOW_TABLES <= tables
    # taskflow versions its tables with alembic except on SQLite, where it
    # only runs create_all.
    assert ('alembic_version' in tables) == (engine.dialect.name != 'sqlite')
    assert schema_differences(engine) == []


def test_sync_is_idempotent(conf, engine):
    migration.db_sync(conf=conf)
    before = schema_snapshot(engine)

    migration.db_sync(conf=conf)

    assert schema_snapshot(engine) == before
    assert migration.db_version(conf) == HEAD
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            'SELECT count(*) FROM masakari_alembic_version')).scalar() == 1


def test_revision_of_an_earlier_release_is_stamped_as_upstream_head(conf, engine):
    # Earlier releases ended the chain with b6e3f2a1c9d4, which added the two
    # notifications indexes after upstream's head.
    migration.db_sync(conf=conf)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE masakari_alembic_version SET version_num = 'b6e3f2a1c9d4'"))
    before = schema_snapshot(engine)

    migration.db_sync(conf=conf)

    assert migration.db_version(conf) == HEAD
    assert schema_snapshot(engine) == before


def test_revision_of_a_later_upstream_release_is_refused(conf, engine):
    # A schema we do not know: nothing is changed.
    migration.db_sync(conf=conf)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE masakari_alembic_version SET version_num = 'a1b2c3d4e5f6'"))
    before = schema_snapshot(engine)

    with pytest.raises(exception.InvalidInput,
                       match="Can't locate revision identified by 'a1b2c3d4e5f6'"):
        migration.db_sync(conf=conf)

    assert schema_snapshot(engine) == before


def test_missing_indexes_are_created_again(conf, engine):
    migration.db_sync(conf=conf)
    with engine.begin() as connection:
        connection.execute(sa.text('DROP INDEX notifications_source_host_idx'
                                   + (' ON notifications'
                                      if engine.dialect.name == 'mysql' else '')))
    assert schema_differences(engine) != []

    migration.db_sync(conf=conf)

    assert schema_differences(engine) == []


def test_sync_to_a_revision_then_to_head(conf, engine):
    migration.db_sync('8bdf5929c5a6', conf=conf)

    assert migration.db_version(conf) == '8bdf5929c5a6'
    columns = {c['name'] for c in sa.inspect(engine).get_columns('notifications')}
    assert 'vmoves' in sa.inspect(engine).get_table_names()
    assert not {'failover_segment_uuid', 'message'} & columns

    migration.db_sync(conf=conf)

    assert migration.db_version(conf) == HEAD
    assert schema_differences(engine) == []


def test_constraints_indexes_and_types(conf, engine):
    migration.db_sync(conf=conf)
    inspector = sa.inspect(engine)

    uniques = {table: {u['name']: u['column_names']
                       for u in inspector.get_unique_constraints(table)}
               for table in ('failover_segments', 'hosts', 'notifications', 'vmoves')}
    assert uniques['failover_segments'] == {
        'uniq_segment0name0deleted': ['name', 'deleted'],
        'uniq_segments0uuid': ['uuid']}
    assert uniques['hosts'] == {'uniq_host0name0deleted': ['name', 'deleted'],
                                'uniq_host0uuid': ['uuid']}
    assert uniques['notifications'] == {
        'uniq_notification0uuid': ['notification_uuid']}
    assert uniques['vmoves'] == {'uniq_vmove0uuid': ['uuid']}

    def indexes(table):
        return {i['name']: i['column_names'] for i in inspector.get_indexes(table)
                if not i.get('unique') and not i.get('duplicates_constraint')}
    assert indexes('failover_segments')['segments_service_type_idx'] == ['service_type']
    assert indexes('hosts')['hosts_type_idx'] == ['type']
    assert indexes('notifications') == {
        'notifications_created_at_idx': ['created_at', 'id'],
        'notifications_source_host_idx': ['source_host_uuid', 'type', 'generated_time']}

    [foreign_key] = inspector.get_foreign_keys('hosts')
    assert foreign_key['constrained_columns'] == ['failover_segment_id']
    assert foreign_key['referred_table'] == 'failover_segments'
    assert foreign_key['referred_columns'] == ['uuid']

    segment_columns = {c['name']: c for c in inspector.get_columns('failover_segments')}
    notification_columns = {c['name']: c for c in inspector.get_columns('notifications')}
    recovery_method = segment_columns['recovery_method']['type']
    status = notification_columns['status']['type']
    if engine.dialect.name == 'sqlite':
        assert str(recovery_method) == 'VARCHAR(13)'
        assert str(status) == 'VARCHAR(8)'
    else:
        assert isinstance(recovery_method, sa.Enum)
        assert isinstance(status, sa.Enum)
        assert list(recovery_method.enums) == list(models.RECOVERY_METHODS)
        assert list(status.enums) == list(models.NOTIFICATION_STATUSES)
    if engine.dialect.name == 'postgresql':
        enum_names = {e['name'] for e in inspector.get_enums()}
        assert {'recovery_methods', 'notification_status'} <= enum_names
    assert notification_columns['failover_segment_uuid']['nullable'] is True
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            'SELECT version_num FROM masakari_alembic_version')).scalar() == HEAD


def test_sqlalchemy_migrate_version_is_rejected(conf, engine):
    with pytest.raises(exception.InvalidInput,
                       match='sqlalchemy-migrate versions no longer supported'):
        migration.db_sync('8', conf=conf)
    assert sa.inspect(engine).get_table_names() == []


def test_sync_without_taskflow_connection_migrates_masakari_first(database_url, engine):
    conf = make_conf(database_url, None)

    with pytest.raises(migration.TaskflowNotConfigured,
                       match=r'^\[taskflow\] connection should be configured '
                             r'to use this driver\.$'):
        migration.db_sync(conf=conf)

    tables = set(sa.inspect(engine).get_table_names())
    assert MASAKARI_TABLES <= tables
    assert not TASKFLOW_TABLES & tables
    assert migration.db_version(conf) == HEAD


def test_segment_names_are_reusable_after_soft_delete(conf, engine):
    migration.db_sync(conf=conf)
    segments = models.FailoverSegment.__table__
    hosts = models.Host.__table__
    now = models.utcnow_seconds()

    def add_segment(connection, uuid):
        return connection.execute(segments.insert().values(
            uuid=uuid, name='seg1', service_type='COMPUTE',
            recovery_method='auto', deleted=0, created_at=now)).inserted_primary_key[0]

    with engine.begin() as connection:
        segment_id = add_segment(connection, 'segment-1')
        connection.execute(hosts.insert().values(
            uuid='host-1', name='host1', type='COMPUTE', control_attributes='SSH',
            failover_segment_id='segment-1', deleted=0, created_at=now))
        # A segment delete soft-deletes the segment and its hosts.
        connection.execute(hosts.update().where(hosts.c.uuid == 'host-1').values(
            deleted=hosts.c.id, deleted_at=now))
        connection.execute(segments.update().where(segments.c.id == segment_id).values(
            deleted=segment_id, deleted_at=now))
        add_segment(connection, 'segment-2')
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            add_segment(connection, 'segment-3')
