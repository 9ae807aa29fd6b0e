"""The engine manager: takes notifications from the API (RPC) and from its
periodic tasks, moves them through their statuses and hands the recovery
to the driver.

Status machine: new -> running -> finished | ignored | error; error is
retried once by the periodic task, then failed; anything unfinished for
longer than ``notifications_expired_interval`` is failed.
"""
import json

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from masakari import context as masakari_context
from masakari import exception
from masakari import objects
from masakari.engine import mass_failure
from masakari.engine.environment import Environment

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

DRIVER_GROUP = 'masakari.driver'
SEGMENT_DISABLED_MESSAGE = 'Recovery aboart: the segment HA is disabled.'
# Heartbeats a running notification may miss before, without coordination,
# it counts as abandoned by its engine.
MISSED_HEARTBEATS = 3
# The accepted vir_domain_event of each VM event.
VM_EVENTS = {'LIFECYCLE': 'STOPPED_FAILED',
             'QEMU_GUEST_AGENT_ERROR': 'STOPPED_FAILED',
             'IO_ERROR': 'IO_ERROR_REPORT'}


def load_driver(env: Environment):
    name = CONF.notification_driver
    if not name:
        raise exception.InvalidConfiguration(
            'Notification driver option required, but not specified')
    return stevedore_driver.DriverManager(DRIVER_GROUP, name, invoke_on_load=True,
                                          invoke_kwds={'env': env}).driver


def _context(ctxt) -> masakari_context.RequestContext:
    if isinstance(ctxt, masakari_context.RequestContext):
        return ctxt
    return masakari_context.RequestContext.from_dict(ctxt or {})


def _data(primitive: dict) -> dict:
    return primitive.get('masakari_object.data', primitive)


def _event_data(row, status: str | None = None) -> dict:
    data = objects.notification(row)['masakari_object.data']
    if status is not None:
        data['status'] = status
    return data


class MasakariManager:
    """RPC endpoint of topic ``ha_engine`` (methods starting with ``_`` are
    not callable remotely)."""

    target = messaging.Target(version='1.1')

    def __init__(self, driver=None, env: Environment | None = None):
        self.env = env or Environment()
        self.db = self.env.db
        self.driver = driver or load_driver(self.env)
        # Running notifications as last seen by the periodic task: their
        # updated_at, and since when (monotonic) it has been that.
        self._beats_seen: dict[str, tuple[object, float]] = {}

    # -- RPC ------------------------------------------------------------------

    def process_notification(self, ctxt, notification: dict) -> None:
        context = _context(ctxt)
        received = _data(notification)
        row = self.db.notification_get_by_uuid(context, received['notification_uuid'])
        host = self.db.host_get(context, row.source_host_uuid)
        if not host.failover_segment.enabled:
            self.db.notification_update(context, row.notification_uuid, {
                'status': 'ignored', 'message': SEGMENT_DISABLED_MESSAGE})
            raise exception.FailoverSegmentDisabled(uuid=host.failover_segment_id)
        try:
            self._process(context, row, received)
        except exception.CoordinationUnavailable:
            # The locks said so once; the notification stays new and the
            # periodic task runs it when the backend answers.
            LOG.info('Notification %s waits for the coordination backend.',
                     row.notification_uuid)

    def get_notification_recovery_workflow_details(self, ctxt,
                                                   notification: dict) -> dict:
        context = _context(ctxt)
        received = _data(notification)
        row = self.db.notification_get_by_uuid(context, received['notification_uuid'])
        details = self.driver.get_notification_recovery_workflow_details(context, row)
        return objects.primitive('Notification', objects.NOTIFICATION_VERSION, dict(
            received, recovery_workflow_details=[
                objects.primitive('NotificationProgressDetails', '1.0', entry)
                for entry in details]))

    # -- the common path of RPC and periodic tasks ------------------------------

    def _process(self, context, row, received: dict, resume: bool = False) -> None:
        """Run the recovery of one notification, serialised per source host
        (across engines too when [coordination] is configured). To
        ``resume`` an orphaned one, raise LockAlreadyAcquired at once when
        the host is busy."""
        with self.env.locks.lock(f'masakari-{row.source_host_uuid}', blocking=not resume):
            if resume:
                LOG.warning('Resuming notification %s, left running by an '
                            'engine that stopped.', row.notification_uuid)
            self.env.events.emit(context, 'notification', 'process', 'start', received)
            LOG.info('Processing notification %s of type: %s',
                     row.notification_uuid, row.type)
            current = self.db.notification_get_by_uuid(context, row.notification_uuid)
            if received['status'] == 'new' and current.status != 'new':
                LOG.warning(
                    "Processing of notification is skipped to avoid recovering "
                    "from failure twice. Notification received is '%s' and it's "
                    "status is '%s' and the current status of same notification "
                    "in db is '%s'", row.notification_uuid, received['status'],
                    current.status)
                return
            current = self.db.notification_update(context, row.notification_uuid,
                                             {'status': 'running'})
            with self.env.every(CONF.notification_heartbeat_interval,
                                lambda: self._beat(row.notification_uuid),
                                name=f'heartbeat-{row.notification_uuid}'):
                status = self._handle(context, current)
            LOG.info('Notification %s exits with status: %s.',
                     row.notification_uuid, status)
            self.db.notification_update(context, row.notification_uuid, {'status': status})

    def _handle(self, context, row) -> str:
        handlers = {'COMPUTE_HOST': self._handle_host_failure,
                    'PROCESS': self._handle_process_failure,
                    'VM': self._handle_instance_failure}
        handler = handlers.get(row.type)
        try:
            payload = json.loads(row.payload) if row.payload else {}
            if handler is None or not isinstance(payload, dict):
                raise ValueError(f'type {row.type!r}, payload {row.payload!r}')
        except ValueError as error:
            # A notification no API version would accept: nothing to recover.
            LOG.warning("Notification '%s' ignored: unknown type or malformed "
                        'payload (%s).', row.notification_uuid, error)
            self._emit_end(context, row)
            return 'ignored'
        try:
            return handler(context, row, payload)
        except Exception as error:
            # Upstream leaves the row running until it expires; error lets
            # the periodic task retry it once, then fail it.
            LOG.exception("Failed to process notification '%s'. Reason: %s",
                          row.notification_uuid, error)
            self._emit_error(context, row, error)
            return 'error'

    def _beat(self, notification_uuid: str) -> None:
        """Refresh the notification's updated_at, so that other engines
        can tell that it is in hand."""
        try:
            self.db.notification_update(masakari_context.get_admin_context(),
                                        notification_uuid, {})
        except Exception as error:
            LOG.warning('Could not refresh notification %s: %s',
                        notification_uuid, error)

    # -- per type ---------------------------------------------------------------

    def _handle_host_failure(self, context, row, payload: dict) -> str:
        host_status = payload.get('host_status')
        event = str(payload.get('event', '')).upper()
        if host_status is None:
            LOG.warning("Notification '%s' ignored as host_status is not "
                        'provided.', row.notification_uuid)
            status = 'ignored'
        elif host_status.upper() != 'NORMAL':
            LOG.warning("Notification '%s' ignored as host_status is '%s'",
                        row.notification_uuid, host_status.upper())
            status = 'ignored'
        elif event == 'STARTED':
            LOG.info("Notification type '%s' received for host '%s' has been %s.",
                     row.type, row.source_host_uuid, event)
            status = 'finished'
        elif event == 'STOPPED':
            if self._held(context, row):
                self._emit_end(context, row)
                return 'new'
            return self._recover_host(context, row)
        else:
            LOG.warning('Invalid event: %s received for notification type: %s',
                        event, row.type)
            status = 'ignored'
        self._emit_end(context, row)
        return status

    def _held(self, context, row) -> bool:
        """Whether the mass-failure guard holds this host failure (its
        reason is then the notification's message)."""
        if row.message == mass_failure.RELEASED:
            return False
        if mass_failure.is_held(row.message):
            return True
        window = CONF.host_failure.mass_failure_window
        segment = self.db.host_get(context, row.source_host_uuid).failover_segment
        failed, total = self.db.host_failures(context, segment.uuid, window)
        reason = mass_failure.hold_reason(failed, total, CONF.host_failure.mass_failure_share,
                                          window, segment.name)
        if reason is None:
            return False
        LOG.warning('Notification %s held: %s', row.notification_uuid, reason)
        self.db.notification_update(context, row.notification_uuid, {'message': reason})
        return True

    def _recover_host(self, context, row) -> str:
        host = self.db.host_get(context, row.source_host_uuid)
        recovery_method = host.failover_segment.recovery_method
        values = {'on_maintenance': True}
        if host.reserved:
            values['reserved'] = False
        self._update_host(context, host, values)
        LOG.info('Set host %s on maintenance.', host.name)
        reserved_hosts = None
        if recovery_method != 'auto':
            reserved_hosts = self.db.reserved_host_names(context, host.failover_segment_id)
        try:
            self.driver.execute_host_failure(
                context, host.name, recovery_method, row.notification_uuid,
                update_host_method=self._update_reserved_host,
                reserved_host_list=reserved_hosts)
        except exception.SkipHostRecoveryException:
            self._emit_end(context, row)
            return 'finished'
        except exception.MasakariException as error:
            return self._failed(context, row, error)
        self._emit_end(context, row)
        return 'finished'

    def _handle_process_failure(self, context, row, payload: dict) -> str:
        event = str(payload.get('event', '')).upper()
        process_name = payload.get('process_name')
        if event == 'STARTED':
            LOG.info("Notification type '%s' received for host '%s': '%s' has "
                     'been %s.', row.type, row.source_host_uuid, process_name, event)
            self._emit_end(context, row)
            return 'finished'
        if event != 'STOPPED':
            LOG.warning('Invalid event: %s received for notification type: %s',
                        event, row.type)
            self._emit_end(context, row)
            return 'ignored'
        host = self.db.host_get(context, row.source_host_uuid)
        self._update_host(context, host, {'on_maintenance': True})
        try:
            self.driver.execute_process_failure(
                context, process_name, host.name, row.notification_uuid)
        except exception.SkipProcessRecoveryException:
            pass
        except exception.MasakariException as error:
            return self._failed(context, row, error)
        self._emit_end(context, row)
        return 'finished'

    def _handle_instance_failure(self, context, row, payload: dict) -> str:
        if VM_EVENTS.get(payload.get('event')) != payload.get('vir_domain_event'):
            LOG.info("Notification '%s' received with payload %s is ignored.",
                     row.notification_uuid, payload)
            return 'ignored'
        try:
            self.driver.execute_instance_failure(
                context, payload.get('instance_uuid'), row.notification_uuid)
        except exception.IgnoreInstanceRecoveryException as error:
            self._emit_error(context, row, error)
            return 'ignored'
        except exception.SkipInstanceRecoveryException:
            pass
        except exception.MasakariException as error:
            return self._failed(context, row, error)
        self._emit_end(context, row)
        return 'finished'

    # -- hosts ----------------------------------------------------------------

    def _update_host(self, context, host, values: dict) -> None:
        data = {'id': host.id, 'uuid': host.uuid, 'name': host.name,
                'type': host.type, 'reserved': bool(host.reserved),
                'control_attributes': host.control_attributes,
                'on_maintenance': bool(host.on_maintenance),
                'failover_segment': objects.segment(host.failover_segment)}
        with self.env.events.action(context, 'host', 'update', dict(data, **values)):
            self.db.host_set_state(context, host.uuid, values)

    def _update_reserved_host(self, context, host_name: str, reserved: bool = False) -> None:
        """Given to the driver: a reserved host chosen as evacuation target
        stops being reserved."""
        host = self.db.host_get_by_name(context, host_name)
        self._update_host(context, host, {'reserved': reserved})

    # -- versioned notifications ------------------------------------------------

    def _failed(self, context, row, error: Exception) -> str:
        """A recovery that failed: logged, an error event, status error."""
        LOG.error("Failed to process notification '%s'. Reason: %s",
                  row.notification_uuid, error)
        self._emit_error(context, row, error)
        return 'error'

    def _emit_end(self, context, row) -> None:
        self.env.events.emit(context, 'notification', 'process', 'end',
                           _event_data(row, 'running'))

    def _emit_error(self, context, row, error: Exception) -> None:
        self.env.events.emit(context, 'notification', 'process', 'error',
                           _event_data(row, 'running'), self.env.events.fault(error))

    # -- periodic tasks ---------------------------------------------------------

    def _periodic_tasks(self) -> list[tuple]:
        """Each periodic task with its spacing in seconds."""
        return [(self._process_unfinished_notifications,
                 CONF.process_unfinished_notifications_interval),
                (self._check_expired_notifications,
                 CONF.check_expired_notifications_interval),
                (self._resume_abandoned_notifications,
                 CONF.notification_heartbeat_interval)]

    def _process_unfinished_notifications(self, context) -> None:
        """Retry error notifications once and new ones nobody picked up."""
        for row in self.db.notifications_with_status(context, ('error', 'new')):
            if mass_failure.is_held(row.message):
                continue
            if row.status == 'error' or _older_than(
                    row, CONF.retry_notification_new_status_interval, self.env.utcnow()):
                try:
                    self._process(context, row, _event_data(row))
                except exception.CoordinationUnavailable:
                    # Held as they are, error ones too, until the backend
                    # answers; the locks said so once.
                    return
            current = self.db.notification_get_by_uuid(context, row.notification_uuid)
            if current.status == 'error':
                self.db.notification_update(context, row.notification_uuid,
                                       {'status': 'failed'})
                LOG.error("Periodic task 'process_unfinished_notifications': "
                          'Notification %s exits with status: failed.',
                          row.notification_uuid)

    def _resume_abandoned_notifications(self, context) -> None:
        """Run again the notifications left running by an engine that
        died. The recovery flows resume from their vmoves, so no instance
        is evacuated twice. Runs every heartbeat interval, so that an
        abandoned notification waits for little more than its window."""
        running = [row for row in self.db.notifications_with_status(context, ('running',))
                   if not _older_than(row, CONF.notifications_expired_interval,
                                      self.env.utcnow())]
        # With coordination, the host lock of a live engine proves that
        # the notification is in hand. Without, only its heartbeat does.
        if not self.env.locks.distributed():
            running = self._silent(running)
        for row in running:
            try:
                self._process(context, row, _event_data(row), resume=True)
            except exception.LockAlreadyAcquired:
                # Debug: with coordination this is every heartbeat interval
                # for each notification another engine is recovering.
                LOG.debug('Notification %s is being processed; not resumed.',
                          row.notification_uuid)
            except exception.CoordinationUnavailable:
                # Logged once by the locks; the next pass tries again.
                return

    def _silent(self, rows: list) -> list:
        """The ``rows`` whose updated_at this engine has seen unchanged for
        longer than MISSED_HEARTBEATS heartbeats.

        Whether updated_at changes, not how old it is, tells: engines' and
        database nodes' clocks may disagree (Galera nodes each have their
        own), a value that stops changing means the same on all of them.
        The cost is that a freshly started engine watches for that long
        before it resumes anything.
        """
        now = self.env.monotonic()
        window = MISSED_HEARTBEATS * CONF.notification_heartbeat_interval
        seen, silent = {}, []
        for row in rows:
            last = self._beats_seen.get(row.notification_uuid)
            since = last[1] if last is not None and last[0] == row.updated_at else now
            seen[row.notification_uuid] = (row.updated_at, since)
            if now - since > window:
                silent.append(row)
        self._beats_seen = seen
        return silent

    def _check_expired_notifications(self, context) -> None:
        for row in self.db.notifications_with_status(context, ('running', 'error', 'new')):
            if _older_than(row, CONF.notifications_expired_interval, self.env.utcnow()):
                self.db.notification_update(context, row.notification_uuid,
                                       {'status': 'failed'})
                LOG.error("Periodic task 'check_expired_notifications': "
                          'Notification %s is expired.', row.notification_uuid)


def _older_than(row, seconds: int, now) -> bool:
    """Whether ``row`` was generated more than ``seconds`` before ``now``.
    A row stamped later than it was received counts from its receipt: a
    client's clock far ahead must not keep it from being retried or
    expiring."""
    since = min(row.generated_time, row.created_at)
    return (now - since).total_seconds() > seconds

