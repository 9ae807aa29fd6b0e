"""masakari-manage run as operators run it: a real subprocess of the
installed console script with a config file, against fresh SQLite, MariaDB
and PostgreSQL databases: schema creation, upgrades of legacy schemas,
versions and the purge of deleted rows."""
import datetime
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from masakari.db import models

MANAGE = os.path.join(os.path.dirname(sys.executable), 'masakari-manage')
HEAD = '13adff5efb9a'
MASAKARI_TABLES = {'failover_segments', 'hosts', 'notifications', 'vmoves',
                   'masakari_alembic_version'}
TASKFLOW_TABLES = {'logbooks', 'flowdetails', 'atomdetails'}


def write_conf(directory, url: str, taskflow: bool = True) -> str:
    path = os.path.join(directory, 'masakari.conf')
    with open(path, 'w') as conf:
        conf.write(f'[database]\nconnection = {url}\nmax_retries = 1\n')
        if taskflow:
            conf.write(f'[taskflow]\nconnection = {url}\n')
    return path


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != 'FORCE_MASAKARI_DB_SYNC'}
    environ.update(env or {})
    return subprocess.run([MANAGE, *args], capture_output=True, text=True,
                          env=environ, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture
def conf_file(tmp_path, database_url):
    return write_conf(tmp_path, database_url)


@pytest.fixture
def manage(conf_file):
    def manage(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run('--config-file', conf_file, *args, env=env)
    return manage


@pytest.fixture
def engine(database_url):
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def alembic_revision(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text(
            'SELECT version_num FROM masakari_alembic_version')).scalars())


def schema_snapshot(engine: sa.Engine) -> dict:
    inspector = sa.inspect(engine)
    return {table: ([(c['name'], str(c['type'])) for c in inspector.get_columns(table)],
                    sorted(i['name'] for i in inspector.get_indexes(table)))
            for table in sorted(inspector.get_table_names())}


# -- sync and version ---------------------------------------------------------

def test_sync_creates_masakari_and_taskflow_tables(manage, engine):
    assert manage('db', 'version').stdout.strip() == 'None'

    result = manage('db', 'sync')

    assert result.returncode == 0, result.stderr
    assert 'Migration(s) applied' in result.stdout
    assert MASAKARI_TABLES | TASKFLOW_TABLES <= tables(engine)
    # taskflow keeps an alembic version except on SQLite (create_all there).
    assert ('alembic_version' in tables(engine)) == (engine.dialect.name != 'sqlite')
    assert alembic_revision(engine) == [HEAD]
    version = manage('db', 'version')
    assert (version.returncode, version.stdout.strip()) == (0, HEAD)


def test_second_sync_changes_nothing(manage, engine):
    assert manage('db', 'sync').returncode == 0
    before = schema_snapshot(engine)

    result = manage('db', 'sync')

    assert result.returncode == 0, result.stderr
    assert 'Running upgrade' not in result.stdout
    assert 'Creating index' not in result.stdout
    assert schema_snapshot(engine) == before
    assert alembic_revision(engine) == [HEAD]


@pytest.mark.parametrize('args', [['sync', '8bdf5929c5a6'],
                                  ['sync', '--version', '8bdf5929c5a6']])
def test_sync_to_a_given_revision(manage, engine, args):
    result = manage('db', *args)

    assert result.returncode == 0, result.stderr
    assert alembic_revision(engine) == ['8bdf5929c5a6']


def test_sync_rejects_sqlalchemy_migrate_versions(manage, engine):
    result = manage('db', 'sync', '9')

    assert result.returncode == 1
    assert 'sqlalchemy-migrate versions no longer supported' in result.stderr
    assert 'Traceback' not in result.stderr
    assert tables(engine) == set()


def test_sync_without_taskflow_connection(tmp_path, database_url, engine):
    conf = write_conf(tmp_path, database_url, taskflow=False)

    result = run('--config-file', conf, 'db', 'sync')

    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(
        '[taskflow] connection should be configured to use this driver.')
    assert 'Traceback' not in result.stderr
    assert MASAKARI_TABLES <= tables(engine)
    assert not TASKFLOW_TABLES & tables(engine)
    assert alembic_revision(engine) == [HEAD]


# -- databases of the sqlalchemy-migrate era ------------------------------------

def _soft_delete_columns() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime), sa.Column('updated_at', sa.DateTime),
            sa.Column('deleted_at', sa.DateTime), sa.Column('deleted', sa.Integer),
            sa.Column('id', sa.Integer, primary_key=True)]


def create_legacy_schema(engine: sa.Engine, version: int) -> None:
    """The tables as legacy migrations 001-00N left them (N in 6..9), with the
    legacy constraint names, InnoDB/utf8 on MySQL and the CHECK constraints
    SQLAlchemy emitted for enums and booleans at the time."""
    metadata = sa.MetaData()
    options = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}
    segment_columns = [
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('service_type', sa.String(255), nullable=False),
        sa.Column('description', sa.Text),
        sa.Column('recovery_method', sa.Enum(
            *models.RECOVERY_METHODS, name='recovery_methods',
            create_constraint=True), nullable=False),
    ]
    if version >= 7:
        segment_columns.append(sa.Column('enabled', sa.Boolean(create_constraint=True)))
    sa.Table('failover_segments', metadata, *_soft_delete_columns(), *segment_columns,
             sa.UniqueConstraint('name', 'deleted', name='uniq_segment0name0deleted'),
             sa.UniqueConstraint('uuid', name='uniq_segments0uuid'),
             sa.Index('segments_service_type_idx', 'service_type'), **options)
    sa.Table('hosts', metadata, *_soft_delete_columns(),
             sa.Column('uuid', sa.String(36), nullable=False),
             sa.Column('name', sa.String(255), nullable=False),
             sa.Column('reserved', sa.Boolean(create_constraint=True)),
             sa.Column('type', sa.String(255), nullable=False),
             sa.Column('control_attributes', sa.Text, nullable=False),
             sa.Column('failover_segment_id', sa.String(36), nullable=False),
             sa.Column('on_maintenance', sa.Boolean(create_constraint=True)),
             sa.ForeignKeyConstraint(['failover_segment_id'], ['failover_segments.uuid'],
                                     name='fk_failover_segments_uuid'),
             sa.UniqueConstraint('name', 'deleted', name='uniq_host0name0deleted'),
             sa.UniqueConstraint('uuid', name='uniq_host0uuid'),
             sa.Index('hosts_type_idx', 'type'), **options)
    sa.Table('notifications', metadata, *_soft_delete_columns(),
             sa.Column('notification_uuid', sa.String(36), nullable=False),
             sa.Column('generated_time', sa.DateTime, nullable=False),
             sa.Column('source_host_uuid', sa.String(36), nullable=False),
             sa.Column('type', sa.String(36), nullable=False),
             sa.Column('payload', sa.Text),
             sa.Column('status', sa.Enum(
                 *models.NOTIFICATION_STATUSES, name='notification_status',
                 create_constraint=True), nullable=False),
             sa.UniqueConstraint('notification_uuid', name='uniq_notifications0uuid'),
             **options)
    if version >= 8:
        sa.Table('vmoves', metadata, *_soft_delete_columns(),
                 sa.Column('uuid', sa.String(36), nullable=False),
                 sa.Column('notification_uuid', sa.String(36), nullable=False),
                 sa.Column('instance_uuid', sa.String(36), nullable=False),
                 sa.Column('instance_name', sa.String(255), nullable=False),
                 sa.Column('source_host', sa.String(255)),
                 sa.Column('dest_host', sa.String(255)),
                 sa.Column('start_time', sa.DateTime), sa.Column('end_time', sa.DateTime),
                 sa.Column('type', sa.String(36)), sa.Column('status', sa.String(36)),
                 sa.Column('message', sa.Text),
                 sa.UniqueConstraint('uuid', name='uniq_vmove0uuid'), **options)
    migrate_version = sa.Table(
        'migrate_version', metadata,
        sa.Column('repository_id', sa.String(250), primary_key=True),
        sa.Column('repository_path', sa.Text),
        sa.Column('version', sa.Integer), **options)
    metadata.create_all(engine)
    now = datetime.datetime(2024, 1, 2, 3, 4, 5)
    with engine.begin() as connection:
        connection.execute(migrate_version.insert().values(
            repository_id='masakari', repository_path='/legacy/migrate_repo',
            version=version))
        connection.execute(metadata.tables['failover_segments'].insert().values(
            uuid='segment-1', name='seg1', service_type='COMPUTE',
            recovery_method='auto', deleted=0, created_at=now))
        connection.execute(metadata.tables['hosts'].insert().values(
            uuid='host-1', name='compute-1', type='COMPUTE', control_attributes='SSH',
            failover_segment_id='segment-1', deleted=0, created_at=now))
        connection.execute(metadata.tables['notifications'].insert().values(
            notification_uuid='notification-1', generated_time=now,
            source_host_uuid='host-1', type='COMPUTE_HOST', payload='{}',
            status='finished', deleted=0, created_at=now))


def assert_legacy_data_kept(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            'SELECT uuid FROM hosts WHERE failover_segment_id = :segment'),
            {'segment': 'segment-1'}).scalar() == 'host-1'
        notification = connection.execute(sa.text(
            'SELECT status, failover_segment_uuid, message FROM notifications')).one()
        assert tuple(notification) == ('finished', None, None)


def notification_columns(engine: sa.Engine) -> set[str]:
    return {c['name'] for c in sa.inspect(engine).get_columns('notifications')}


def test_legacy_version_7_is_stamped_then_upgraded(manage, engine):
    create_legacy_schema(engine, 7)

    result = manage('db', 'sync')

    assert result.returncode == 0, result.stderr
    assert 'Running stamp_revision  -> 8f848eb45d03' in result.stdout
    assert 'Running upgrade 8f848eb45d03 -> 8bdf5929c5a6' in result.stdout
    assert 'vmoves' in tables(engine)
    assert {'failover_segment_uuid', 'message'} <= notification_columns(engine)
    assert alembic_revision(engine) == [HEAD]
    assert_legacy_data_kept(engine)


def test_legacy_version_8_only_gets_the_later_revisions(manage, engine):
    create_legacy_schema(engine, 8)

    result = manage('db', 'sync')

    assert result.returncode == 0, result.stderr
    assert 'Running stamp_revision  -> 8bdf5929c5a6' in result.stdout
    assert '-> 8bdf5929c5a6,' not in result.stdout
    assert 'Running upgrade 8bdf5929c5a6 -> 13adff5efb9a' in result.stdout
    assert {'failover_segment_uuid', 'message'} <= notification_columns(engine)
    # As upstream's revisions do, the upgrade leaves a legacy schema's own
    # column types alone: vmoves.status stays 36 characters long.
    status = {c['name']: c['type'] for c in sa.inspect(engine).get_columns('vmoves')}
    assert status['status'].length == 36
    assert alembic_revision(engine) == [HEAD]
    assert_legacy_data_kept(engine)


def test_legacy_version_6_is_refused(manage, engine):
    create_legacy_schema(engine, 6)
    before = schema_snapshot(engine)

    result = manage('db', 'sync')

    assert result.returncode == 1
    assert ('Your database is at version 006; we only support upgrading from '
            'version 007 or later.') in result.stderr
    assert 'Traceback' not in result.stderr
    assert schema_snapshot(engine) == before


def test_legacy_version_9_needs_force(manage, engine):
    create_legacy_schema(engine, 9)
    before = schema_snapshot(engine)

    refused = manage('db', 'sync')

    assert refused.returncode == 1
    assert 'Your database is at version 009' in refused.stderr
    assert 'FORCE_MASAKARI_DB_SYNC' in refused.stderr
    assert schema_snapshot(engine) == before

    forced = manage('db', 'sync', env={'FORCE_MASAKARI_DB_SYNC': '1'})

    assert forced.returncode == 0, forced.stderr
    assert 'WARNING masakari.db.migration' in forced.stdout
    assert 'FORCE_MASAKARI_DB_SYNC environment variable is set' in forced.stdout
    assert 'Running stamp_revision  -> 8bdf5929c5a6' in forced.stdout
    assert alembic_revision(engine) == [HEAD]
    assert_legacy_data_kept(engine)


# -- purge ----------------------------------------------------------------------

def days_ago(days: float) -> datetime.datetime:
    return models.utcnow_seconds() - datetime.timedelta(days=days)


def add_segment(connection, number: int, deleted_days_ago: float | None) -> str:
    uuid = f'segment-{number}'
    table = models.FailoverSegment.__table__
    row_id = connection.execute(table.insert().values(
        uuid=uuid, name=f'seg{number}', service_type='COMPUTE',
        recovery_method='auto', deleted=0, created_at=days_ago(400))
    ).inserted_primary_key[0]
    if deleted_days_ago is not None:
        connection.execute(table.update().where(table.c.id == row_id).values(
            deleted=row_id, deleted_at=days_ago(deleted_days_ago)))
    return uuid


def add_host(connection, number: int, segment: str, deleted_days_ago: float | None) -> None:
    table = models.Host.__table__
    row_id = connection.execute(table.insert().values(
        uuid=f'host-{number}', name=f'compute-{number}', type='COMPUTE',
        control_attributes='SSH', failover_segment_id=segment, deleted=0,
        created_at=days_ago(400))).inserted_primary_key[0]
    if deleted_days_ago is not None:
        connection.execute(table.update().where(table.c.id == row_id).values(
            deleted=row_id, deleted_at=days_ago(deleted_days_ago)))


def add_notification(connection, name: str, status: str,
                     updated_days_ago: float | None) -> None:
    connection.execute(models.Notification.__table__.insert().values(
        notification_uuid=name, generated_time=days_ago(400), source_host_uuid='host-1',
        type='COMPUTE_HOST', payload='{}', status=status, deleted=0,
        created_at=days_ago(400),
        updated_at=None if updated_days_ago is None else days_ago(updated_days_ago)))


def column_values(engine: sa.Engine, table: str, column: str) -> set:
    with engine.connect() as connection:
        return set(connection.execute(sa.text(f'SELECT {column} FROM {table}')).scalars())


def test_purge_with_defaults(manage, engine):
    assert manage('db', 'sync').returncode == 0
    with engine.begin() as connection:
        old = add_segment(connection, 1, deleted_days_ago=31)
        add_host(connection, 1, old, deleted_days_ago=31)
        recent = add_segment(connection, 2, deleted_days_ago=29)
        add_host(connection, 2, recent, deleted_days_ago=29)
        live = add_segment(connection, 3, deleted_days_ago=None)
        add_host(connection, 3, live, deleted_days_ago=None)
        for status in models.NOTIFICATION_STATUSES:
            add_notification(connection, f'old-{status}', status, updated_days_ago=31)
        add_notification(connection, 'recent-finished', 'finished', updated_days_ago=29)
        add_notification(connection, 'never-updated', 'finished', updated_days_ago=None)

    result = manage('db', 'purge')

    assert result.returncode == 0, result.stderr
    assert column_values(engine, 'failover_segments', 'uuid') == {'segment-2', 'segment-3'}
    assert column_values(engine, 'hosts', 'uuid') == {'host-2', 'host-3'}
    assert column_values(engine, 'notifications', 'notification_uuid') == {
        'old-new', 'old-running', 'old-error', 'recent-finished', 'never-updated'}
    lines = result.stdout.splitlines()
    assert any(line.endswith('Purging deleted rows older than 30 day(s) from table hosts')
               for line in lines)
    assert any(line.endswith('Deleted 1 row(s) from table hosts') for line in lines)
    assert any(line.endswith('Deleted 3 row(s) from table notifications') for line in lines)
    assert any(line.endswith('Deleted 1 row(s) from table failover_segments')
               for line in lines)
    assert lines[-1].endswith('Total deleted rows are 5')
    # Only tables with a 'deleted' column are purged.
    assert 'logbooks' not in result.stdout


def test_purge_stops_at_max_rows_dependents_first(manage, engine):
    assert manage('db', 'sync').returncode == 0
    with engine.begin() as connection:
        for number in range(60):
            segment = add_segment(connection, number, deleted_days_ago=40 + number)
            add_host(connection, number, segment, deleted_days_ago=40 + number)

    result = manage('db', 'purge', '--age_in_days', '30', '--max_rows', '100')

    assert result.returncode == 0, result.stderr
    assert column_values(engine, 'hosts', 'uuid') == set()
    # The oldest deleted segments go first.
    assert column_values(engine, 'failover_segments', 'uuid') == {
        f'segment-{number}' for number in range(20)}
    out = result.stdout
    assert out.index('from table hosts') < out.index('from table failover_segments')
    assert 'Deleted 60 row(s) from table hosts' in out
    assert 'Deleted 40 row(s) from table failover_segments' in out
    assert out.rstrip().endswith('Total deleted rows are 100')


def test_purge_max_rows_across_tables(manage, engine):
    assert manage('db', 'sync').returncode == 0
    with engine.begin() as connection:
        segment = add_segment(connection, 1, deleted_days_ago=None)
        for number in range(3):
            add_host(connection, number, segment, deleted_days_ago=31)
        for status in ('ignored', 'finished', 'failed'):
            add_notification(connection, status, status, updated_days_ago=31)

    result = manage('db', 'purge', '--max_rows', '4')

    assert result.returncode == 0, result.stderr
    assert column_values(engine, 'hosts', 'uuid') == set()
    # Notifications are taken in status order: failed, finished, ignored.
    assert column_values(engine, 'notifications', 'notification_uuid') == {
        'finished', 'ignored'}
    assert 'from table failover_segments' not in result.stdout
    assert result.stdout.rstrip().endswith('Total deleted rows are 4')


# -- argument handling (no database needed) -------------------------------------------

@pytest.fixture
def sqlite_manage(tmp_path):
    conf = write_conf(tmp_path, f'sqlite:///{tmp_path}/masakari.sqlite')

    def manage(*args: str) -> subprocess.CompletedProcess:
        return run('--config-file', conf, *args)
    return manage


@pytest.mark.parametrize('args, message', [
    (['--max_rows', '0'], 'Must supply value greater than 0 for max_rows.'),
    (['--age_in_days', '-1'], 'Must supply a non-negative value for age.'),
    (['--age_in_days', '99999'], 'Maximal age is count of days since epoch.'),
    (['--age_in_days', 'abc'], 'Invalid value for age, abc'),
    (['--max_rows', '-5'], 'Invalid input received: max_rows must be >= -1'),
    (['--max_rows', '2147483648'],
     'Invalid input received: max_rows must be <= 2147483647'),
])
def test_purge_argument_validation(sqlite_manage, tmp_path, args, message):
    result = sqlite_manage('db', 'purge', *args)

    assert (result.returncode, result.stderr.strip()) == (1, message)
    assert not os.path.exists(tmp_path / 'masakari.sqlite')


def test_no_arguments_prints_version_and_categories():
    result = run()

    version = subprocess.run(
        [sys.executable, '-c',
         'import importlib.metadata; print(importlib.metadata.version("masakari"))'],
        capture_output=True, text=True).stdout.strip()
    assert result.returncode == 2
    assert result.stdout == (f'\nOpenStack masakari version: {version}\n\n'
                             f'{MANAGE} category action [<args>]\n'
                             'Available categories:\n\tdb\n\thost\n\tscenario\n\tsegment\n')


def test_missing_config_file(tmp_path):
    missing = str(tmp_path / 'absent.conf')

    result = run('--config-file', missing, 'db', 'version')

    assert result.returncode == 2
    assert f'Failed to read configuration file(s): {missing}' in result.stderr


def test_missing_config_dir(tmp_path):
    missing = str(tmp_path / 'absent.d')

    result = run('--config-dir', missing, 'db', 'version')

    assert result.returncode == 2
    assert result.stderr.rstrip().endswith(f'Invalid directory: {missing}')


def test_sync_to_an_unknown_revision(sqlite_manage):
    result = sqlite_manage('db', 'sync', 'deadbeef')

    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(
        "Invalid input received: Can't locate revision identified by 'deadbeef'")
    assert 'Traceback' not in result.stderr


def test_unknown_action_is_a_usage_error(sqlite_manage):
    result = sqlite_manage('db', 'frobnicate')

    assert result.returncode == 2
    assert 'invalid choice' in result.stderr
