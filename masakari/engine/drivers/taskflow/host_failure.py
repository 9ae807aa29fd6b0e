"""Tasks of the host failure flow: disable the failed host's compute service,
record the instances to move (vmoves), evacuate them in parallel."""
import collections
import functools
from collections.abc import Callable

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import strutils

from masakari import exception
from masakari.engine.drivers.taskflow import base

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

ACTIVE, ERROR, STOPPED, RESIZED = 'active', 'error', 'stopped', 'resized'
# vmoves not finished: pending ones, and ongoing ones an engine that died
# left behind (within a run a vmove ends succeeded or failed).
UNDONE = ('pending', 'ongoing')
SHUTDOWN = 4  # Nova power_state
TIMEOUT_MESSAGE = 'Failed reason: timeout.'


class HostFailureTask(base.MasakariTask):
    """A host flow task: also given the manager's function that ends the
    ``reserved`` flag of a host chosen as evacuation target (None in the auto
    flow)."""

    def __init__(self, context, novaclient, env, update_host_method: Callable | None = None):
        super().__init__(context, novaclient, env)
        self.update_host_method = update_host_method


class DisableComputeServiceTask(HostFailureTask):
    def execute(self, host_name: str) -> None:
        if CONF.fencing.enabled:
            self._fence(host_name)
            return
        self.update_details(f"Disabling compute service on host: '{host_name}'")
        self.novaclient.enable_disable_service(
            self.context, host_name, reason=CONF.host_failure.service_disable_reason)
        # Nova refuses to evacuate until it reports the host's service down.
        wait = CONF.wait_period_after_service_update
        LOG.info('Sleeping %s sec before starting recovery thread until nova '
                 'recognizes the node down.', wait)
        self.env.sleep(wait)
        self.update_details(f"Disabled compute service on host: '{host_name}'", 1.0)

    def _fence(self, host_name: str) -> None:
        """Power the host off through its fence device, confirm it is off,
        then mark its compute service forced down (and disabled): Nova
        accepts evacuations at once, so there is no wait. A host not
        confirmed off is never evacuated."""
        service = self.novaclient.find_compute_service(self.context, host_name)
        if service.is_forced_down:
            # Forced down only once confirmed off, and until an operator
            # brings the host back: a repeated notification fences nothing.
            self.update_details(f"Host '{host_name}' is already fenced: its compute service "
                                'is forced down', 1.0)
            return
        self.update_details(f"Fencing host '{host_name}' before evacuating its instances")
        try:
            device = self.env.fence_device(host_name)
            self.update_details(f"Powering off host '{host_name}' through {device.describe()}",
                                0.2)
            device.power_off()
            timeout = CONF.fencing.power_off_timeout
            self.update_details(f"Confirming host '{host_name}' is off (up to {timeout:g} s)",
                                0.4)
            if not self.env.wait_until(device.is_off, timeout, CONF.fencing.poll_interval):
                raise exception.MasakariException(
                    f'power-off not confirmed within {timeout:g} s')
        except exception.MasakariException as error:
            message = (f"Host '{host_name}' could not be fenced, its instances are not "
                       f'evacuated: {error}')
            self.update_details(message, 1.0)
            raise exception.HostRecoveryFailureException(message) from error
        self.update_details(f"Host '{host_name}' is powered off", 0.6)
        self.novaclient.set_forced_down(self.context, host_name, True,
                                        disabled_reason=CONF.host_failure.service_disable_reason)
        LOG.info('Host %s fenced: powered off through %s, its compute service forced '
                 'down.', host_name, device.describe())
        self.update_details(f"Compute service on host '{host_name}' is forced down and "
                            'disabled: evacuating at once', 1.0)


class PrepareHAEnabledInstancesTask(HostFailureTask):
    def execute(self, host_name: str, notification_uuid: str) -> None:
        self.update_details('Preparing instances for evacuation')
        servers = self.novaclient.get_servers(self.context, host_name)
        self.update_details(
            f"Total instances running on failed host '{host_name}' is {len(servers)}", 0.3)
        ha_servers, other_servers = self._classify(servers)
        self.update_details(f"Total HA Enabled instances count: '{len(ha_servers)}'", 0.6)
        candidates = ha_servers
        if CONF.host_failure.evacuate_all_instances:
            self.update_details(
                f"Total Non-HA Enabled instances count: '{len(other_servers)}'", 0.7)
            candidates = ha_servers + other_servers
            self.update_details(
                'All instances (HA Enabled/Non-HA Enabled) should be considered for '
                f"evacuation. Total count is: '{len(candidates)}'", 0.8)
        # A run resumed after an engine died finds vmoves still to do; their
        # instances are moved by those, never by a second vmove, and are
        # confirmed even when none is left on the failed host.
        in_hand = {vmove.instance_uuid for vmove in self.env.db.vmoves_of_notification(
            self.context, notification_uuid) if vmove.status in UNDONE}
        if not candidates and not in_hand:
            message = (f"Skipped host '{host_name}' recovery as no instances needs to "
                       'be evacuated')
            self.update_details(message, 1.0)
            raise exception.SkipHostRecoveryException(message)
        for server in candidates:
            if server.id in in_hand:
                continue
            self.env.db.vmove_create(self.context, {
                'notification_uuid': notification_uuid, 'instance_uuid': server.id,
                'instance_name': server.name, 'source_host': host_name})
        ids = ','.join(server.id for server in candidates)
        self.update_details(f"Instances to be evacuated are: '{ids}'", 1.0)

    def _classify(self, servers: list) -> tuple[list, list]:
        """HA-enabled and other servers, in Nova's order, without those left
        alone because they are in error."""
        key = CONF.host_failure.ha_enabled_instance_metadata_key
        ha_servers, other_servers = [], []
        for server in servers:
            ha_enabled = strutils.bool_from_string(server.metadata.get(key))
            if CONF.host_failure.ignore_instances_in_error_state and server.vm_state == ERROR:
                if ha_enabled:
                    self.update_details(
                        f"Ignoring recovery of HA_Enabled instance '{server.id}' as it is "
                        "in 'error' state.", 0.4)
                continue
            (ha_servers if ha_enabled else other_servers).append(server)
        return ha_servers, other_servers


class EvacuateInstancesTask(HostFailureTask):
    def execute(self, host_name: str, notification_uuid: str,
                reserved_host: str | None = None) -> None:
        # Oldest vmove first: HA-enabled instances, recorded first, move first.
        vmoves = [vmove for vmove in reversed(self.env.db.vmoves_of_notification(
            self.context, notification_uuid)) if vmove.status in UNDONE]
        ids = ','.join(vmove.instance_uuid for vmove in vmoves)
        self.update_details(f"Start evacuation of instances from failed host '{host_name}', "
                            f"instance uuids are: '{ids}'")
        if reserved_host:
            # One evacuation batch per reserved host at a time.
            with self.env.locks.lock(f'masakari-{reserved_host}', blocking=False):
                self._enable_reserved_host(host_name, reserved_host)
                self._evacuate_all(host_name, vmoves, reserved_host)
        else:
            self._evacuate_all(host_name, vmoves, None)
        self._report(host_name, notification_uuid)

    def _enable_reserved_host(self, host_name: str, reserved_host: str) -> None:
        self.update_details(f"Enabling reserved host: '{reserved_host}'", 0.1)
        if CONF.host_failure.add_reserved_host_to_aggregate:
            for aggregate in self.novaclient.get_aggregate_list(self.context):
                if host_name in aggregate.hosts:
                    self._add_to_aggregate(reserved_host, aggregate)
        self.novaclient.enable_disable_service(self.context, reserved_host, enable=True)
        # Not undone if the evacuation fails: the host may already run some.
        self.update_host_method(self.context, reserved_host)

    def _add_to_aggregate(self, reserved_host: str, aggregate) -> None:
        self.update_details(f'Add host {reserved_host} to aggregate {aggregate.name}', 0.2)
        try:
            self.novaclient.add_host(self.context, reserved_host, aggregate)
        except exception.Conflict:
            message = (f"Host '{reserved_host}' already has been added to aggregate "
                       f"'{aggregate.name}'.")
            self.update_details(message, 1.0)
            LOG.info(message)
        else:
            self.update_details(f'Added host {reserved_host} to aggregate {aggregate.name}',
                                0.3)

    def _evacuate_all(self, host_name: str, vmoves: list, reserved_host: str | None) -> None:
        """Evacuate, at most ``host_failure_recovery_threads`` at a time, and
        confirm every move in flight with one list of the servers Nova
        changed per ``verify_interval``: the Nova calls per instance do not
        grow with the time Nova takes. The calls of each round run in
        parallel."""
        limit = CONF.host_failure_recovery_threads
        listed = {server.id: server
                  for server in self.novaclient.get_servers(self.context, host_name)}
        waiting, moving = collections.deque(vmoves), []
        since = None
        round_started = self.env.monotonic()
        while waiting or moving:
            starting = []
            while waiting and len(moving) + len(starting) < limit:
                vmove = waiting.popleft()
                self.update_details(f"Evacuation of instance started: '{vmove.instance_uuid}'",
                                    0.5)
                starting.append(InstanceEvacuation(self.context, self.env, vmove,
                                                   reserved_host))
            self.env.run_concurrently(
                [functools.partial(evacuation.step, evacuation.start,
                                   listed.get(evacuation.server_id))
                 for evacuation in starting], limit)
            moving = [evacuation for evacuation in moving + starting if evacuation.going]
            if not moving:
                continue
            # A round's calls count against its interval: a round lasts
            # verify_interval, or as long as its calls when they take longer.
            self.env.sleep(max(0.0, CONF.verify_interval
                               - (self.env.monotonic() - round_started)))
            round_started = self.env.monotonic()
            # From the last change Nova showed (its clock, to the second):
            # whatever changes after that is in the next answer, and moves
            # started since were asked for after it.
            since = since or min(evacuation.seen for evacuation in moving)
            try:
                changed = {server.id: server for server in
                           self.novaclient.get_servers_changed_since(self.context, since)}
            except Exception as error:
                # The next round asks again; each move keeps its deadline.
                LOG.warning('Failed to list the servers Nova changed since %s: %s',
                            since, error)
                changed = {}
            since = max((server.updated_at for server in changed.values()), default=since)
            now = self.env.monotonic()
            self.env.run_concurrently(
                [functools.partial(evacuation.step, evacuation.follow,
                                   changed.get(evacuation.server_id), now)
                 for evacuation in moving], limit)
            moving = [evacuation for evacuation in moving if evacuation.going]

    def _report(self, host_name: str, notification_uuid: str) -> None:
        # All vmoves of the notification count, those of earlier attempts
        # too: one failure fails every later run (upstream behaviour).
        vmoves = self.env.db.vmoves_of_notification(self.context, notification_uuid)
        succeeded = sorted(v.instance_uuid for v in vmoves if v.status == 'succeeded')
        failed = [v.instance_uuid for v in vmoves if v.status == 'failed']
        if succeeded:
            self.update_details(f"Successfully evacuate instances '{','.join(succeeded)}' "
                                f"from host '{host_name}'", 0.7)
        if failed:
            message = (f"Failed to evacuate instances '{','.join(failed)}' from host "
                       f"'{host_name}'")
            self.update_details(message, 0.7)
            raise exception.HostRecoveryFailureException(message)
        # Only when a vmove could not even be written as failed (its
        # worker's error is logged): never report those instances recovered.
        undone = [v.instance_uuid for v in vmoves if v.status in UNDONE]
        if undone:
            message = (f"Instances '{','.join(undone)}' were not evacuated from host "
                       f"'{host_name}': vmove status is still pending")
            self.update_details(message, 0.7)
            raise exception.HostRecoveryFailureException(message)
        self.update_details('Evacuation process completed!', 1.0)


class _Timeout(Exception):
    """A wait of the evacuation ran out; the text is the warning to log."""


EVACUATION_LOCK_PREFIX = 'masakari: evacuation for notification '


def evacuation_lock_reason(vmove) -> str:
    """The locked_reason of a server locked while it is evacuated."""
    return EVACUATION_LOCK_PREFIX + vmove.notification_uuid


def is_evacuation_lock(reason: str | None) -> bool:
    # Any notification's: one whose engine died may have expired since,
    # and its lock must not outlive it.
    return bool(reason) and reason.startswith(EVACUATION_LOCK_PREFIX)


class InstanceEvacuation:
    """Moves one instance of a vmove off the failed host and confirms it,
    leaving the instance in the state it was in (stopped and error stay so).

    ``start`` asks Nova; ``follow`` then reads each change Nova reports of
    the server until the move has landed (and, for an instance that was
    stopped, until it is stopped again) or its wait runs out. Every error,
    the first Nova call's too, ends the vmove failed with the error's text,
    so no instance is left pending.
    """

    def __init__(self, context, env, vmove, reserved_host: str | None):
        self.context = context
        self.env = env
        self.novaclient = env.nova
        self.vmove = vmove
        self.reserved_host = reserved_host
        self.server_id = vmove.instance_uuid
        # Until known otherwise: never unlock a server someone else locked.
        self.was_locked = True
        # The server's last change as Nova stamped it.
        self.seen: str | None = None
        self.deadline = 0.0
        # The vm_state the move keeps (or error -> active), the state to put
        # back once landed (None: unknown, as for a resumed move), whether
        # it must then be stopped, and whether it is being stopped.
        self.moving_state: str | None = None
        self.original_state: str | None = None
        self.stop_after = False
        self.stopping = False
        # Whether Nova is still at work on it.
        self.going = False

    def step(self, step: Callable, *args) -> None:
        """``start`` or ``follow``. Only a vmove that cannot be written
        escapes a step; its instance is then reported as not evacuated (see
        EvacuateInstancesTask._report)."""
        try:
            self.going = step(*args)
        except Exception:
            LOG.exception('Evacuation of instance %s failed', self.server_id)
            self.going = False

    def start(self, listed) -> bool:
        """Lock the server and ask Nova to move it; ``listed`` is the server
        as the failed host's list showed it (None: not there). Whether
        Nova is moving it now."""
        try:
            instance = listed or self._get()
            self.seen = instance.updated_at
            resumed = self.vmove.status == 'ongoing'
            self._lock(instance, resumed)
            if resumed:
                return self._resume(instance)
            return self._evacuate(instance)
        except Exception as error:
            return self._failed(error)

    def follow(self, changed, now: float) -> bool:
        """Given the server as Nova last changed it (None: unchanged since
        the last round), whether Nova is still at work on it."""
        try:
            if changed is not None:
                self.seen = changed.updated_at
                if self.stopping:
                    if changed.vm_state == STOPPED:
                        return self._landed(changed)
                elif self._moved(changed):
                    return self._after_move(changed)
            if now > self.deadline:
                raise _Timeout(f"Instance '{self.server_id}' is successfully evacuated but "
                               'timeout to stop.' if self.stopping else
                               f"Timeout for instance '{self.server_id}' evacuation.")
            return True
        except _Timeout as timeout:
            LOG.warning(str(timeout))
            return self._failed(timeout, TIMEOUT_MESSAGE)
        except Exception as error:
            return self._failed(error)

    def _lock(self, instance, resumed: bool) -> None:
        # A server locked for an evacuation by an engine that died (before
        # or after its vmove turned ongoing) is ours to unlock; any other
        # lock, an operator's, stays. Only then is the reason worth a call.
        locked, reason = instance.is_locked, None
        if locked or resumed:
            locked, reason = self.novaclient.get_server_lock(self.context, self.server_id)
        self.was_locked = locked and not is_evacuation_lock(reason)
        if not locked:
            self.novaclient.lock_server(self.context, self.server_id,
                                        reason=evacuation_lock_reason(self.vmove))

    def _resume(self, instance) -> bool:
        """Confirm the move an engine that died had asked Nova for, or make
        it now when Nova never got the request (the instance is still on
        the failed host, idle). The original state is unknown here: the
        instance is left as Nova lands it."""
        if instance.hypervisor_hostname != self.vmove.source_host:
            return self._landed(instance)
        if instance.task_state is None:
            return self._evacuate(instance)
        self.moving_state = instance.vm_state
        self.deadline = self.env.monotonic() + CONF.wait_period_after_evacuation
        return True

    def _evacuate(self, instance) -> bool:
        self.original_state = instance.vm_state
        instance, self.stop_after = self._make_evacuable(instance)
        self.moving_state = instance.vm_state
        self._update_vmove(status='ongoing', start_time=self.env.utcnow())
        self.novaclient.evacuate_instance(self.context, self.server_id,
                                          target=self.reserved_host)
        self.deadline = self.env.monotonic() + CONF.wait_period_after_evacuation
        return True

    def _moved(self, server) -> bool:
        if server.vm_state == ERROR and server.vm_state != self.moving_state:
            raise exception.InstanceEvacuateFailed(instance_uuid=self.server_id)
        same_state = server.vm_state == self.moving_state or (
            self.moving_state == ERROR and server.vm_state == ACTIVE)
        return server.hypervisor_hostname != self.vmove.source_host and same_state

    def _after_move(self, server) -> bool:
        # Evacuation lands an instance active: put back what it was.
        if self.stop_after:
            self.novaclient.stop_server(self.context, self.server_id)
            self.stopping = True
            self.deadline = self.env.monotonic() + CONF.wait_period_after_power_off
            return True
        return self._landed(server)

    def _landed(self, server) -> bool:
        if self.original_state == ERROR:
            self.novaclient.reset_instance_state(self.context, self.server_id, ERROR)
        self._end(status='succeeded', dest_host=server.hypervisor_hostname)
        return False

    def _failed(self, error: Exception, message: str | None = None) -> bool:
        if message is None:
            LOG.warning('Evacuation of instance %s failed: %s', self.server_id, error)
        self._end(status='failed', message=message or str(error))
        return False

    def _end(self, **values) -> None:
        self._update_vmove(end_time=self.env.utcnow(), **values)
        if not self.was_locked:
            # The vmove already says how the evacuation ended; a failed
            # unlock must not hide that.
            try:
                self.novaclient.unlock_server(self.context, self.server_id)
            except Exception as error:
                LOG.warning('Failed to unlock instance %s after evacuation: %s',
                            self.server_id, error)

    def _make_evacuable(self, instance) -> tuple[object, bool]:
        """Nova evacuates only active, stopped or error instances without a
        task: reset the others to error. Returns the instance as it then is,
        and whether it must be stopped after the move."""
        vm_state, task_state = instance.vm_state, instance.task_state
        if vm_state not in (ACTIVE, ERROR, STOPPED):
            instance = self._reset_to_error()
            # A resized instance that was running keeps running.
            return instance, not (vm_state == RESIZED and instance.power_state != SHUTDOWN)
        if vm_state == STOPPED and task_state is None:
            return instance, False
        if task_state is not None:
            return self._reset_to_error(), vm_state != ACTIVE
        return instance, vm_state == ERROR

    def _reset_to_error(self):
        self.novaclient.reset_instance_state(self.context, self.server_id, ERROR)
        instance = self._get()
        self.seen = instance.updated_at
        return instance

    def _get(self):
        return self.novaclient.get_server(self.context, self.server_id)

    def _update_vmove(self, **values) -> None:
        self.env.db.vmove_update(self.context, self.vmove.uuid, values)
