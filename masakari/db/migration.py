"""Schema upgrades: ``masakari-manage db sync`` and ``db version``.

The alembic chain is upstream's, so that the version table only ever holds a
revision upstream's own ``db sync`` can locate: an operator can go back to
upstream masakari on the same database. The indexes we add to upstream's
schema are created after the upgrade, when missing.

Databases created by releases that used sqlalchemy-migrate carry a
``migrate_version`` table; they are stamped with the alembic revision that
matches their legacy version before alembic upgrades them.
"""
import contextlib
import os

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import util as alembic_util
from oslo_config import cfg
from oslo_db.sqlalchemy import engines
from oslo_log import log as logging
from taskflow.persistence import backends as taskflow_backends

from masakari import exception
from masakari.db import models

LOG = logging.getLogger(__name__)

VERSION_TABLE = 'masakari_alembic_version'
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), 'migrations')

# Alembic revisions equivalent to the last two legacy versions.
_LEGACY_007 = '8f848eb45d03'
_LEGACY_008 = '8bdf5929c5a6'

# Earlier releases of ours had one revision after upstream's head, adding the
# notifications indexes; such a database is upstream's head plus indexes.
_EARLIER_OWN_REVISION = 'b6e3f2a1c9d4'
_UPSTREAM_HEAD = '13adff5efb9a'


class TaskflowNotConfigured(Exception):
    """db sync needs [taskflow] connection to create the flow tables."""

    def __init__(self) -> None:
        super().__init__('[taskflow] connection should be configured to use '
                         'this driver.')


def include_object(obj, name: str, type_: str, reflected: bool,
                   compare_to) -> bool:
    """Alembic autogenerate filter: ignore tables masakari does not own.

    The masakari database also holds taskflow's tables and the legacy
    ``migrate_version`` table.
    """
    return not (type_ == 'table' and reflected and compare_to is None)


def _alembic_config(connection: sa.Connection) -> alembic_config.Config:
    config = alembic_config.Config()
    config.set_main_option('script_location', MIGRATIONS_DIR)
    config.attributes['connection'] = connection
    return config


def create_engine(conf: cfg.ConfigOpts) -> sa.Engine:
    """An engine on [database] connection for one command run.

    Not the enginefacade of masakari.db.api: that one is configured once per
    process, and the commands must not fix it to their settings.
    """
    return engines.create_engine(
        conf.database.connection,
        mysql_sql_mode=conf.database.mysql_sql_mode,
        max_retries=conf.database.max_retries,
        retry_interval=conf.database.retry_interval)


def _current_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(
        sa.text(f'SELECT version_num FROM {VERSION_TABLE}')).scalar()


def _legacy_revision(connection: sa.Connection) -> str | None:
    """The revision to stamp a sqlalchemy-migrate managed database with.

    None when there is nothing to adopt: no legacy table, or alembic already
    manages the schema.
    """
    if not sa.inspect(connection).has_table('migrate_version'):
        return None
    if _current_revision(connection) is not None:
        return None
    version = connection.execute(
        sa.text('SELECT version FROM migrate_version')).scalar()
    if version < 7:
        raise exception.InvalidInput(reason=(
            f'Your database is at version {version:03d}; we only support '
            'upgrading from version 007 or later. Please upgrade your '
            'database using an earlier release of Masakari and then return '
            'here.'))
    if version > 8:
        if os.environ.get('FORCE_MASAKARI_DB_SYNC') is None:
            raise exception.InvalidInput(reason=(
                f'Your database is at version {version:03d}; we do not '
                'recognise this version and it is likely you are carrying '
                'out-of-tree migrations. You can still upgrade but we cannot '
                'guarantee things will work as expected. If you wish to '
                'continue, set the FORCE_MASAKARI_DB_SYNC environment '
                'variable to any value and retry.'))
        LOG.warning('Your database is at version %03d; we do not recognise '
                    'this version but the FORCE_MASAKARI_DB_SYNC environment '
                    'variable is set so we are continuing. Things may break. '
                    'You have been warned!', version)
    return _LEGACY_007 if version == 7 else _LEGACY_008


def _restamp_earlier_own_revision(connection: sa.Connection) -> None:
    if _current_revision(connection) != _EARLIER_OWN_REVISION:
        return
    LOG.info('Stamping revision %s of an earlier release as %s, the same '
             'schema; its indexes are kept', _EARLIER_OWN_REVISION,
             _UPSTREAM_HEAD)
    connection.execute(sa.text(f'UPDATE {VERSION_TABLE} SET version_num = :head'),
                       {'head': _UPSTREAM_HEAD})


def _create_missing_indexes(connection: sa.Connection) -> None:
    inspector = sa.inspect(connection)
    for index in models.NOTIFICATION_INDEXES:
        if not inspector.has_index(index.table.name, index.name):
            LOG.info('Creating index %s', index.name)
            index.create(connection)


def _upgrade_taskflow(conf: cfg.ConfigOpts) -> None:
    if not conf.taskflow.connection:
        raise TaskflowNotConfigured()
    backend = taskflow_backends.fetch({'connection': conf.taskflow.connection})
    with contextlib.closing(backend):
        with contextlib.closing(backend.get_connection()) as connection:
            connection.upgrade()


def db_sync(version: str | None = None, conf: cfg.ConfigOpts = cfg.CONF) -> None:
    """Upgrade the masakari tables to ``version`` (default: head), create
    our indexes where missing, then upgrade the taskflow persistence tables.

    Raises InvalidInput for a sqlalchemy-migrate version number or a legacy
    database that cannot be adopted, and TaskflowNotConfigured (after the
    masakari tables are migrated) when ``[taskflow] connection`` is unset.
    """
    if version is not None and version.isdigit():
        raise exception.InvalidInput(reason=(
            f'sqlalchemy-migrate versions no longer supported: {version}; '
            'give an alembic revision, or none to upgrade to the latest'))
    engine = create_engine(conf)
    try:
        with engine.begin() as connection:
            config = _alembic_config(connection)
            _restamp_earlier_own_revision(connection)
            legacy_revision = _legacy_revision(connection)
            if legacy_revision is not None:
                LOG.info('Adopting the sqlalchemy-migrate managed database at '
                         'revision %s', legacy_revision)
                command.stamp(config, legacy_revision)
            command.upgrade(config, version or 'head')
            _create_missing_indexes(connection)
    except alembic_util.CommandError as error:
        # An unknown revision, or one older than the database's.
        raise exception.InvalidInput(reason=str(error)) from error
    finally:
        engine.dispose()
    _upgrade_taskflow(conf)
    LOG.info('Migration(s) applied')


def db_version(conf: cfg.ConfigOpts = cfg.CONF) -> str | None:
    """The alembic revision of the masakari tables; None before db sync."""
    engine = create_engine(conf)
    try:
        with engine.connect() as connection:
            return _current_revision(connection)
    finally:
        engine.dispose()
