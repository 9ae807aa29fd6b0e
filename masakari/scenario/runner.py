"""Running a scenario folder (format: doc/source/scenarios.rst).

The folder's cloud is seeded into a :class:`~masakari.scenario.world.World`,
its engines (the real manager, driver and flows, each on a
:class:`~masakari.scenario.world.SimulatedEnvironment`) start with their
periodic tasks, and its events happen at their virtual times. The result is
the log of the run.
"""
import contextlib
import dataclasses
import difflib
import logging
import pathlib
import shlex
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import yaml
from oslo_config import cfg

from masakari import conf as masakari_conf
from masakari import context as masakari_context
from masakari import exception
from masakari import objects
from masakari.engine import mass_failure
from masakari.engine.manager import MasakariManager
from masakari.scenario.scheduler import Owner
from masakari.scenario.world import Fault
from masakari.scenario.world import FenceDevice
from masakari.scenario.world import SimulatedEnvironment
from masakari.scenario.world import World
from masakari.scenario.world import stable_uuid

CONF = masakari_conf.CONF
# A run stops at the latest after this much virtual time.
LONGEST_RUN = 24 * 3600.0
FINAL = ('finished', 'ignored', 'failed')
EXPECTED = 'expected.log'
CLOUD_KEYS = {'config', 'segments', 'compute_hosts', 'servers', 'aggregates', 'nova_timings',
              'engines', 'fencing'}
FENCE_KEYS = {'driver', 'power_off_seconds'}
BMC_FAULTS = ('unreachable', 'refused', 'stays-on', 'none')
SEGMENT_KEYS = {'name', 'recovery_method', 'enabled', 'hosts'}
HOST_KEYS = {'name', 'reserved', 'on_maintenance'}
COMPUTE_HOST_KEYS = {'service', 'disabled_reason', 'down', 'max_servers', 'evacuations_fail',
                     'frozen'}


class ScenarioError(Exception):
    """A folder that does not follow the format; the text says where."""


@dataclasses.dataclass
class Event:
    at: float
    verb: str
    args: list[str]
    options: dict[str, str]
    where: str

    def text(self) -> str:
        options = [f'{key}={_quoted(value)}' for key, value in self.options.items()]
        return ' '.join([self.verb, *self.args, *options])


@dataclasses.dataclass
class Scenario:
    folder: pathlib.Path
    cloud: dict[str, Any]
    events: list[Event]


def load(folder: pathlib.Path) -> Scenario:
    folder = pathlib.Path(folder)
    try:
        cloud = yaml.safe_load((folder / 'cloud.yaml').read_text()) or {}
    except OSError as error:
        raise ScenarioError(f'{folder}: {error.strerror}: cloud.yaml') from None
    except yaml.YAMLError as error:
        raise ScenarioError(f'{folder}/cloud.yaml: {error}') from None
    if not isinstance(cloud, dict):
        raise ScenarioError(f'{folder}/cloud.yaml: a mapping is expected')
    unknown = set(cloud) - CLOUD_KEYS
    if unknown:
        raise ScenarioError(f'{folder}/cloud.yaml: unknown keys {sorted(unknown)}; '
                            f'known: {sorted(CLOUD_KEYS)}')
    events_file = folder / 'events'
    lines = events_file.read_text().splitlines() if events_file.exists() else []
    return Scenario(folder, cloud, [event for number, line in enumerate(lines, 1)
                                    if (event := _event(line, f'{events_file}:{number}'))])


def _event(line: str, where: str) -> Event | None:
    try:
        words = shlex.split(line, comments=True)
    except ValueError as error:
        raise ScenarioError(f'{where}: {error}') from None
    if not words:
        return None
    if len(words) < 2:
        raise ScenarioError(f'{where}: a time and an event are expected')
    try:
        at = float(words[0])
    except ValueError:
        raise ScenarioError(f'{where}: {words[0]!r} is not a time in seconds') from None
    args = [word for word in words[2:] if '=' not in word]
    options = dict(word.split('=', 1) for word in words[2:] if '=' in word)
    return Event(at, words[1], args, options, where)


@contextlib.contextmanager
def _options(config: dict[str, dict[str, Any]]) -> Iterator[None]:
    overrides = [('connection', 'memory://', 'taskflow')]
    for group, values in (config or {}).items():
        for name, value in (values or {}).items():
            overrides.append((name, value, None if group == 'DEFAULT' else group))
    done = []
    try:
        for name, value, group in overrides:
            try:
                CONF.set_override(name, value, group)
            except (cfg.NoSuchOptError, cfg.NoSuchGroupError, ValueError) as error:
                raise ScenarioError(f'cloud.yaml config: {error}') from None
            done.append((name, group))
        yield
    finally:
        for name, group in done:
            CONF.clear_override(name, group)


class _Capture(logging.Handler):
    """The engine's log lines, into the scenario's log."""

    def __init__(self, world: World):
        super().__init__(logging.INFO)
        self.world = world

    def emit(self, record: logging.LogRecord) -> None:
        self.world.log.by_current(f'log {record.levelname} {record.getMessage()}')


@contextlib.contextmanager
def _captured_logs(world: World) -> Iterator[None]:
    logger = logging.getLogger('masakari')
    handler = _Capture(world)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Only into the scenario's log, not also the command's console.
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


class Run:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.world = World()
        self.engines: dict[str, tuple[Owner, MasakariManager]] = {}
        self.world_owner = Owner('world')
        self.api = Owner('api')
        self.end_at: float | None = None

    # -- seeding ----------------------------------------------------------------------

    def _seed(self) -> None:
        cloud = self.scenario.cloud
        db, nova = self.world.db, self.world.nova.cloud
        timings = cloud.get('nova_timings') or {}
        for name, seconds in timings.items():
            if not hasattr(nova.timings, name):
                raise ScenarioError(f'cloud.yaml nova_timings: unknown {name!r}')
            setattr(nova.timings, name, float(seconds))
        reserved = set()
        known = []
        for segment_spec in cloud.get('segments') or []:
            _known_keys(segment_spec, SEGMENT_KEYS, 'segments')
            segment = db.add_segment(segment_spec['name'],
                                     segment_spec.get('recovery_method', 'auto'),
                                     segment_spec.get('enabled', True))
            for host_spec in segment_spec.get('hosts') or []:
                if isinstance(host_spec, str):
                    host_spec = {'name': host_spec}
                _known_keys(host_spec, HOST_KEYS, 'segments hosts')
                db.add_host(segment, host_spec['name'], host_spec.get('reserved', False),
                            host_spec.get('on_maintenance', False))
                known.append(host_spec['name'])
                if host_spec.get('reserved'):
                    reserved.add(host_spec['name'])
        compute_hosts = cloud.get('compute_hosts') or {}
        for name in dict.fromkeys(known + list(compute_hosts)):
            self._seed_compute_host(name, compute_hosts.get(name) or {}, name in reserved)
        for name, spec in (cloud.get('servers') or {}).items():
            self._seed_server(name, dict(spec or {}))
        for name, hosts in (cloud.get('aggregates') or {}).items():
            nova.add_aggregate(name, hosts or [])
        for name, spec in (cloud.get('fencing') or {}).items():
            _known_keys(spec or {}, FENCE_KEYS, f'fencing {name}')
            if (spec or {}).get('driver', 'redfish') not in ('redfish', 'ipmi', 'nova'):
                raise ScenarioError(f'cloud.yaml fencing {name}: driver redfish, ipmi or nova')
            self.world.fence_devices[name] = FenceDevice(self.world, name, spec or {})

    def _seed_compute_host(self, name: str, spec: dict, reserved: bool) -> None:
        nova = self.world.nova.cloud
        _known_keys(spec, COMPUTE_HOST_KEYS, f'compute_hosts {name}')
        service = spec.get('service', 'disabled' if reserved else 'enabled')
        if service not in ('enabled', 'disabled', 'none'):
            raise ScenarioError(f'cloud.yaml compute_hosts {name}: service {service!r}')
        nova.add_host(name, services=() if service == 'none' else ('nova-compute',),
                      max_servers=spec.get('max_servers'),
                      evacuations_fail=spec.get('evacuations_fail', False))
        if service == 'disabled':
            nova.set_service(name, disabled=True, disabled_reason=spec.get('disabled_reason'))
        if spec.get('frozen'):
            nova.set_service(name, frozen=True)
        if spec.get('down'):
            nova.host_down(name)

    def _seed_server(self, name: str, spec: dict) -> None:
        server_id = stable_uuid('server', name)
        locked_reason = spec.pop('locked_reason', None)
        host = spec.pop('host', None)
        try:
            server = self.world.nova.cloud.add_server(name, host, id=server_id, **spec)
        except (TypeError, ValueError, KeyError) as error:
            raise ScenarioError(f'cloud.yaml servers {name}: {error}') from None
        server.locked_reason = locked_reason
        self.world.log.names[server_id] = name

    # -- engines -----------------------------------------------------------------------

    def _start_engine(self, name: str) -> None:
        if name in self.engines and self.engines[name][0].alive:
            raise ScenarioError(f'engine {name} is already running')
        owner = Owner(name)
        manager = MasakariManager(env=SimulatedEnvironment(self.world, owner))
        self.engines[name] = (owner, manager)
        if not CONF.periodic_enable:
            return
        for task, spacing in manager._periodic_tasks():
            self.world.scheduler.spawn(owner, self._periodically(task, spacing),
                                       background=True)

    def _periodically(self, task: Callable, spacing: float) -> Callable[[], None]:
        # First run at the engine's start: the fuzzy delay of the service
        # would make runs differ.
        spacing = min(spacing, CONF.periodic_interval_max)

        def run() -> None:
            while True:
                try:
                    task(masakari_context.get_admin_context())
                except Exception as error:
                    self.world.log.by_current(
                        f'log ERROR Periodic task {task.__name__} failed: {error}')
                self.world.scheduler.sleep(spacing)
        return run

    def _cast(self, engine: str, row) -> None:
        owner, manager = self.engines[engine]
        context = masakari_context.get_admin_context()

        def deliver() -> None:
            try:
                manager.process_notification(context.to_dict(), objects.notification(row))
            except Exception as error:
                # What oslo.messaging logs when an RPC endpoint raises.
                self.world.log.by_current(
                    f'log ERROR Exception during message handling: {error}')

        self.world.scheduler.spawn(owner, deliver)

    # -- events ------------------------------------------------------------------------

    def _happen(self, event: Event) -> Callable[[], None]:
        handler = getattr(self, '_on_' + event.verb.replace('-', '_'), None)
        if handler is None:
            raise ScenarioError(f'{event.where}: unknown event {event.verb!r}')

        def run() -> None:
            self.world.log.add('world', event.text())
            try:
                handler(event)
            except (KeyError, ValueError, TypeError, IndexError) as error:
                raise ScenarioError(f'{event.where}: {event.text()}: {error!r}') from None
        return run

    def _on_host_down(self, event: Event) -> None:
        self.world.nova.cloud.host_down(event.args[0],
                                        float(event.options.get('report_after', 0)))

    def _on_host_up(self, event: Event) -> None:
        self.world.nova.cloud.host_up(event.args[0])

    def _on_notify(self, event: Event) -> None:
        kind, subject = event.args
        options = dict(event.options)
        engine = options.pop('engine', None)
        alias = options.pop('id', f'n{len(self.world.db.notifications) + 1}')
        if kind == 'host':
            type_, host = 'COMPUTE_HOST', subject
            payload = {'event': options.pop('event', 'STOPPED'),
                       'host_status': options.pop('host_status', 'NORMAL'),
                       'cluster_status': options.pop('cluster_status', 'OFFLINE')}
            payload = {key: value for key, value in payload.items() if value != 'none'}
        elif kind == 'process':
            type_, host = 'PROCESS', subject
            payload = {'event': options.pop('event', 'STOPPED'),
                       'process_name': options.pop('process', 'nova-compute')}
        elif kind == 'vm':
            type_ = 'VM'
            server_id = stable_uuid('server', subject)
            host = self.world.nova.cloud.get_server(server_id).host
            payload = {'event': options.pop('event', 'LIFECYCLE'),
                       'instance_uuid': server_id,
                       'vir_domain_event': options.pop('detail', 'STOPPED_FAILED')}
        else:
            raise ValueError(f'notify what? {kind!r} (host, process or vm)')
        if options:
            raise ValueError(f'unknown options {sorted(options)}')
        try:
            row = self.world.db.create_notification(
                alias, host, type_, payload, CONF.duplicate_notification_detection_interval)
        except exception.MasakariException as error:
            self.world.log.add('api', f'refused: {error}')
            return
        shown = ' '.join(f'{key}={value}' for key, value in payload.items()
                         if key != 'instance_uuid')
        self.world.log.add('api', f'{alias} new: {type_} {host} {shown}')
        running = [name for name, (owner, _) in self.engines.items() if owner.alive]
        if engine is None and running:
            engine = running[0]
        if engine is None or not self.engines[engine][0].alive:
            self.world.log.add('api', f'{alias}: no engine took it; it stays new')
            return
        self._cast(engine, row)

    def _on_nova_fault(self, event: Event) -> None:
        subject = event.options.get('host')
        if 'server' in event.options:
            subject = stable_uuid('server', event.options['server'])
        times = event.options.get('times', '1')
        self.world.nova.faults.append(Fault(
            operation=event.args[0], subject=subject,
            status=event.options.get('status', '500'),
            message=event.options.get('message'),
            times=None if times == 'always' else int(times)))

    def _on_nova_latency(self, event: Event) -> None:
        operation, seconds = event.args
        self.world.nova.latency[operation] = float(seconds)

    def _on_server_set(self, event: Event) -> None:
        server_id = stable_uuid('server', event.args[0])
        fields = {key: _value(value) for key, value in event.options.items()}
        reason = fields.pop('locked_reason', ...)
        server = self.world.nova.cloud.set_server(server_id, **fields)
        if reason is not ...:
            server.locked_reason = reason

    def _on_host_set(self, event: Event) -> None:
        row = self.world.db.host_named(event.args[0])
        for key, value in event.options.items():
            if key not in ('on_maintenance', 'reserved'):
                raise ValueError(f'host field {key!r}')
            setattr(row, key, _value(value))

    def _on_segment_set(self, event: Event) -> None:
        row = self.world.db.segment_named(event.args[0])
        for key, value in event.options.items():
            if key not in ('enabled', 'recovery_method'):
                raise ValueError(f'segment field {key!r}')
            setattr(row, key, _value(value))

    def _on_bmc_fault(self, event: Event) -> None:
        host, fault = event.args
        if fault not in BMC_FAULTS:
            raise ValueError(f'bmc-fault {fault!r}: one of {", ".join(BMC_FAULTS)}')
        self.world.fence_devices[host].fault = None if fault == 'none' else fault

    def _on_segment_release(self, event: Event) -> None:
        released = self.world.db.release_held(event.args[0], mass_failure.HELD,
                                              mass_failure.RELEASED)
        self.world.log.add('world', 'released ' + (', '.join(released) or 'nothing'))

    def _on_engine_stop(self, event: Event) -> None:
        owner, _ = self.engines[event.args[0]]
        self.world.scheduler.kill(owner)
        self.world.locks.engine_died(owner)

    def _on_engine_start(self, event: Event) -> None:
        self._start_engine(event.args[0])

    def _on_end(self, event: Event) -> None:
        pass

    # -- the run -----------------------------------------------------------------------

    def run(self) -> list[str]:
        scheduler = self.world.scheduler
        with _options(self.scenario.cloud.get('config')), _captured_logs(self.world):
            try:
                self._seed()
                for name in self.scenario.cloud.get('engines', ['engine']) or []:
                    self._start_engine(name)
                happenings = [scheduler.spawn(self.world_owner, self._happen(event),
                                              delay=event.at)
                              for event in self.scenario.events]
                ends = [event.at for event in self.scenario.events if event.verb == 'end']
                self.end_at = min(ends) if ends else None
                self._loop(happenings)
                self._summary()
            finally:
                scheduler.shut_down()
        return self.world.log.lines

    def _loop(self, happenings: list) -> None:
        scheduler = self.world.scheduler
        while (at := scheduler.next_time()) is not None:
            if self.end_at is not None and at > self.end_at:
                break
            if at > LONGEST_RUN:
                self.world.log.add('world', 'stopped: 24 hours of virtual time')
                break
            scheduler.step()
            failure = next((fiber.failure for fiber in scheduler.fibers if fiber.failure),
                           None)
            if failure is not None:
                raise failure
            if (self.end_at is None and all(fiber.done for fiber in happenings)
                    and not scheduler.busy() and self._all_final()):
                break

    def _all_final(self) -> bool:
        return all(row.status in FINAL for row in self.world.db.notifications.values())

    def _summary(self) -> None:
        log = self.world.log
        for row in sorted(self.world.db.notifications.values(), key=lambda r: r.id):
            log.add('world', f'end {row.notification_uuid} {row.status}')
        self.world.nova.cloud.advance()
        for server in sorted(self.world.nova.cloud.servers.values(), key=lambda s: s.name):
            task = f' ({server.task_state})' if server.task_state else ''
            locked = ' locked' if server.locked else ''
            log.add('world', f'end {server.name} {server.vm_state}{task} on {server.node}{locked}')


def _quoted(value: str) -> str:
    if value and not any(char.isspace() or char in '\'"#' for char in value):
        return value
    return f'"{value}"' if '"' not in value else shlex.quote(value)


def _known_keys(spec: dict, known: set[str], where: str) -> None:
    unknown = set(spec) - known
    if unknown:
        raise ScenarioError(f'cloud.yaml {where}: unknown keys {sorted(unknown)}; '
                            f'known: {sorted(known)}')


def _value(text: str) -> Any:
    """An event's value: none, true/false, a number, or the text."""
    lowered = text.lower()
    if lowered in ('none', 'null'):
        return None
    if lowered in ('true', 'false'):
        return lowered == 'true'
    with contextlib.suppress(ValueError):
        return int(text)
    return text


def run(folder: pathlib.Path) -> list[str]:
    """The log of a run of the scenario in ``folder``."""
    return Run(load(folder)).run()


def compare(folder: pathlib.Path, lines: list[str]) -> list[str]:
    """The difference between ``lines`` and the folder's expected.log, as
    a unified diff ([] when equal)."""
    expected = (pathlib.Path(folder) / EXPECTED).read_text().splitlines()
    return list(difflib.unified_diff(expected, lines, EXPECTED, 'this run', lineterm=''))


def command(folders: list[str], write: bool = False) -> int:
    """Run each folder and print its log; with ``write``, or when the folder
    has none yet, also save it as the folder's expected.log (to be
    reviewed). Returns 1 when a run differs from its expected.log or a
    folder is not valid, else 0."""
    status = 0
    for folder in map(pathlib.Path, folders):
        try:
            lines = run(folder)
        except ScenarioError as error:
            print(f'{folder}: {error}')
            status = 1
            continue
        print(f'# {folder}')
        print('\n'.join(lines))
        if write or not (folder / EXPECTED).exists():
            (folder / EXPECTED).write_text('\n'.join(lines) + '\n')
            print(f'# written to {folder / EXPECTED}: review it')
        else:
            difference = compare(folder, lines)
            if difference:
                print('\n'.join(difference))
                status = 1
    return status
