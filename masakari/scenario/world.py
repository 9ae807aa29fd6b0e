"""The simulated world a scenario's engines work in.

One :class:`World` holds what all engines share: the masakari database (in
memory), Nova (the Nova stand-in's state model, called in-process), the
distributed locks, the virtual clock and the log. Each engine gets its own
:class:`SimulatedEnvironment` on it.
"""
import contextlib
import copy
import dataclasses
import datetime
import itertools
import json
import re
import types
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions
from oslo_config import cfg
from taskflow.persistence import backends

from masakari import exception
from masakari.compute import errors as compute_errors
from masakari.engine.environment import Environment
from masakari.scenario.scheduler import Owner
from masakari.scenario.scheduler import Scheduler
from masakari.scenario.scheduler import Stopped

# The Nova stand-in's rules: imported only by masakari.scenario, which only
# masakari-manage scenario run and the tests load.
from novasim import state as novasim_state

CONF = cfg.CONF
# Virtual time 0; fixed, so that every run computes the same times.
EPOCH = datetime.datetime(2026, 1, 1)
_UUID_NAMESPACE = uuid.UUID('6f2b7c1e-5a0d-4c53-9d4e-6b1f3e0c2a77')
_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, f'{kind}/{name}'))


class Log:
    """The scenario's log: one line per thing that happened, ids by name."""

    def __init__(self, scheduler: Scheduler):
        self.scheduler = scheduler
        self.lines: list[str] = []
        self.names: dict[str, str] = {}

    def add(self, who: str, text: str) -> None:
        text = _UUID.sub(lambda match: self.names.get(match.group(0), match.group(0)), text)
        self.lines.append(f'{self.scheduler.now:8.3f} {who:<7} {text}')

    def by_current(self, text: str) -> None:
        """A line from whoever runs now; nothing from a dead engine."""
        fiber = self.scheduler.fiber_of_thread()
        if fiber is not None and fiber.owner.alive and not fiber.killed:
            self.add(fiber.owner.name, text)


# -- the masakari database -----------------------------------------------------

@dataclasses.dataclass
class Row:
    id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime | None = None
    deleted_at: datetime.datetime | None = None
    deleted: int = 0


@dataclasses.dataclass
class SegmentRow(Row):
    uuid: str = ''
    name: str = ''
    service_type: str = 'compute'
    description: str | None = None
    recovery_method: str = 'auto'
    enabled: bool = True


@dataclasses.dataclass
class HostRow(Row):
    uuid: str = ''
    name: str = ''
    type: str = 'COMPUTE'
    control_attributes: str = 'SSH'
    reserved: bool = False
    on_maintenance: bool = False
    failover_segment_id: str = ''
    failover_segment: SegmentRow | None = None


@dataclasses.dataclass
class NotificationRow(Row):
    notification_uuid: str = ''
    generated_time: datetime.datetime | None = None
    type: str = ''
    payload: str = '{}'
    status: str = 'new'
    source_host_uuid: str = ''
    failover_segment_uuid: str = ''
    message: str | None = None


@dataclasses.dataclass
class VMoveRow(Row):
    uuid: str = ''
    notification_uuid: str = ''
    instance_uuid: str = ''
    instance_name: str = ''
    source_host: str = ''
    dest_host: str | None = None
    start_time: datetime.datetime | None = None
    end_time: datetime.datetime | None = None
    type: str = 'evacuation'
    status: str = 'pending'
    message: str | None = None


class Database:
    """The functions of masakari.db.api the engine uses, on rows in memory.
    Rows handed out are copies, as a database's are."""

    def __init__(self, world: 'World'):
        self.world = world
        self.segments: dict[str, SegmentRow] = {}
        self.hosts: dict[str, HostRow] = {}
        self.notifications: dict[str, NotificationRow] = {}
        self.vmoves: dict[str, VMoveRow] = {}
        self._ids = itertools.count(1)

    def _stamp(self) -> dict:
        return {'id': next(self._ids), 'created_at': self.world.utcnow()}

    def _copy(self, row):
        return copy.copy(row)

    def _host_copy(self, row: HostRow) -> HostRow:
        host = copy.copy(row)
        host.failover_segment = copy.copy(self.segments[row.failover_segment_id])
        return host

    # -- seeding and the API's side -------------------------------------------------

    def add_segment(self, name: str, recovery_method: str, enabled: bool) -> SegmentRow:
        row = SegmentRow(**self._stamp(), uuid=stable_uuid('segment', name), name=name,
                         recovery_method=recovery_method, enabled=enabled)
        self.segments[row.uuid] = row
        self.world.log.names[row.uuid] = name
        return row

    def add_host(self, segment: SegmentRow, name: str, reserved: bool,
                 on_maintenance: bool) -> HostRow:
        row = HostRow(**self._stamp(), uuid=stable_uuid('host', name), name=name,
                      reserved=reserved, on_maintenance=on_maintenance,
                      failover_segment_id=segment.uuid)
        self.hosts[row.uuid] = row
        self.world.log.names[row.uuid] = name
        return row

    def host_named(self, name: str) -> HostRow:
        for row in self.hosts.values():
            if row.name == name:
                return row
        raise exception.HostNotFoundByName(host_name=name)

    def segment_named(self, name: str) -> SegmentRow:
        for row in self.segments.values():
            if row.name == name:
                return row
        raise ValueError(f'no segment {name}')

    def create_notification(self, alias: str, host_name: str, type_: str, payload: dict,
                            duplicate_window: int) -> NotificationRow:
        """What the API stores, with the API's refusals."""
        host = self.host_named(host_name)
        if host.on_maintenance:
            raise exception.HostOnMaintenanceError(host_name=host_name, type=type_)
        text = json.dumps(payload)
        now = self.world.utcnow()
        window = datetime.timedelta(seconds=duplicate_window)
        for row in self.notifications.values():
            if (row.type == type_ and row.source_host_uuid == host.uuid
                    and row.payload == text and abs(row.generated_time - now) <= window):
                raise exception.DuplicateNotification(host_name=host_name, type=type_)
        row = NotificationRow(**self._stamp(), notification_uuid=stable_uuid('notification', alias),
                              generated_time=now, type=type_, payload=text,
                              source_host_uuid=host.uuid,
                              failover_segment_uuid=host.failover_segment_id)
        self.notifications[row.notification_uuid] = row
        self.world.log.names[row.notification_uuid] = alias
        return self._copy(row)

    # -- the engine's functions -------------------------------------------------------

    def notification_get_by_uuid(self, context, notification_uuid: str) -> NotificationRow:
        self.world.check()
        row = self.notifications.get(notification_uuid)
        if row is None:
            raise exception.NotificationNotFound(id=notification_uuid)
        return self._copy(row)

    def _set(self, rows: dict, key: str, values: dict, not_found: Exception):
        """Set ``values`` on the row at ``key``; the row and its status before."""
        self.world.check()
        row = rows.get(key)
        if row is None:
            raise not_found
        old = row.status
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = self.world.utcnow()
        return row, old

    def notification_update(self, context, notification_uuid: str,
                            values: dict) -> NotificationRow:
        row, old = self._set(self.notifications, notification_uuid, values,
                             exception.NotificationNotFound(id=notification_uuid))
        if row.status != old:
            why = f': {row.message}' if values.get('message') else ''
            self.world.log.by_current(f'{notification_uuid} {old} -> {row.status}{why}')
        return self._copy(row)

    def notifications_with_status(self, context, statuses: tuple[str, ...]) -> list:
        self.world.check()
        rows = [row for row in self.notifications.values() if row.status in statuses]
        return [self._copy(row) for row in sorted(rows, key=lambda r: r.id, reverse=True)]

    def host_failures(self, context, segment_uuid: str, within: int) -> tuple[int, int]:
        self.world.check()
        since = self.world.utcnow() - datetime.timedelta(seconds=within)
        failed = {row.source_host_uuid for row in self.notifications.values()
                  if row.failover_segment_uuid == segment_uuid and row.type == 'COMPUTE_HOST'
                  and row.created_at >= since
                  and str(json.loads(row.payload).get('event', '')).upper() == 'STOPPED'}
        total = sum(1 for row in self.hosts.values() if row.failover_segment_id == segment_uuid)
        return len(failed), total

    def release_held(self, segment_name: str, held: str, released: str) -> list[str]:
        uuid_ = self.segment_named(segment_name).uuid
        rows = [row for row in self.notifications.values()
                if row.failover_segment_uuid == uuid_ and row.status == 'new'
                and (row.message or '').startswith(held)]
        for row in rows:
            row.message = released
        return [row.notification_uuid for row in rows]

    def host_get(self, context, host_uuid: str) -> HostRow:
        self.world.check()
        row = self.hosts.get(host_uuid)
        if row is None:
            raise exception.HostNotFound(id=host_uuid)
        return self._host_copy(row)

    def host_get_by_name(self, context, name: str) -> HostRow:
        self.world.check()
        return self._host_copy(self.host_named(name))

    def host_set_state(self, context, host_uuid: str, values: dict) -> HostRow:
        self.world.check()
        row = self.hosts[host_uuid]
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = self.world.utcnow()
        flags = ' '.join(f'{key}={value}' for key, value in values.items())
        self.world.log.by_current(f'host {row.name} {flags}')
        return self._host_copy(row)

    def reserved_host_names(self, context, segment_uuid: str) -> list[str]:
        self.world.check()
        rows = [row for row in self.hosts.values()
                if row.failover_segment_id == segment_uuid and row.reserved
                and not row.on_maintenance]
        return [row.name for row in sorted(rows, key=lambda r: r.id, reverse=True)]

    def vmoves_of_notification(self, context, notification_uuid: str) -> list:
        self.world.check()
        rows = [row for row in self.vmoves.values()
                if row.notification_uuid == notification_uuid]
        return [self._copy(row) for row in sorted(rows, key=lambda r: r.id, reverse=True)]

    def vmove_create(self, context, values: dict) -> VMoveRow:
        self.world.check()
        row = VMoveRow(**self._stamp(), uuid=str(uuid.uuid4()), **values)
        self.vmoves[row.uuid] = row
        self.world.log.by_current(f'vmove {row.instance_uuid} {row.status}')
        return self._copy(row)

    def vmove_update(self, context, vmove_uuid: str, values: dict) -> VMoveRow:
        row, old = self._set(self.vmoves, vmove_uuid, values,
                             exception.VMoveNotFound(id=vmove_uuid))
        if row.status != old:
            detail = {'succeeded': f' on {row.dest_host}',
                      'failed': f': {row.message}'}.get(row.status, '')
            self.world.log.by_current(
                f'vmove {row.instance_uuid} {old} -> {row.status}{detail}')
        return self._copy(row)


# -- Nova ------------------------------------------------------------------------

def _server_view(server) -> types.SimpleNamespace:
    """What masakari.compute.API returns for a server (the attributes the
    engine reads)."""
    return types.SimpleNamespace(
        id=server.id, name=server.name, metadata=dict(server.metadata),
        vm_state=server.vm_state, task_state=server.task_state,
        power_state=server.power_state, is_locked=server.locked,
        locked_reason=server.locked_reason, hypervisor_hostname=server.node,
        compute_host=server.host,
        updated_at=novasim_state.iso(server.updated, micro=False, zulu=True))


@dataclasses.dataclass
class Fault:
    operation: str
    subject: str | None
    status: str
    message: str | None
    times: int | None  # None: always


# Where each operation goes in Nova's API, for the texts of timeouts.
NOVA_URL = 'http://nova.scenario:8774/v2.1'
NOVA_PATHS = {'servers': '/servers/detail', 'server': '/servers/{id}',
              'lock-state': '/servers/{id}', 'services': '/os-services',
              'service-update': '/os-services', 'service-force-down': '/os-services',
              'servers-changed': '/servers/detail', 'evacuate': '/servers/{id}/action',
              'reset-state': '/servers/{id}/action', 'stop': '/servers/{id}/action',
              'start': '/servers/{id}/action', 'lock': '/servers/{id}/action',
              'unlock': '/servers/{id}/action', 'aggregates': '/os-aggregates',
              'aggregate-add-host': '/os-aggregates/action'}
# Nova's texts for errors a scenario gives no message for.
NOVA_MESSAGES = {
    400: 'Bad request.', 401: 'The request you have made requires authentication.',
    403: 'Policy does not allow this action to be performed.',
    404: 'The resource could not be found.', 409: 'There was a conflict when trying to '
    'complete your request.',
    500: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and '
         'attach the Nova API log if possible.',
    503: 'Service Unavailable'}


class Nova:
    """masakari.compute.API on the Nova stand-in's rules, called in-process.
    Answers and errors are Nova's, translated as masakari.compute translates
    them; faults and latencies come from the scenario."""

    def __init__(self, world: 'World'):
        self.world = world
        self.cloud = novasim_state.Cloud(clock=lambda: world.epoch_seconds + world.scheduler.now)
        self.faults: list[Fault] = []
        self.latency: dict[str, float] = {}

    def _call(self, operation: str, subject: str | None, describe: str,
              act: Callable[[], Any], answer: Callable[[Any], str] = lambda _: 'ok'):
        self.world.check()
        delay = self.latency.get(operation, self.latency.get('*', 0.0))
        if delay:
            self.world.scheduler.sleep(delay)
        line = f'nova {operation}{" " + describe if describe else ""} -> '
        fault = self._take_fault(operation, subject)
        try:
            if fault is not None:
                raise self._fault_error(fault, operation, subject)
            result = act()
        except novasim_state.NovaError as error:
            self.world.log.by_current(f'{line}{error.code} {error.message}')
            raise compute_errors.translate(sdk_exceptions.HttpException(
                message=error.message, details=error.message,
                http_status=error.code)) from None
        except sdk_exceptions.HttpException as error:
            self.world.log.by_current(f'{line}{error.status_code} {error.details}')
            raise compute_errors.translate(error) from None
        except ks_exceptions.ConnectTimeout as error:
            self.world.log.by_current(f'{line}timeout')
            raise compute_errors.translate(error) from None
        except exception.MasakariException as error:
            self.world.log.by_current(f'{line}{error}')
            raise
        self.world.log.by_current(line + answer(result))
        return result

    def _take_fault(self, operation: str, subject: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.operation == operation and fault.subject in (None, subject):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _fault_error(self, fault: Fault, operation: str, subject: str | None) -> Exception:
        if fault.status == 'timeout':
            # As keystoneauth's session: after [DEFAULT] timeout seconds.
            self.world.scheduler.sleep(CONF.DEFAULT.timeout or 0)
            path = NOVA_PATHS[operation].format(id=subject)
            return ks_exceptions.ConnectTimeout(f'Request to {NOVA_URL}{path} timed out')
        message = fault.message or NOVA_MESSAGES.get(int(fault.status), NOVA_MESSAGES[500])
        return sdk_exceptions.HttpException(message=message, details=message,
                                            http_status=int(fault.status))

    # -- masakari.compute.API ----------------------------------------------------------

    def get_servers(self, context, host: str) -> list:
        servers = self._call('servers', host, host,
                             lambda: [_server_view(s) for s in self.cloud.list_servers(host=host)],
                             lambda found: ', '.join(s.name for s in found) or 'none')
        return servers

    def get_servers_changed_since(self, context, since: str) -> list:
        moment = datetime.datetime.fromisoformat(since.replace('Z', '+00:00')).timestamp()
        return self._call('servers-changed', None, f'since={since}', lambda: [
            _server_view(s) for s in self.cloud.list_servers(changes_since=moment)],
            lambda found: ', '.join(_describe_change(s) for s in found) or 'none')

    def get_server(self, context, server_id: str):
        return self._call('server', server_id, server_id,
                          lambda: _server_view(self.cloud.get_server(server_id)),
                          _describe_server)

    def find_compute_service(self, context, host: str, binary: str = 'nova-compute'):
        def find():
            for service in self.cloud.list_services(host=host, binary=binary):
                return types.SimpleNamespace(
                    id=service.id, host=service.host, binary=service.binary,
                    status='disabled' if service.disabled else 'enabled',
                    disabled_reason=service.disabled_reason,
                    is_forced_down=service.forced_down,
                    state='up' if self.cloud.service_up(service) else 'down')
            raise exception.ComputeNotFoundByName(compute_name=host)

        return self._call('services', host, host if binary == 'nova-compute'
                          else f'{host} {binary}', find,
                          lambda service: f'{service.status}, {service.state}')

    def is_service_disabled(self, context, host: str, binary: str) -> bool:
        return self.find_compute_service(context, host, binary).status == 'disabled'

    def enable_disable_service(self, context, host: str, enable: bool = False,
                               reason: str | None = None) -> None:
        service = self.find_compute_service(context, host)
        status = 'enabled' if enable else 'disabled'
        describe = f'{host} {status}' + (f' reason="{reason}"'
                                         if reason and not enable else '')
        self._call('service-update', host, describe, lambda: self.cloud.update_service(
            self.cloud.find_service(service.id), status=status,
            disabled_reason=reason if not enable and reason else None))

    def set_forced_down(self, context, host: str, forced_down: bool,
                        disabled_reason: str | None = None) -> None:
        service = self.find_compute_service(context, host)
        describe = f'{host} {"on" if forced_down else "off"}' + (
            f' disabled reason="{disabled_reason}"' if disabled_reason else '')
        self._call('service-force-down', host, describe,
                   lambda: self.cloud.update_service(
                       self.cloud.find_service(service.id), forced_down=forced_down,
                       status='disabled' if disabled_reason else None,
                       disabled_reason=disabled_reason or None))

    def evacuate_instance(self, context, server_id: str, target: str | None = None) -> None:
        self._call('evacuate', server_id, server_id + (f' to {target}' if target else ''),
                   lambda: self.cloud.evacuate(server_id, host=target),
                   lambda _: 'accepted')

    def reset_instance_state(self, context, server_id: str, status: str = 'error') -> None:
        self._call('reset-state', server_id, f'{server_id} {status}',
                   lambda: self.cloud.reset_state(server_id, status))

    def stop_server(self, context, server_id: str) -> None:
        self._call('stop', server_id, server_id, lambda: self.cloud.stop(server_id),
                   lambda _: 'accepted')

    def start_server(self, context, server_id: str) -> None:
        self._call('start', server_id, server_id, lambda: self.cloud.start(server_id),
                   lambda _: 'accepted')

    def lock_server(self, context, server_id: str, reason: str | None = None) -> None:
        self._call('lock', server_id, server_id + (f' reason="{reason}"' if reason else ''),
                   lambda: self.cloud.lock_server(server_id, reason))

    def get_server_lock(self, context, server_id: str) -> tuple[bool, str | None]:
        def read():
            server = self.cloud.get_server(server_id)
            return server.locked, server.locked_reason

        return self._call('lock-state', server_id, server_id, read, lambda lock: (
            'unlocked' if not lock[0] else
            f'locked reason="{lock[1]}"' if lock[1] else 'locked'))

    def unlock_server(self, context, server_id: str) -> None:
        self._call('unlock', server_id, server_id, lambda: self.cloud.unlock_server(server_id))

    def get_aggregate_list(self, context) -> list:
        return self._call('aggregates', None, '', lambda: [
            types.SimpleNamespace(id=a.id, name=a.name, hosts=list(a.hosts))
            for a in self.cloud.aggregates.values()],
            lambda found: ', '.join(f'{a.name}[{",".join(a.hosts)}]' for a in found) or 'none')

    def add_host(self, context, host: str, aggregate) -> None:
        aggregate_id = getattr(aggregate, 'id', aggregate)
        name = getattr(aggregate, 'name', aggregate_id)
        self._call('aggregate-add-host', host, f'{name} {host}',
                   lambda: self.cloud.aggregate_add_host(aggregate_id, host))


def _describe_server(server) -> str:
    task = f' ({server.task_state})' if server.task_state else ''
    return f'{server.vm_state}{task} on {server.hypervisor_hostname}'


def _describe_change(server) -> str:
    return f'{server.name} {_describe_server(server)}'


# -- fence devices -----------------------------------------------------------------

class FenceDevice:
    """A compute host's BMC as a scenario gives it: ``redfish`` and ``ipmi``
    power the host off (Nova then no longer hears its nova-compute) after
    ``power_off_seconds``; ``nova`` only reads Nova's service state.
    ``fault`` (an event's) makes it not answer, refuse the credentials, or
    keep the host on."""

    def __init__(self, world: 'World', host: str, spec: dict):
        self.world = world
        self.host = host
        self.driver = spec.get('driver', 'redfish')
        self.power_off_seconds = float(spec.get('power_off_seconds', 2))
        self.fault: str | None = None
        self.off_at: float | None = None

    def describe(self) -> str:
        return f'{self.driver} bmc-{self.host}' if self.driver != 'nova' else \
            f'nova nova-compute on {self.host}'

    def _answer(self, request: str, action: str) -> None:
        """Log and raise the fault of the device, if any, for ``request``."""
        if self.fault == 'unreachable':
            self.world.scheduler.sleep(CONF.fencing.bmc_timeout)
            reason = f'no answer within {CONF.fencing.bmc_timeout:g} s'
        elif self.fault == 'refused':
            reason = 'the BMC refused the credentials'
        else:
            return
        self.world.log.by_current(f'bmc {request} {self.host} -> {reason}')
        raise exception.MasakariException(
            f'{self.host}: {self.describe()}: cannot {action}: {reason}')

    def power_off(self) -> None:
        self.world.check()
        if self.driver != 'nova':
            self._answer('power-off', 'power off')
            if self.fault != 'stays-on' and self.off_at is None:
                self.off_at = self.world.scheduler.now + self.power_off_seconds
        self.world.log.by_current(f'bmc power-off {self.host} -> accepted')

    def is_off(self) -> bool:
        self.world.check()
        if self.driver == 'nova':
            service = self.world.nova.cloud.compute_service(self.host)
            off = service is not None and not self.world.nova.cloud.service_up(service)
        else:
            self._answer('power-state', 'read the power state')
            off = self.off_at is not None and self.world.scheduler.now >= self.off_at
            if off and self.world.nova.cloud.hosts[self.host].down_at is None:
                # Powered off: its nova-compute stops reporting.
                self.world.nova.cloud.host_down(self.host, report_after=60)
        self.world.log.by_current(f'bmc power-state {self.host} -> {"off" if off else "on"}')
        return off


# -- locks and events ---------------------------------------------------------------

class Locks:
    """The engines' named locks: shared by all engines when
    ``[coordination] backend_url`` is set (tooz), each engine's own
    otherwise. An engine that dies loses its locks at once."""

    def __init__(self, world: 'World'):
        self.world = world
        # (scope, name) -> [holder Owner, waiting fibers]
        self.held: dict[tuple, list] = {}

    def distributed(self) -> bool:
        return bool(CONF.coordination.backend_url)

    def _scope(self, owner: Owner) -> str:
        return '' if self.distributed() else owner.name

    @contextlib.contextmanager
    def lock(self, name: str, blocking: bool = True):
        scheduler = self.world.scheduler
        scheduler.check()
        fiber = scheduler.fiber_of_thread()
        key = (self._scope(fiber.owner), name)
        while key in self.held:
            if not blocking:
                raise exception.LockAlreadyAcquired(resource=name.removeprefix('masakari-'))
            self.held[key][1].append(fiber)
            scheduler.park()
        self.held[key] = [fiber.owner, []]
        try:
            yield
        finally:
            self._release(key)

    def _release(self, key: tuple) -> None:
        entry = self.held.pop(key, None)
        if entry is not None:
            for waiter in entry[1]:
                self.world.scheduler.wake(waiter)

    def engine_died(self, owner: Owner) -> None:
        for key, entry in list(self.held.items()):
            if entry[0] is owner:
                self._release(key)


class Events:
    """Versioned notifications, written to the log instead of sent."""

    def __init__(self, world: 'World'):
        self.world = world

    def emit(self, context, resource: str, action: str, phase: str, data: dict,
             fault=None) -> None:
        self.world.check()
        subject = data.get('notification_uuid') or data.get('name') or ''
        why = f' ({fault["exception"]}: {fault["exception_message"]})' if fault else ''
        self.world.log.by_current(f'emit {resource}.{action}.{phase} {subject}{why}')

    @contextlib.contextmanager
    def action(self, context, resource: str, name: str, data: dict):
        self.emit(context, resource, name, 'start', data)
        result = {'data': data}
        try:
            yield result
        except Exception as error:
            self.emit(context, resource, name, 'error', result['data'], self.fault(error))
            raise
        self.emit(context, resource, name, 'end', result['data'])

    def fault(self, error: Exception) -> dict:
        return {'exception': type(error).__name__, 'exception_message': str(error)}


# -- the world and each engine's environment ------------------------------------------

class World:
    def __init__(self) -> None:
        self.scheduler = Scheduler()
        self.log = Log(self.scheduler)
        self.epoch_seconds = EPOCH.replace(tzinfo=datetime.UTC).timestamp()
        self.db = Database(self)
        self.nova = Nova(self)
        self.locks = Locks(self)
        self.events = Events(self)
        self.fence_devices: dict[str, FenceDevice] = {}
        # Progress of the flows, which outlives an engine, as the database does.
        self.flow_backend = backends.fetch({'connection': 'memory://'})

    def utcnow(self) -> datetime.datetime:
        return EPOCH + datetime.timedelta(seconds=self.scheduler.now)

    def check(self) -> None:
        self.scheduler.check()


class SimulatedEnvironment(Environment):
    """An engine's environment in a :class:`World`: virtual time, fibers for
    threads."""

    def __init__(self, world: World, owner: Owner):
        super().__init__(nova=world.nova, db=world.db, events=world.events, locks=world.locks)
        self.world = world
        self.owner = owner

    def monotonic(self) -> float:
        return self.world.scheduler.now

    def sleep(self, seconds: float) -> None:
        self.world.check()
        self.world.scheduler.sleep(seconds)

    def utcnow(self) -> datetime.datetime:
        return self.world.utcnow()

    def run_concurrently(self, calls: Iterable[Callable[[], None]], limit: int) -> None:
        pending = list(calls)
        pending.reverse()

        def worker() -> None:
            while pending:
                pending.pop()()

        scheduler = self.world.scheduler
        workers = [scheduler.spawn(self.owner, worker) for _ in range(min(limit, len(pending)))]
        scheduler.join(workers)
        self.world.check()

    @contextlib.contextmanager
    def every(self, seconds: float, call: Callable[[], None], name: str):
        scheduler = self.world.scheduler

        def tick() -> None:
            while True:
                call()
                scheduler.sleep(seconds)

        ticker = scheduler.spawn(self.owner, tick, delay=seconds, background=True)
        try:
            yield
        finally:
            if not ticker.done:
                scheduler.stop(ticker)

    def fence_device(self, host_name: str):
        self.world.check()
        device = self.world.fence_devices.get(host_name)
        if device is None:
            raise exception.MasakariException(
                f'fencing devices file: no fence device for host {host_name}')
        return device

    def flow_backend(self):
        return self.world.flow_backend

    def progress(self, task: str, message: str) -> None:
        self.world.log.by_current(f'progress {task}: {message}')


__all__ = ['Stopped', 'World', 'SimulatedEnvironment']
