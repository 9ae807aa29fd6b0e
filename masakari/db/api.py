"""The query API the rest of masakari calls; the only place that builds SQL.

Sessions come from oslo.db's enginefacade, configured from the [database]
options on first use (so API workers forked by the server each open their
own connections). Functions return detached ORM rows; soft-deleted rows are
invisible everywhere.
"""
import contextlib
import datetime
import json
import threading

import sqlalchemy as sa
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import uuidutils

from masakari import exception
from masakari.db import models

context_manager = enginefacade.transaction_context()

# Notifications that still need work block changes to their host's segment.
UNFINISHED_STATUSES = ('new', 'running', 'error')


def _sqlite_locked(error: Exception) -> bool:
    """SQLite refuses a write at once ("database is locked") when two
    transactions that both read want to write: the engine's threads do."""
    return (isinstance(error, (sa.exc.OperationalError, db_exc.DBError))
            and 'database is locked' in str(error))


_retry_on_deadlock = oslo_db_api.wrap_db_retry(max_retries=5,
                                               retry_on_deadlock=True,
                                               exception_checker=_sqlite_locked)


def configure(conf) -> None:
    context_manager.configure(connection=conf.database.connection,
                              **_engine_options(conf))


def _engine_options(conf) -> dict:
    db = conf.database
    return {
        'slave_connection': db.slave_connection,
        'sqlite_synchronous': db.sqlite_synchronous,
        'mysql_sql_mode': db.mysql_sql_mode,
        'connection_recycle_time': db.connection_recycle_time,
        'max_pool_size': db.max_pool_size,
        'max_overflow': db.max_overflow,
        'pool_timeout': db.pool_timeout,
        'max_retries': db.max_retries,
        'retry_interval': db.retry_interval,
        'connection_debug': db.connection_debug,
        # sleep(0) on each connection check-in only helps green threads.
        'thread_checkin': False,
    }


def get_engine():
    return context_manager.writer.get_engine()


# SQLite lets one transaction write at a time. A thread that finds the
# database locked polls it with growing sleeps (up to 100 ms each) in
# SQLite's busy handler, so it wakes long after the lock was released and
# the slowest writes wait far longer than the queue ahead of them. Writers
# of one process take turns on this lock instead, each woken as soon as it
# is free; reentrant for a writer called inside another. Other processes
# on the same file still meet the busy handler.
_sqlite_writers = threading.RLock()


@contextlib.contextmanager
def _writer(context):
    """``context_manager.writer.using(context)``; on SQLite, the statements
    wait for the turn of this process's writers, which lasts until the
    commit ends."""
    if get_engine().dialect.name != 'sqlite':
        with context_manager.writer.using(context) as session:
            yield session
        return
    turn = False
    try:
        with context_manager.writer.using(context) as session:
            # Connecting and BEGIN (deferred: it locks nothing in SQLite)
            # happen before the turn, which so lasts only as long as the
            # statements and the commit.
            session.connection()
            _sqlite_writers.acquire()
            turn = True
            yield session
    finally:
        if turn:
            _sqlite_writers.release()


class ListQuery:
    """Validated paging and sorting of a list request."""

    def __init__(self, sort_keys: list[str], sort_dirs: list[str],
                 limit: int | None, marker: str | None):
        self.sort_keys = sort_keys
        self.sort_dirs = sort_dirs
        self.limit = limit
        self.marker = marker


def _paginate(session, query, model, list_query: ListQuery,
              columns_only: bool = True):
    """One page of ``query``. With ``columns_only`` the rows are plain
    column tuples, which is much cheaper than building ORM objects; hosts
    need their segment relationship and pass False."""
    columns = model.__table__.columns
    for key in list_query.sort_keys:
        if key not in columns:
            raise exception.InvalidSortKey(key=key)
    first_dir = list_query.sort_dirs[0] if list_query.sort_dirs else 'desc'
    all_dirs = list(list_query.sort_dirs)
    all_dirs += [first_dir] * (len(list_query.sort_keys) - len(all_dirs))
    # A repeated key changes nothing in the order (its first direction
    # wins); dropping it keeps the query small however many are sent.
    directions = {}
    for key, direction in zip(list_query.sort_keys, all_dirs):
        directions.setdefault(key, direction)
    sort_keys = list(directions)
    sort_dirs = list(directions.values())
    for tie_breaker in ('created_at', 'id'):
        if tie_breaker not in sort_keys:
            sort_keys.append(tie_breaker)
            sort_dirs.append(first_dir)

    marker_row = None
    if list_query.marker is not None:
        marker_row = _get_marker(session, model, list_query.marker)
    query = sqlalchemyutils.paginate_query(
        query, model, list_query.limit, sort_keys, marker=marker_row,
        sort_dirs=sort_dirs)
    if columns_only:
        query = query.with_entities(*columns)
    return query.all()


def _filter_exact(query, model, filters: dict, names: tuple[str, ...]):
    """Equality filters; a value outside an ENUM column's members matches
    nothing (PostgreSQL would refuse to compare it)."""
    for name in names:
        if name not in filters:
            continue
        column = getattr(model, name)
        members = getattr(column.type, 'enums', None)
        if members is not None and filters[name] not in members:
            return query.filter(sa.false())
        if isinstance(filters[name], str) and not _storable(filters[name]):
            return query.filter(sa.false())
        query = query.filter(column == filters[name])
    return query


_MAX_ID = 2**31 - 1


def _get_marker(session, model, marker: str):
    try:
        marker_id = int(marker)
    except (TypeError, ValueError):
        raise exception.MarkerNotFound(marker=marker)
    # Ids are 32-bit on every database; a larger number is no row, and
    # binding one beyond 64 bits fails in the driver.
    if not 0 < marker_id <= _MAX_ID:
        raise exception.MarkerNotFound(marker=marker)
    row = session.query(model).filter_by(id=marker_id, deleted=0).first()
    if row is None:
        raise exception.MarkerNotFound(marker=marker)
    return row


def _storable(value: str) -> bool:
    """Whether ``value`` can be a stored string: PostgreSQL refuses any
    text with a NUL character, which therefore matches no row."""
    return '\x00' not in value


# What a TEXT column holds on MariaDB/MySQL, in bytes. Longer free text is
# refused on every database, so that all of them answer alike.
TEXT_BYTES = 65535


def _check_text_lengths(values: dict) -> None:
    # A notification's payload needs no check: its schema bounds it.
    for name in ('description', 'control_attributes'):
        value = values.get(name)
        if isinstance(value, str) and len(value.encode('utf-8', 'surrogatepass')) > TEXT_BYTES:
            raise exception.InvalidInput(
                reason=f'{name} is longer than {TEXT_BYTES} bytes')


def _fitted(message: str) -> str:
    """An engine's ``message`` (a Nova error's text, say) cut to what its
    column holds: an error must not be lost with the status beside it."""
    data = message.encode('utf-8', 'surrogatepass')
    if len(data) <= TEXT_BYTES:
        return message
    return data[:TEXT_BYTES - 3].decode('utf-8', 'ignore') + '...'


def _soft_delete(row) -> None:
    row.deleted = row.id
    row.deleted_at = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None)


def _touch(row) -> None:
    row.updated_at = models.utcnow_seconds()


def _update(session, row, values: dict) -> None:
    """Sets ``values``; only a row they change gets a new updated_at, as
    upstream's (an update to the same values writes nothing)."""
    for key, value in values.items():
        setattr(row, key, value)
    if session.is_modified(row):
        _touch(row)
    session.flush()


# -- failover segments -------------------------------------------------------

@context_manager.reader
def segment_get_all(context, filters: dict, list_query: ListQuery):
    if list_query.limit == 0:
        return []
    query = context.session.query(models.FailoverSegment).filter_by(deleted=0)
    query = _filter_exact(query, models.FailoverSegment, filters,
                          ('recovery_method', 'service_type', 'enabled'))
    return _paginate(context.session, query, models.FailoverSegment,
                     list_query)


def _segment_get(session, segment_uuid: str):
    row = _storable(segment_uuid) and session.query(
        models.FailoverSegment).filter_by(uuid=segment_uuid, deleted=0).first()
    if not row:
        raise exception.FailoverSegmentNotFound(id=segment_uuid)
    return row


@context_manager.reader
def segment_get_by_uuid(context, segment_uuid: str):
    return _segment_get(context.session, segment_uuid)


def _segment_name_taken(session, name: str, exclude_id: int | None = None):
    query = session.query(models.FailoverSegment.id).filter_by(
        name=name, deleted=0)
    if exclude_id is not None:
        query = query.filter(models.FailoverSegment.id != exclude_id)
    return session.query(query.exists()).scalar()


@_retry_on_deadlock
def segment_create(context, values: dict):
    _check_text_lengths(values)
    try:
        with _writer(context) as session:
            if _segment_name_taken(session, values['name']):
                raise exception.FailoverSegmentExists(name=values['name'])
            row = models.FailoverSegment(uuid=uuidutils.generate_uuid(),
                                         **values)
            session.add(row)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.FailoverSegmentExists(name=values['name'])
    return row


def _segment_in_use(session, segment_uuid: str) -> bool:
    live_hosts = sa.select(models.Host.uuid).where(
        models.Host.failover_segment_id == segment_uuid,
        models.Host.deleted == 0)
    query = session.query(models.Notification.id).filter(
        models.Notification.deleted == 0,
        models.Notification.status.in_(UNFINISHED_STATUSES),
        models.Notification.source_host_uuid.in_(live_hosts))
    return session.query(query.exists()).scalar()


@context_manager.reader
def segment_in_use(context, segment_uuid: str) -> bool:
    return _segment_in_use(context.session, segment_uuid)


@_retry_on_deadlock
def segment_update(context, segment_uuid: str, values: dict):
    _check_text_lengths(values)
    try:
        with _writer(context) as session:
            row = _segment_get(session, segment_uuid)
            if _segment_in_use(session, segment_uuid):
                raise exception.FailoverSegmentInUse(uuid=segment_uuid)
            if 'name' in values and _segment_name_taken(
                    session, values['name'], exclude_id=row.id):
                raise exception.FailoverSegmentExists(name=values['name'])
            _update(session, row, values)
    except db_exc.DBDuplicateEntry:
        raise exception.FailoverSegmentExists(name=values['name'])
    return row


@_retry_on_deadlock
def segment_delete(context, segment_uuid: str):
    with _writer(context) as session:
        row = _segment_get(session, segment_uuid)
        if _segment_in_use(session, segment_uuid):
            raise exception.FailoverSegmentInUseForDelete(uuid=segment_uuid)
        _soft_delete(row)
        for host in session.query(models.Host).filter_by(
                failover_segment_id=segment_uuid, deleted=0):
            _soft_delete(host)
    return row


# -- hosts --------------------------------------------------------------------

@context_manager.reader
def host_get_all(context, segment_uuid: str, filters: dict,
                 list_query: ListQuery):
    if list_query.limit == 0:
        return []
    query = context.session.query(models.Host).filter_by(
        deleted=0, failover_segment_id=segment_uuid)
    query = _filter_exact(query, models.Host, filters,
                          ('type', 'on_maintenance', 'reserved'))
    return _paginate(context.session, query, models.Host, list_query,
                     columns_only=False)


def _host_get(session, host_uuid: str, segment_uuid: str):
    row = _storable(host_uuid + segment_uuid) and session.query(
        models.Host).filter_by(uuid=host_uuid, failover_segment_id=segment_uuid,
                               deleted=0).first()
    if not row:
        raise exception.HostNotFoundUnderFailoverSegment(
            host_uuid=host_uuid, segment_uuid=segment_uuid)
    return row


@context_manager.reader
def host_get_by_uuid(context, host_uuid: str, segment_uuid: str):
    return _host_get(context.session, host_uuid, segment_uuid)


@context_manager.reader
def host_get_by_name(context, name: str):
    row = context.session.query(models.Host).filter_by(
        name=name, deleted=0).first()
    if row is None:
        raise exception.HostNotFoundByName(host_name=name)
    return row


def _host_name_taken(session, name: str, exclude_id: int | None = None):
    query = session.query(models.Host.id).filter_by(name=name, deleted=0)
    if exclude_id is not None:
        query = query.filter(models.Host.id != exclude_id)
    return session.query(query.exists()).scalar()


@_retry_on_deadlock
def host_create(context, segment_uuid: str, values: dict):
    _check_text_lengths(values)
    try:
        with _writer(context) as session:
            _segment_get(session, segment_uuid)
            if _host_name_taken(session, values['name']):
                raise exception.HostExists(name=values['name'])
            row = models.Host(uuid=uuidutils.generate_uuid(),
                              failover_segment_id=segment_uuid, **values)
            session.add(row)
            session.flush()
            session.refresh(row)
    except db_exc.DBDuplicateEntry:
        raise exception.HostExists(name=values['name'])
    return row


@_retry_on_deadlock
def host_update(context, host_uuid: str, segment_uuid: str, values: dict):
    _check_text_lengths(values)
    try:
        with _writer(context) as session:
            row = _host_get(session, host_uuid, segment_uuid)
            if _segment_in_use(session, segment_uuid):
                raise exception.HostInUse(uuid=host_uuid)
            if 'name' in values and _host_name_taken(
                    session, values['name'], exclude_id=row.id):
                raise exception.HostExists(name=values['name'])
            _update(session, row, values)
    except db_exc.DBDuplicateEntry:
        raise exception.HostExists(name=values['name'])
    return row


@_retry_on_deadlock
def host_delete(context, host_uuid: str, segment_uuid: str):
    with _writer(context) as session:
        row = _host_get(session, host_uuid, segment_uuid)
        if _segment_in_use(session, segment_uuid):
            raise exception.HostInUseForDelete(uuid=host_uuid)
        _soft_delete(row)
    return row


# -- notifications ------------------------------------------------------------

@context_manager.reader
def notification_get_all(context, filters: dict, list_query: ListQuery):
    if list_query.limit == 0:
        return []
    model = models.Notification
    query = context.session.query(model).filter_by(deleted=0)
    query = _filter_exact(query, model, filters,
                          ('source_host_uuid', 'failover_segment_uuid',
                           'type', 'status'))
    if 'generated-since' in filters:
        query = query.filter(model.generated_time >= filters['generated-since'])
    return _paginate(context.session, query, model, list_query)


@context_manager.reader
def notification_get_by_uuid(context, notification_uuid: str):
    row = _storable(notification_uuid) and context.session.query(
        models.Notification).filter_by(notification_uuid=notification_uuid,
                                       deleted=0).first()
    if not row:
        raise exception.NotificationNotFound(id=notification_uuid)
    return row


def _lock_host(session, hostname: str):
    """The live host named ``hostname`` (uuid, on_maintenance,
    failover_segment_id), locked until commit: notification creation is
    serialised per source host across every API worker and node, so the
    duplicate check and the insert of one request happen while no other
    request for the same host can run them. None when there is no such
    host."""
    host = models.Host.__table__
    live = sa.and_(host.c.name == hostname, host.c.deleted == 0)
    columns = sa.select(host.c.uuid, host.c.on_maintenance,
                        host.c.failover_segment_id).where(live)
    dialect = session.bind.dialect.name
    if dialect == 'sqlite':
        # SQLite locks the whole database on the first write.
        session.execute(host.update().where(live).values(deleted=host.c.deleted))
        return session.execute(columns).first()
    if dialect == 'mysql':
        # Later plain reads in this transaction must see rows committed by
        # the request that held the lock before us.
        session.connection(execution_options={
            'isolation_level': 'READ COMMITTED'})
    return session.execute(columns.with_for_update()).first()


def _payload_text(payload: dict) -> str:
    # Sorted keys: equal payloads are stored as equal text, so the duplicate
    # check compares in SQL instead of decoding every candidate row.
    return json.dumps(payload, sort_keys=True)


def _shifted(moment: datetime.datetime,
             delta: datetime.timedelta) -> datetime.datetime:
    """``moment + delta``, stopping at the calendar's first or last moment."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.datetime.min if delta < datetime.timedelta(0) \
            else datetime.datetime.max


def _is_duplicate(session, host_uuid: str, values: dict,
                  window_seconds: int) -> bool:
    """An equal notification generated no earlier than ``window_seconds``
    before this one. As upstream, one generated later counts too; but one
    generated more than the window after this one counts only while it was
    received within the window, so that a clock set far ahead cannot make
    every later notification of its host a duplicate."""
    model = models.Notification
    generated = values['generated_time']
    window = datetime.timedelta(seconds=window_seconds)
    query = session.query(model.id).filter(
        model.deleted == 0, model.type == values['type'],
        model.source_host_uuid == host_uuid,
        model.generated_time >= _shifted(generated, -window),
        sa.or_(model.generated_time <= _shifted(generated, window),
               model.created_at >= models.utcnow_seconds() - window),
        model.payload == _payload_text(values['payload']))
    return session.query(query.exists()).scalar()


@_retry_on_deadlock
def notification_create(context, hostname: str, values: dict,
                        duplicate_window: int):
    """Store a new notification from the live host named ``hostname``.

    Raises HostNotFoundByName, HostOnMaintenanceError or
    DuplicateNotification; the checks and the insert are atomic.
    """
    with _writer(context) as session:
        host = _lock_host(session, hostname)
        if host is None:
            raise exception.HostNotFoundByName(host_name=hostname)
        if host.on_maintenance:
            raise exception.HostOnMaintenanceError(host_name=hostname,
                                                   type=values['type'])
        if _is_duplicate(session, host.uuid, values, duplicate_window):
            raise exception.DuplicateNotification(host_name=hostname,
                                                  type=values['type'])
        row = models.Notification(
            notification_uuid=uuidutils.generate_uuid(),
            generated_time=values['generated_time'],
            type=values['type'],
            payload=_payload_text(values['payload']),
            status='new',
            source_host_uuid=host.uuid,
            failover_segment_uuid=host.failover_segment_id)
        session.add(row)
        session.flush()
    return row


# -- vmoves -------------------------------------------------------------------

@context_manager.reader
def vmove_get_all(context, notification_uuid: str, filters: dict,
                  list_query: ListQuery):
    if list_query.limit == 0:
        return []
    query = context.session.query(models.VMove).filter_by(
        deleted=0, notification_uuid=notification_uuid)
    query = _filter_exact(query, models.VMove, filters, ('type', 'status'))
    return _paginate(context.session, query, models.VMove, list_query)


@context_manager.reader
def vmove_get_by_uuid(context, vmove_uuid: str):
    row = _storable(vmove_uuid) and context.session.query(
        models.VMove).filter_by(uuid=vmove_uuid, deleted=0).first()
    if not row:
        raise exception.VMoveNotFound(id=vmove_uuid)
    return row



@_retry_on_deadlock
def vmove_create(context, values: dict):
    """A new vmove (``pending`` evacuation unless ``values`` say otherwise)."""
    with _writer(context) as session:
        row = models.VMove(uuid=uuidutils.generate_uuid(),
                           **{'type': 'evacuation', 'status': 'pending', **values})
        session.add(row)
        session.flush()
    return row


def _set(context, model, values: dict, not_found: Exception, **key):
    """Set ``values`` on the live row of ``model`` found by ``key``."""
    with _writer(context) as session:
        row = session.query(model).filter_by(deleted=0, **key).first()
        if row is None:
            raise not_found
        for name, value in values.items():
            if name == 'message' and isinstance(value, str):
                value = _fitted(value)
            setattr(row, name, value)
        _touch(row)
        session.flush()
    return row


@_retry_on_deadlock
def vmove_update(context, vmove_uuid: str, values: dict):
    return _set(context, models.VMove, values,
                exception.VMoveNotFound(id=vmove_uuid), uuid=vmove_uuid)


@context_manager.reader
def vmoves_of_notification(context, notification_uuid: str):
    """The vmoves of a notification, newest first (created_at, then id)."""
    query = context.session.query(models.VMove).filter_by(
        deleted=0, notification_uuid=notification_uuid)
    return query.order_by(models.VMove.created_at.desc(),
                          models.VMove.id.desc()).all()


# -- engine: notifications and hosts -------------------------------------------

@_retry_on_deadlock
def notification_update(context, notification_uuid: str, values: dict):
    return _set(context, models.Notification, values,
                exception.NotificationNotFound(id=notification_uuid),
                notification_uuid=notification_uuid)


@context_manager.reader
def notifications_with_status(context, statuses: tuple[str, ...]):
    """Live notifications in one of ``statuses``, newest first."""
    model = models.Notification
    return context.session.query(model).filter(
        model.deleted == 0, model.status.in_(statuses)).order_by(
        model.created_at.desc(), model.id.desc()).all()


@context_manager.reader
def host_failures(context, segment_uuid: str, within: int) -> tuple[int, int]:
    """How many hosts of the segment a COMPUTE_HOST STOPPED notification
    received in the last ``within`` seconds reported failed, and how many
    hosts the segment has."""
    since = models.utcnow_seconds() - datetime.timedelta(seconds=within)
    rows = context.session.query(models.Notification.source_host_uuid,
                                 models.Notification.payload).filter(
        models.Notification.deleted == 0,
        models.Notification.failover_segment_uuid == segment_uuid,
        models.Notification.type == 'COMPUTE_HOST',
        models.Notification.created_at >= since)
    failed = {row.source_host_uuid for row in rows if _reports_stopped(row.payload)}
    total = context.session.query(models.Host).filter_by(
        deleted=0, failover_segment_id=segment_uuid).count()
    return len(failed), total


def _reports_stopped(payload: str | None) -> bool:
    try:
        data = json.loads(payload or '{}')
    except ValueError:
        return False
    return isinstance(data, dict) and str(data.get('event', '')).upper() == 'STOPPED'


def release_held_notifications(context, segment: str, held: str, released: str) -> list[str]:
    """Give the notifications of ``segment`` (name or uuid) whose message
    starts with ``held`` the message ``released``; their uuids."""
    with _writer(context) as session:
        row = session.query(models.FailoverSegment).filter(
            models.FailoverSegment.deleted == 0,
            sa.or_(models.FailoverSegment.name == segment,
                   models.FailoverSegment.uuid == segment)).first()
        if row is None:
            raise exception.FailoverSegmentNotFound(id=segment)
        notifications = session.query(models.Notification).filter(
            models.Notification.deleted == 0, models.Notification.status == 'new',
            models.Notification.failover_segment_uuid == row.uuid,
            models.Notification.message.startswith(held, autoescape=True)).all()
        for notification in notifications:
            notification.message = released
        return [notification.notification_uuid for notification in notifications]


@context_manager.reader
def host_get(context, host_uuid: str):
    """A live host by uuid, whatever its segment, with its segment loaded."""
    row = context.session.query(models.Host).filter_by(
        uuid=host_uuid, deleted=0).first()
    if row is None:
        raise exception.HostNotFound(id=host_uuid)
    return row


@_retry_on_deadlock
def host_set_state(context, host_uuid: str, values: dict):
    """The engine's change of ``on_maintenance``/``reserved``: unlike an API
    update it is never refused because the segment is in use."""
    return _set(context, models.Host, values, exception.HostNotFound(id=host_uuid),
                uuid=host_uuid)


@context_manager.reader
def reserved_host_names(context, segment_uuid: str) -> list[str]:
    """Names of the segment's reserved hosts not on maintenance, newest
    first: the order a reserved_host recovery tries them in."""
    model = models.Host
    rows = context.session.query(model.name).filter(
        model.deleted == 0, model.failover_segment_id == segment_uuid,
        model.reserved.is_(True), model.on_maintenance.is_(False)).order_by(
        model.created_at.desc(), model.id.desc())
    return [row.name for row in rows]
