"""The simulated cloud: compute hosts and their services, servers, aggregates.

Every rule that decides whether Nova accepts a request lives here, as do the
asynchronous outcomes (evacuation, stop, start). Outcomes are due at a time
taken from the cloud's clock and are applied lazily whenever the state is
read, so a test with a fake clock steps through them without sleeping.
"""
import collections
import dataclasses
import datetime
import hashlib
import heapq
import math
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from novasim.identity import project_id_for
from novasim.identity import user_id_for

ACTIVE, STOPPED, ERROR = 'active', 'stopped', 'error'
VM_STATES = (ACTIVE, 'building', 'paused', 'suspended', STOPPED, 'rescued',
             'resized', 'soft-delete', 'deleted', ERROR, 'shelved',
             'shelved_offloaded')
NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED = 0, 1, 3, 4, 6, 7
# Power state a server has when it is seeded in a vm_state without one given.
_POWER_OF = {ACTIVE: RUNNING, 'paused': PAUSED, 'suspended': SUSPENDED,
             'rescued': RUNNING, 'resized': RUNNING}
COMPUTE = 'nova-compute'
NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.'

EVACUATION_OUTCOMES = ('move', 'error', 'stuck')
POWER_OUTCOMES = ('done', 'stuck')


class NovaError(Exception):
    """A request Nova refuses; ``code`` is the HTTP status it answers with."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass
class Actor:
    """Who made a request, for the instance-action records."""
    user_id: str = user_id_for('admin')
    project_id: str = project_id_for('admin')
    request_id: str = ''


@dataclasses.dataclass
class Timings:
    """Nova's pace: seconds from an accepted request to its outcome, and how
    many evacuations it runs at once (None: no limit); an accepted
    evacuation beyond the limit waits for a free slot, then takes
    ``evacuate`` seconds."""
    evacuate: float = 1.0
    stop: float = 0.5
    start: float = 0.5
    max_concurrent_evacuations: int | None = None

    def __post_init__(self) -> None:
        limit = self.max_concurrent_evacuations
        if limit is not None and (type(limit) is not int or limit < 1):
            raise ValueError(f'max_concurrent_evacuations must be a positive integer or '
                             f'null, not {limit!r}')


@dataclasses.dataclass
class Service:
    host: str
    binary: str
    legacy_id: int
    id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False
    # A frozen service acknowledges updates without applying them.
    frozen: bool = False
    updated: float = 0.0

    @property
    def zone(self) -> str:
        return 'nova' if self.binary == COMPUTE else 'internal'


@dataclasses.dataclass
class Host:
    name: str
    legacy_id: int
    hypervisor_id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    services: dict[str, Service] = dataclasses.field(default_factory=dict)
    host_ip: str = '192.0.2.1'
    vcpus: int = 64
    memory_mb: int = 262144
    local_gb: int = 2048
    max_servers: int | None = None
    # Rebuilds fail here: evacuations scheduled to this host end in error
    # without moving (the server's own ``evacuation`` outcome applies too).
    evacuations_fail: bool = False
    # The host stops heartbeating at down_at; Nova reports its services down
    # report_after seconds later; it heartbeats again from back_at (never
    # when None).
    down_at: float | None = None
    report_after: float = 0.0
    back_at: float | None = None


@dataclasses.dataclass
class Event:
    event: str
    start: float
    host: str | None
    finish: float | None = None
    result: str | None = None


@dataclasses.dataclass
class Action:
    action: str
    request_id: str
    user_id: str
    project_id: str
    start: float
    updated: float
    message: str | None = None
    events: list[Event] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Server:
    id: str
    name: str
    seq: int
    project_id: str
    user_id: str
    host: str | None
    node: str | None
    created: float
    updated: float
    vm_state: str = ACTIVE
    task_state: str | None = None
    power_state: int = RUNNING
    locked: bool = False
    locked_reason: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    flavor: dict[str, Any] = dataclasses.field(default_factory=lambda: {
        'original_name': 'm1.small', 'vcpus': 1, 'ram': 2048, 'disk': 20,
        'ephemeral': 0, 'swap': 0, 'extra_specs': {}})
    image_id: str = '70a599e0-31e7-49b7-b260-868f441e862b'
    fault: dict[str, Any] | None = None
    actions: list[Action] = dataclasses.field(default_factory=list)
    # Injected outcomes: how an accepted evacuation ends, and whether an
    # accepted stop/start ever finishes.
    evacuation: str = 'move'
    power_ops: str = 'done'
    # Host an accepted evacuation is heading to (counts against its capacity).
    moving_to: str | None = None


@dataclasses.dataclass
class Aggregate:
    id: int
    name: str
    created: float
    updated: float | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    availability_zone: str | None = None
    hosts: list[str] = dataclasses.field(default_factory=list)
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(order=True)
class _Due:
    at: float
    seq: int
    # Returns False while the outcome cannot happen yet (its host is down).
    apply: Callable[[], bool] = dataclasses.field(compare=False)


def iso(ts: float | None, micro: bool = True, zulu: bool = False) -> str | None:
    """Nova's timestamp formats (``...T..:..:..[.ffffff][Z]``)."""
    if ts is None:
        return None
    moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    text = moment.strftime('%Y-%m-%dT%H:%M:%S.%f' if micro else '%Y-%m-%dT%H:%M:%S')
    return text + 'Z' if zulu else text


def _choice(name: str, value: str, allowed: Iterable[str]) -> str:
    if value not in allowed:
        raise ValueError(f'{name} must be one of {", ".join(allowed)}, not {value!r}')
    return value


class Cloud:
    """Hosts, services, servers and aggregates, and the rules Nova applies."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.lock = threading.RLock()
        self.timings = Timings()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.hosts: dict[str, Host] = {}
            self.servers: dict[str, Server] = {}
            self.aggregates: dict[int, Aggregate] = {}
            # A heap of outcomes by due time.
            self._due: list[_Due] = []
            # Evacuations started and not landed yet, and those accepted
            # that wait for one of them to land (each a function that starts
            # it at a given time).
            self._evacuating = 0
            self._waiting: collections.deque[Callable[[float], None]] = collections.deque()
            self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # -- time ---------------------------------------------------------------

    def advance(self) -> None:
        """Apply every outcome that is due by now, oldest first.

        An outcome may schedule another one (a landed evacuation starts a
        waiting one at its landing time); that one is applied too if it is
        due by now.
        """
        with self.lock:
            now = self.clock()
            # The limit may have been raised since the last landing.
            self._start_waiting_evacuations(now)
            blocked = []
            while self._due and self._due[0].at <= now:
                due = heapq.heappop(self._due)
                if not due.apply():
                    blocked.append(due)
            for due in blocked:
                heapq.heappush(self._due, due)

    def _at(self, at: float, apply: Callable[[], bool]) -> None:
        heapq.heappush(self._due, _Due(at, self._next(), apply))

    def _after(self, seconds: float, apply: Callable[[], bool]) -> None:
        self._at(self.clock() + seconds, apply)
        self.advance()

    def _start_waiting_evacuations(self, at: float) -> None:
        """Start accepted evacuations, oldest first, while Nova has room."""
        limit = self.timings.max_concurrent_evacuations
        while self._waiting and (limit is None or self._evacuating < limit):
            self._evacuating += 1
            self._waiting.popleft()(at)

    def evacuations_in_progress(self) -> tuple[int, int]:
        """How many accepted evacuations are running, and how many wait."""
        with self.lock:
            self.advance()
            return self._evacuating, len(self._waiting)

    # -- seeding and steering -------------------------------------------------

    def add_host(self, name: str, services: Iterable[str] = (COMPUTE,),
                 max_servers: int | None = None, host_ip: str | None = None,
                 evacuations_fail: bool = False) -> Host:
        with self.lock:
            if name in self.hosts:
                raise ValueError(f'host {name} already exists')
            host = Host(name=name, legacy_id=self._next(), max_servers=max_servers,
                        host_ip=host_ip or _address(len(self.hosts)),
                        evacuations_fail=evacuations_fail)
            self.hosts[name] = host
            for binary in services:
                self.add_service(name, binary)
            return host

    def add_service(self, host: str, binary: str) -> Service:
        with self.lock:
            service = Service(host=host, binary=binary, legacy_id=self._next(),
                              updated=self.clock())
            self._host(host).services[binary] = service
            return service

    def set_service(self, host: str, binary: str = COMPUTE, **fields: Any) -> Service:
        """Change a service directly: disabled, disabled_reason, forced_down, frozen."""
        with self.lock:
            service = self._host(host).services.get(binary)
            if service is None:
                raise KeyError(f'no {binary} service on {host}')
            for key, value in fields.items():
                if key not in ('disabled', 'disabled_reason', 'forced_down', 'frozen'):
                    raise ValueError(f'unknown service field {key}')
                setattr(service, key, value)
            service.updated = self.clock()
            return service

    def host_down(self, name: str, report_after: float = 0.0,
                  back_after: float | None = None) -> None:
        """The host dies now; Nova notices after report_after seconds.

        back_after=None: it never comes back by itself.
        """
        with self.lock:
            host, now = self._host(name), self.clock()
            host.down_at, host.report_after = now, report_after
            host.back_at = None if back_after is None else now + back_after

    def host_up(self, name: str) -> None:
        with self.lock:
            host = self._host(name)
            host.down_at = host.back_at = None
            self.advance()

    def add_server(self, name: str, host: str | None, *, id: str | None = None,
                   project: str = 'demo', user: str = 'demo',
                   metadata: dict[str, str] | None = None, vm_state: str = ACTIVE,
                   task_state: str | None = None, power_state: int | None = None,
                   locked: bool = False, evacuation: str = 'move',
                   power_ops: str = 'done') -> Server:
        with self.lock:
            if host is not None:
                self._host(host)
            server_id = id or str(uuid.uuid4())
            if server_id in self.servers:
                raise ValueError(f'server {server_id} already exists')
            if power_state is None:
                power_state = _POWER_OF.get(vm_state, SHUTDOWN)
            now = self.clock()
            server = Server(
                id=server_id, name=name, seq=self._next(), project_id=project_id_for(project),
                user_id=user_id_for(user), host=host, node=host, created=now, updated=now,
                vm_state=_choice('vm_state', vm_state, VM_STATES), task_state=task_state,
                power_state=power_state, locked=locked,
                metadata={k: str(v) for k, v in (metadata or {}).items()},
                evacuation=_choice('evacuation', evacuation, EVACUATION_OUTCOMES),
                power_ops=_choice('power_ops', power_ops, POWER_OUTCOMES))
            server.actions.append(Action('create', _request_id(), server.user_id,
                                         server.project_id, now, now))
            self.servers[server_id] = server
            return server

    def set_server(self, server_id: str, **fields: Any) -> Server:
        """Change a server directly (no Nova rule applies)."""
        allowed = {'name', 'host', 'node', 'vm_state', 'task_state', 'power_state', 'locked',
                   'metadata', 'evacuation', 'power_ops', 'fault'}
        with self.lock:
            server = self._server(server_id)
            for key, value in fields.items():
                if key not in allowed:
                    raise ValueError(f'unknown server field {key}')
                if key == 'vm_state':
                    _choice(key, value, VM_STATES)
                elif key == 'evacuation':
                    _choice(key, value, EVACUATION_OUTCOMES)
                elif key == 'power_ops':
                    _choice(key, value, POWER_OUTCOMES)
                elif key == 'host':
                    self._host(value)
                    server.node = value
                setattr(server, key, value)
            server.updated = self.clock()
            return server

    def delete_server(self, server_id: str) -> None:
        with self.lock:
            self._server(server_id)
            del self.servers[server_id]

    # -- lookups ------------------------------------------------------------

    def _host(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise KeyError(f'no host {name}') from None

    def _server(self, server_id: str) -> Server:
        server = self.servers.get(server_id)
        if server is None:
            raise NovaError(404, f'Instance {server_id} could not be found.')
        return server

    def get_server(self, server_id: str) -> Server:
        with self.lock:
            self.advance()
            return self._server(server_id)

    def heartbeating(self, host: Host) -> bool:
        now = self.clock()
        return host.down_at is None or (host.back_at is not None and now >= host.back_at)

    def service_up(self, service: Service) -> bool:
        """What Nova's service group reports: forced down, or silent long enough."""
        if service.forced_down:
            return False
        host = self.hosts[service.host]
        if self.heartbeating(host):
            return True
        return self.clock() < host.down_at + host.report_after

    def service_updated_at(self, service: Service) -> float:
        host = self.hosts[service.host]
        if self.heartbeating(host):
            return max(service.updated, self.clock())
        return max(service.updated, host.down_at)

    def compute_service(self, host: str) -> Service | None:
        entry = self.hosts.get(host)
        return entry.services.get(COMPUTE) if entry else None

    def host_status(self, server: Server) -> str:
        """Nova's ``host_status`` of a server (microversion 2.16)."""
        service = self.compute_service(server.host) if server.host else None
        if service is None:
            return ''
        if service.forced_down:
            return 'DOWN'
        if service.disabled:
            return 'MAINTENANCE'
        return 'UP' if self.service_up(service) else 'UNKNOWN'

    def list_servers(self, project_id: str | None = None, host: str | None = None,
                     node: str | None = None,
                     changes_since: float | None = None) -> list[Server]:
        """Servers in Nova's default order: newest first.

        changes_since: only servers whose ``updated_at`` is at or after it.
        Nova's database (MySQL DATETIME) keeps ``updated_at`` to the second,
        as its API shows it: the fraction is dropped before comparing, so a
        change made in the same second as ``changes_since`` but before it
        is not listed.
        """
        with self.lock:
            self.advance()
            found = [s for s in self.servers.values()
                     if (project_id is None or s.project_id == project_id)
                     and (host is None or s.host == host)
                     and (node is None or s.node == node)
                     and (changes_since is None or math.floor(s.updated) >= changes_since)]
            return sorted(found, key=lambda s: (s.created, s.seq), reverse=True)

    def compute_hosts(self) -> list[Host]:
        return [h for h in self.hosts.values() if COMPUTE in h.services]

    def servers_on(self, host: str) -> list[Server]:
        return [s for s in self.servers.values() if s.host == host]

    def list_services(self, host: str | None = None, binary: str | None = None) -> list[Service]:
        """Exact, case-sensitive filters, as Nova applies them."""
        with self.lock:
            self.advance()
            return [svc for h in self.hosts.values() for svc in h.services.values()
                    if (not host or svc.host == host) and (not binary or svc.binary == binary)]

    # -- instance actions ---------------------------------------------------

    def _record(self, server: Server, name: str, actor: Actor,
                event: str | None = None) -> Action:
        now = self.clock()
        action = Action(name, actor.request_id or _request_id(), actor.user_id,
                        actor.project_id, now, now)
        if event:
            action.events.append(Event(event, now, server.host))
        server.actions.append(action)
        server.updated = now
        return action

    def _finish(self, action: Action, ok: bool, host: str | None = None,
                at: float | None = None) -> None:
        now = self.clock() if at is None else at
        action.updated = now
        if not ok:
            action.message = 'Error'
        for event in action.events:
            if event.finish is None:
                event.finish, event.result = now, 'Success' if ok else 'Error'
                event.host = host or event.host

    # -- server actions -----------------------------------------------------

    def _check_state(self, server: Server, verb: str, vm_states: Iterable[str]) -> None:
        if server.vm_state not in vm_states:
            raise NovaError(409, f"Cannot '{verb}' instance {server.id} while it is in "
                                 f"vm_state {server.vm_state}")
        if server.task_state is not None:
            raise NovaError(409, f"Cannot '{verb}' instance {server.id} while it is in "
                                 f"task_state {server.task_state}")

    def evacuate(self, server_id: str, host: str | None = None, force: bool = False,
                 actor: Actor | None = None, stop_at_destination: bool = False) -> None:
        """Accept an evacuation; the server moves ``timings.evacuate`` after
        it starts, at once or, beyond ``timings.max_concurrent_evacuations``,
        when an earlier one lands.

        stop_at_destination: microversion 2.95 behaviour (the server ends stopped).
        """
        actor = actor or Actor()
        with self.lock:
            self.advance()
            server = self._server(server_id)
            if host is not None and self.compute_service(host) is None:
                raise NovaError(404, f'Compute host {host} not found.')
            if host is not None and server.host == host:
                raise NovaError(400, "The target host can't be the same one.")
            self._check_state(server, 'evacuate', (ACTIVE, STOPPED, ERROR))
            source = self.compute_service(server.host) if server.host else None
            if source is not None and self.service_up(source):
                raise NovaError(400, f'Compute service of {server.host} is still in use.')
            server.task_state = 'rebuilding'
            action = self._record(server, 'evacuate', actor, 'conductor_rebuild_server')
            if server.evacuation == 'stuck':
                return
            dest = host if host and force else self._schedule(server, host)
            server.moving_to = dest
            end_state = STOPPED if stop_at_destination or server.vm_state == STOPPED else ACTIVE

            def land(at: float) -> bool:
                self._evacuating -= 1
                server.moving_to = None
                server.task_state = None
                server.updated = at
                if dest is None or server.evacuation == 'error' \
                        or self.hosts[dest].evacuations_fail:
                    server.vm_state = ERROR
                    server.fault = {'code': 500, 'created': at,
                                    'message': NO_VALID_HOST if dest is None
                                    else 'Evacuation failed on the destination host.'}
                    self._finish(action, False, at=at)
                else:
                    server.host = server.node = dest
                    server.vm_state = end_state
                    server.power_state = SHUTDOWN if end_state == STOPPED else RUNNING
                    self._finish(action, True, dest, at=at)
                self._start_waiting_evacuations(at)
                return True

            def begin(at: float) -> None:
                # Nova's compute starts the rebuild: the server changes.
                server.updated = at
                end = at + self.timings.evacuate
                self._at(end, lambda: land(end))

            self._waiting.append(begin)
            self.advance()

    def _schedule(self, server: Server, wanted: str | None) -> str | None:
        """The scheduler's pick: an up, enabled compute host with room, fewest servers."""
        def load(host: Host) -> int:
            return sum(1 for s in self.servers.values()
                       if s.host == host.name or s.moving_to == host.name)

        candidates = []
        for host in self.compute_hosts():
            service = host.services[COMPUTE]
            if host.name == server.host or service.disabled or not self.service_up(service):
                continue
            if wanted is not None and host.name != wanted:
                continue
            if host.max_servers is not None and load(host) >= host.max_servers:
                continue
            candidates.append(host)
        if not candidates:
            return None
        return min(candidates, key=lambda h: (load(h), h.name)).name

    def _power(self, server_id: str, verb: str, allowed: Iterable[str], task: str,
               event: str, end_state: str, end_power: int, actor: Actor | None) -> None:
        with self.lock:
            self.advance()
            server = self._server(server_id)
            self._check_state(server, verb, allowed)
            server.task_state = task
            action = self._record(server, verb, actor or Actor(), event)
            if server.power_ops == 'stuck':
                return

            def finish() -> bool:
                # The request waits in the host's queue while the host is down.
                if server.host is None or not self.heartbeating(self.hosts[server.host]):
                    return False
                server.vm_state, server.power_state = end_state, end_power
                server.task_state = None
                server.updated = self.clock()
                self._finish(action, True)
                return True

            delay = self.timings.stop if verb == 'stop' else self.timings.start
            self._after(delay, finish)

    def stop(self, server_id: str, actor: Actor | None = None) -> None:
        self._power(server_id, 'stop', (ACTIVE, 'rescued', ERROR), 'powering-off',
                    'compute_stop_instance', STOPPED, SHUTDOWN, actor)

    def start(self, server_id: str, actor: Actor | None = None) -> None:
        self._power(server_id, 'start', (STOPPED,), 'powering-on',
                    'compute_start_instance', ACTIVE, RUNNING, actor)

    def reset_state(self, server_id: str, state: str, actor: Actor | None = None) -> None:
        with self.lock:
            self.advance()
            server = self._server(server_id)
            server.vm_state = _choice('state', state, (ACTIVE, ERROR))
            server.task_state = None
            self._finish(self._record(server, 'resetState', actor or Actor()), True)

    def lock_server(self, server_id: str, reason: str | None = None,
                    actor: Actor | None = None) -> None:
        with self.lock:
            self.advance()
            server = self._server(server_id)
            server.locked, server.locked_reason = True, reason
            self._finish(self._record(server, 'lock', actor or Actor()), True)

    def unlock_server(self, server_id: str, actor: Actor | None = None) -> None:
        with self.lock:
            self.advance()
            server = self._server(server_id)
            server.locked, server.locked_reason = False, None
            self._finish(self._record(server, 'unlock', actor or Actor()), True)

    def set_metadata(self, server_id: str, metadata: dict[str, str], replace: bool) -> Server:
        with self.lock:
            server = self._server(server_id)
            if replace:
                server.metadata = {}
            server.metadata.update(metadata)
            server.updated = self.clock()
            return server

    def delete_metadata_item(self, server_id: str, key: str) -> None:
        with self.lock:
            server = self._server(server_id)
            if key not in server.metadata:
                raise NovaError(404, 'Metadata item was not found')
            del server.metadata[key]

    # -- services -----------------------------------------------------------

    def find_service(self, service_id: str) -> Service:
        for host in self.hosts.values():
            for service in host.services.values():
                if service.id == service_id:
                    return service
        raise NovaError(404, f'Service {service_id} could not be found.')

    def find_service_by_host(self, host: str, binary: str) -> Service:
        service = self.hosts[host].services.get(binary) if host in self.hosts else None
        if service is None:
            raise NovaError(404, f'Could not find binary {binary} on host {host}.')
        return service

    def update_service(self, service: Service, status: str | None = None,
                       disabled_reason: str | None = None,
                       forced_down: bool | None = None) -> Service:
        """Enable, disable or force down a nova-compute service."""
        with self.lock:
            if service.binary != COMPUTE:
                raise NovaError(400, f'Updating a {service.binary} service is not supported. '
                                     'Only nova-compute services can be updated.')
            if status == 'enabled' and disabled_reason:
                raise NovaError(400, "Specifying 'disabled_reason' with status 'enabled' "
                                     "is invalid.")
            if status is None and forced_down is None:
                raise NovaError(400, "No updates were requested. Fields 'status' or "
                                     "'forced_down' should be specified.")
            if service.frozen:
                return service
            if status is not None:
                service.disabled = status == 'disabled'
                service.disabled_reason = disabled_reason if service.disabled else None
            if forced_down is not None:
                service.forced_down = forced_down
            service.updated = self.clock()
            return service

    # -- aggregates ---------------------------------------------------------

    def add_aggregate(self, name: str, hosts: Iterable[str] = (),
                      availability_zone: str | None = None,
                      metadata: dict[str, str] | None = None) -> Aggregate:
        with self.lock:
            if any(a.name == name for a in self.aggregates.values()):
                raise NovaError(409, f'Aggregate {name} already exists.')
            agg_id = max(self.aggregates, default=0) + 1
            aggregate = Aggregate(id=agg_id, name=name, created=self.clock(),
                                  availability_zone=availability_zone,
                                  metadata=dict(metadata or {}))
            if availability_zone:
                aggregate.metadata['availability_zone'] = availability_zone
            self.aggregates[agg_id] = aggregate
            for host in hosts:
                self.aggregate_add_host(agg_id, host)
            return aggregate

    def get_aggregate(self, agg_id: int | str) -> Aggregate:
        aggregate = None
        if str(agg_id).isdigit():
            aggregate = self.aggregates.get(int(agg_id))
        if aggregate is None:
            raise NovaError(404, f'Aggregate {agg_id} could not be found.')
        return aggregate

    def delete_aggregate(self, agg_id: int | str) -> None:
        with self.lock:
            aggregate = self.get_aggregate(agg_id)
            if aggregate.hosts:
                raise NovaError(400, f"Invalid action 'delete' on aggregate {aggregate.id}: "
                                     'Host list is not empty.')
            del self.aggregates[aggregate.id]

    def aggregate_add_host(self, agg_id: int | str, host: str) -> Aggregate:
        with self.lock:
            aggregate = self.get_aggregate(agg_id)
            if self.compute_service(host) is None:
                raise NovaError(404, f'Compute host {host} could not be found.')
            if host in aggregate.hosts:
                raise NovaError(409, f'Aggregate {aggregate.id} already has host {host}.')
            aggregate.hosts.append(host)
            aggregate.updated = self.clock()
            return aggregate

    def aggregate_remove_host(self, agg_id: int | str, host: str) -> Aggregate:
        with self.lock:
            aggregate = self.get_aggregate(agg_id)
            if host not in aggregate.hosts:
                raise NovaError(404, f'Aggregate {aggregate.id} has no host {host}.')
            aggregate.hosts.remove(host)
            aggregate.updated = self.clock()
            return aggregate

    # -- seeding from JSON --------------------------------------------------

    def load(self, seed: dict[str, Any]) -> None:
        """Add hosts, servers and aggregates described as in a seed file."""
        with self.lock:
            for entry in seed.get('hosts', ()):
                entry = {'name': entry} if isinstance(entry, str) else dict(entry)
                down = entry.pop('down', None)
                service_fields = entry.pop('compute_service', None)
                self.add_host(**entry)
                if service_fields:
                    self.set_service(entry['name'], COMPUTE, **service_fields)
                if down:
                    self.host_down(entry['name'], **(down if isinstance(down, dict) else {}))
            for entry in seed.get('servers', ()):
                self.add_server(**entry)
            for entry in seed.get('aggregates', ()):
                self.add_aggregate(**entry)
            if 'timings' in seed:
                self.timings = dataclasses.replace(self.timings, **seed['timings'])


def host_id(project_id: str, host: str | None) -> str:
    """Nova's opaque per-project ``hostId``."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def _address(index: int) -> str:
    return f'10.0.{index // 250}.{index % 250 + 1}'


def _request_id() -> str:
    return f'req-{uuid.uuid4()}'
