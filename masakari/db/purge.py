"""``masakari-manage db purge``: hard-delete old soft-deleted rows.

Notifications are never soft-deleted; they are purged once they reached a
final status and have not changed for the given age. The vmoves and taskflow
logbooks of purged notifications stay (as upstream does).
"""
import datetime

import sqlalchemy as sa
from oslo_config import cfg
from oslo_log import log as logging

from masakari.db import migration

LOG = logging.getLogger(__name__)

PURGEABLE_NOTIFICATION_STATUSES = ('failed', 'finished', 'ignored')


def _candidates(table: sa.Table, cutoff: datetime.datetime) -> sa.Select:
    if table.name == 'notifications':
        return (sa.select(table.c.id)
                .where(table.c.updated_at < cutoff,
                       table.c.status.in_(PURGEABLE_NOTIFICATION_STATUSES))
                .order_by(table.c.status))
    return (sa.select(table.c.id)
            .where(table.c.deleted_at < cutoff)
            .order_by(table.c.deleted_at))


def _delete_statement(table: sa.Table, cutoff: datetime.datetime,
                      limit: int | None) -> sa.Delete:
    candidates = _candidates(table, cutoff)
    if limit is not None:
        candidates = candidates.limit(limit)
    # MySQL refuses both LIMIT in an IN sub-query and a sub-query on the
    # table being deleted from; a derived table around it is accepted.
    ids = sa.select(candidates.subquery().c.id)
    return sa.delete(table).where(table.c.id.in_(ids))


def purge_deleted_rows(age_in_days: int, max_rows: int,
                       conf: cfg.ConfigOpts = cfg.CONF) -> int:
    """Delete rows older than ``age_in_days`` from every table that has a
    ``deleted`` column, dependents first, at most ``max_rows`` rows in all
    (-1: no limit). Returns the number of rows deleted.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    cutoff = now - datetime.timedelta(days=age_in_days)
    engine = migration.create_engine(conf)
    metadata = sa.MetaData()
    total = 0
    try:
        metadata.reflect(bind=engine)
        for table in reversed(metadata.sorted_tables):
            if 'deleted' not in table.c:
                continue
            limit = max_rows - total if max_rows > 0 else None
            LOG.info('Purging deleted rows older than %(age)d day(s) from '
                     'table %(table)s', {'age': age_in_days, 'table': table.name})
            with engine.begin() as connection:
                deleted = connection.execute(
                    _delete_statement(table, cutoff, limit)).rowcount
            LOG.info('Deleted %(count)d row(s) from table %(table)s',
                     {'count': deleted, 'table': table.name})
            total += deleted
            if max_rows > 0 and total >= max_rows:
                break
    finally:
        engine.dispose()
    LOG.info('Total deleted rows are %d', total)
    return total
