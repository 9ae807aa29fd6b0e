"""generated_time at the edges of the calendar, through a real masakari-api
on SQLite, MariaDB and PostgreSQL.

A time that has no UTC equivalent is refused with a 400 naming the field; any
other time is stored as sent, and one far in the future makes later
notifications of its host duplicates only while it is recent.
"""
import datetime

import pytest
import requests
import sqlalchemy as sa

from masakari.db import models
from tests.support import seed

PAYLOAD = {'event': 'STOPPED', 'process_name': 'nova-compute'}
# Year 1 east of UTC and year 9999 west of it fall outside the calendar once
# converted to UTC.
NO_UTC_EQUIVALENT = ['0001-01-01T00:00:00+14:00', '0001-01-01T00:00:00+00:01',
                     '9999-12-31T23:59:59-14:00', '9999-12-31T23:00:00-01:00']
# Representable, but a duplicate window around them leaves the calendar.
CALENDAR_EDGES = {'0001-01-01T00:00:00': '0001-01-01T00:00:00.000000',
                  '0001-01-01T00:00:00Z': '0001-01-01T00:00:00.000000',
                  '9999-12-31T23:59:59': '9999-12-31T23:59:59.000000',
                  '9999-12-31T23:59:59+14:00': '9999-12-31T09:59:59.000000'}


def post(server, hostname: str, generated_time: str) -> requests.Response:
    return requests.post(server.url + '/v1/notifications', timeout=30, json={
        'notification': {'type': 'PROCESS', 'hostname': hostname,
                         'generated_time': generated_time, 'payload': PAYLOAD}})


@pytest.fixture
def server(api_server, database_url):
    seed.segment_with_hosts(database_url, 'edges',
                            [f'edge{i}' for i in range(len(CALENDAR_EDGES))]
                            + ['future'])
    return api_server


def test_generated_time_at_the_calendar_edges(server, database_url):
    for value in NO_UTC_EQUIVALENT:
        r = post(server, 'edge0', value)
        assert r.status_code == 400, (value, r.text)
        assert r.json() == {'badRequest': {'code': 400, 'message': (
            f'Invalid input for field/attribute generated_time. Value: '
            f"{value}. '{value}' is not a 'date-time'")}}
    for i, (value, stored) in enumerate(CALENDAR_EDGES.items()):
        r = post(server, f'edge{i}', value)
        assert r.status_code == 202, (value, r.text)
        assert r.json()['notification']['generated_time'] == stored
        # The same notification again is still a duplicate.
        assert post(server, f'edge{i}', value).status_code == 409, value
    # A notification stamped far in the future makes the next ones of its
    # host duplicates only while it is recent, as any other.
    far = post(server, 'future', '9999-12-31T23:59:59')
    assert far.status_code == 202
    now = datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%SZ')
    assert post(server, 'future', now).status_code == 409
    received_ten_minutes_ago(database_url,
                             far.json()['notification']['notification_uuid'])
    r = post(server, 'future', now)
    assert r.status_code == 202, r.text
    assert post(server, 'future', now).status_code == 409
    assert post(server, 'future', '9999-12-31T23:59:59').status_code == 409


def received_ten_minutes_ago(database_url: str, notification_uuid: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(models.Notification).where(
            models.Notification.notification_uuid == notification_uuid).values(
            created_at=models.utcnow_seconds() - datetime.timedelta(minutes=10)))
    engine.dispose()
