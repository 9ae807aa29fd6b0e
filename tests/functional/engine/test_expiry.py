"""A notification's age, for retry and expiry, counts from when it was
received when its generated_time lies in the future: a client with a wrong
clock must not leave a notification unhandled forever."""
import datetime
import json
import uuid

import sqlalchemy as sa

from masakari import context as masakari_context
from masakari.db import models
from tests.functional.engine.test_manager import HOST_PAYLOAD

# The manager tests' helpers and pytest fixtures.
from tests.functional.engine.test_manager import clock  # noqa: F401
from tests.functional.engine.test_manager import database  # noqa: F401
from tests.functional.engine.test_manager import events  # noqa: F401
from tests.functional.engine.test_manager import host  # noqa: F401
from tests.functional.engine.test_manager import manager  # noqa: F401
from tests.functional.engine.test_manager import stored

FAR_FUTURE = datetime.datetime(9999, 12, 31, 23, 59, 59)
YEAR_ONE = datetime.datetime(1, 1, 1)


def insert(database, status: str, generated_time: datetime.datetime,  # noqa: F811
           received_ago: datetime.timedelta, type_: str = 'VM',
           payload: str = '{}') -> str:
    _, engine = database
    with engine.begin() as conn:
        host = conn.execute(sa.select(models.Host.uuid, models.Host.failover_segment_id)
                            .where(models.Host.name == 'h1')).one()
        notification_uuid = str(uuid.uuid4())
        conn.execute(models.Notification.__table__.insert().values(
            notification_uuid=notification_uuid, generated_time=generated_time,
            source_host_uuid=host.uuid, type=type_, payload=payload, status=status,
            failover_segment_uuid=host.failover_segment_id, deleted=0,
            created_at=models.utcnow_seconds() - received_ago))
    return notification_uuid


def test_a_far_future_notification_expires(manager, database, events):  # noqa: F811
    day = datetime.timedelta(hours=25)
    old = {status: insert(database, status, FAR_FUTURE, day)
           for status in ('new', 'running', 'error')}
    recent = insert(database, 'running', FAR_FUTURE, datetime.timedelta(hours=1))
    ancient = insert(database, 'running', YEAR_ONE, datetime.timedelta(hours=1))
    manager._check_expired_notifications(masakari_context.get_admin_context())
    assert {status: stored(database, uuid_).status
            for status, uuid_ in old.items()} == dict.fromkeys(old, 'failed')
    assert stored(database, recent).status == 'running'
    assert stored(database, ancient).status == 'failed'
    assert events == []


def test_a_far_future_new_notification_is_retried(manager, database, events):  # noqa: F811
    # Received two minutes ago and never cast to an engine.
    payload = json.dumps(dict(HOST_PAYLOAD, event='REBOOT'))
    stale = insert(database, 'new', FAR_FUTURE, datetime.timedelta(minutes=2),
                   'COMPUTE_HOST', payload)
    fresh = insert(database, 'new', FAR_FUTURE, datetime.timedelta(0),
                   'COMPUTE_HOST', payload)
    manager._process_unfinished_notifications(masakari_context.get_admin_context())
    assert stored(database, stale).status == 'ignored'
    assert stored(database, fresh).status == 'new'
