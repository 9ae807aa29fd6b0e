"""SQLAlchemy models of the four masakari tables.

Table, column, constraint and index names are those of upstream masakari, so
a database created by either is usable by the other.
"""
import datetime

import sqlalchemy as sa
from sqlalchemy import orm

RECOVERY_METHODS = ('auto', 'reserved_host', 'auto_priority', 'rh_priority')
NOTIFICATION_STATUSES = ('new', 'running', 'error', 'failed', 'ignored',
                         'finished')


def utcnow_seconds() -> datetime.datetime:
    """Current naive UTC time without microseconds, as timestamps are stored."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(tzinfo=None, microsecond=0)


class Base(orm.DeclarativeBase):
    pass


class SoftDeleteMixin:
    """created/updated/deleted bookkeeping; ``deleted`` holds the row id
    once deleted so that (name, deleted) uniqueness lets names be reused."""

    created_at = sa.Column(sa.DateTime, default=utcnow_seconds)
    updated_at = sa.Column(sa.DateTime)
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, default=0)

    def to_dict(self) -> dict:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


class FailoverSegment(SoftDeleteMixin, Base):
    __tablename__ = 'failover_segments'
    __table_args__ = (
        sa.UniqueConstraint('name', 'deleted', name='uniq_segment0name0deleted'),
        sa.UniqueConstraint('uuid', name='uniq_segments0uuid'),
        sa.Index('segments_service_type_idx', 'service_type'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    service_type = sa.Column(sa.String(255), nullable=False)
    enabled = sa.Column(sa.Boolean, default=True)
    description = sa.Column(sa.Text)
    recovery_method = sa.Column(
        sa.Enum(*RECOVERY_METHODS, name='recovery_methods'), nullable=False)


class Host(SoftDeleteMixin, Base):
    __tablename__ = 'hosts'
    __table_args__ = (
        sa.UniqueConstraint('name', 'deleted', name='uniq_host0name0deleted'),
        sa.UniqueConstraint('uuid', name='uniq_host0uuid'),
        sa.Index('hosts_type_idx', 'type'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    reserved = sa.Column(sa.Boolean, default=False)
    type = sa.Column(sa.String(255), nullable=False)
    control_attributes = sa.Column(sa.Text, nullable=False)
    failover_segment_id = sa.Column(
        sa.String(36), sa.ForeignKey('failover_segments.uuid'),
        nullable=False)
    on_maintenance = sa.Column(sa.Boolean, default=False)

    failover_segment = orm.relationship(
        FailoverSegment, lazy='joined', innerjoin=True,
        primaryjoin='and_(Host.failover_segment_id == FailoverSegment.uuid,'
                    ' Host.deleted == 0)',
        backref=orm.backref('hosts', lazy='select'))


# Not upstream: keep the default listing order and the duplicate check off
# full-table scans. They are no alembic revision: ``db sync`` creates them
# when missing after upgrading, so that the version table only ever holds a
# revision upstream knows and upstream's own db sync runs on our database.
NOTIFICATION_INDEXES = (
    sa.Index('notifications_created_at_idx', 'created_at', 'id'),
    sa.Index('notifications_source_host_idx', 'source_host_uuid', 'type',
             'generated_time'),
)


class Notification(SoftDeleteMixin, Base):
    __tablename__ = 'notifications'
    __table_args__ = (
        sa.UniqueConstraint('notification_uuid', name='uniq_notification0uuid'),
        *NOTIFICATION_INDEXES,
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    generated_time = sa.Column(sa.DateTime, nullable=False)
    source_host_uuid = sa.Column(sa.String(36), nullable=False)
    type = sa.Column(sa.String(36), nullable=False)
    payload = sa.Column(sa.Text)
    status = sa.Column(
        sa.Enum(*NOTIFICATION_STATUSES, name='notification_status'),
        nullable=False)
    failover_segment_uuid = sa.Column(sa.String(36))
    message = sa.Column(sa.Text)


class VMove(SoftDeleteMixin, Base):
    __tablename__ = 'vmoves'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_vmove0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    instance_name = sa.Column(sa.String(255), nullable=False)
    source_host = sa.Column(sa.String(255))
    dest_host = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime)
    end_time = sa.Column(sa.DateTime)
    type = sa.Column(sa.String(36))
    status = sa.Column(sa.String(255))
    message = sa.Column(sa.Text)
