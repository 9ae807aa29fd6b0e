"""Notifications: stored atomically (no duplicates), then cast to an engine."""
import logging
import random
import time

import iso8601
from oslo_config import cfg

from masakari import exception
from masakari import notifications
from masakari.db import api as db
from masakari.engine import progress
from masakari.engine import rpcapi

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def utc_naive(value: str):
    """iso8601 text as naive UTC; a value without a zone is UTC."""
    parsed = iso8601.parse_date(value, default_timezone=iso8601.UTC)
    return parsed.astimezone(iso8601.UTC).replace(tzinfo=None)


def event_time(value: str) -> str:
    """A client's generated_time as events show it: seconds, with the
    client's offset, or Z for UTC and for a time without a zone."""
    parsed = iso8601.parse_date(value, default_timezone=iso8601.UTC)
    offset = parsed.utcoffset()
    if not offset:
        return parsed.strftime('%Y-%m-%dT%H:%M:%SZ')
    zone = parsed.strftime('%z')
    return parsed.strftime('%Y-%m-%dT%H:%M:%S') + zone[:3] + ':' + zone[3:]


def create(context, notification: dict):
    if CONF.notification_delay_max and not CONF.coordination.backend_url:
        time.sleep(random.uniform(0, CONF.notification_delay_max))
    values = {'type': notification['type'],
              'generated_time': utc_naive(notification['generated_time']),
              'payload': notification['payload']}
    try:
        row = db.notification_create(
            context, notification['hostname'], values,
            CONF.duplicate_notification_detection_interval)
    except exception.MasakariException:
        # Refusals (unknown host, maintenance, duplicate) emit no event.
        raise
    except Exception as error:
        data = dict(values, status='new',
                    generated_time=event_time(notification['generated_time']))
        notifications.emit(context, 'notification', 'create', 'start', data)
        notifications.emit(context, 'notification', 'create', 'error', data,
                           notifications.fault(error))
        raise
    # As upstream, both events show the new notification without its id
    # and uuid. They follow the insert, which also made the checks.
    data = dict(values, status='new', source_host_uuid=row.source_host_uuid,
                generated_time=event_time(notification['generated_time']))
    notifications.emit(context, 'notification', 'create', 'start', data)
    notifications.emit(context, 'notification', 'create', 'end', data)
    try:
        rpcapi.EngineAPI().process_notification(context, row)
    except Exception as error:
        LOG.warning('Notification %s is stored but could not be handed to '
                    'an engine now (%s); the engine will pick it up later.',
                    row.notification_uuid, error)
    return row


def recovery_workflow_details(context, row) -> list[dict]:
    """What an engine reports about the recovery of ``row``; when no engine
    answers in time, the progress the engines recorded, or []."""
    try:
        return rpcapi.EngineAPI().get_notification_recovery_workflow_details(
            context, row, timeout=CONF.recovery_workflow_details_timeout)
    except Exception as error:
        LOG.warning('No engine reported the recovery workflow details of '
                    'notification %s, reading the recorded ones: %s',
                    row.notification_uuid, error)
    try:
        return progress.workflow_details(context, row)
    except exception.MasakariException as error:
        LOG.warning('%s: %s', error, error.__cause__)
        return []
