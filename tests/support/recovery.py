"""A bench for the engine over real parts: the manager and its taskflow
driver on a migrated SQLite database, a segment with hosts seeded into it,
the Nova stand-in over HTTP with the masakari options pointing at it, and
one fake clock shared by the engine and Nova, so waits and timeouts cost no
real time.

Nova calls read back as short tokens, one per compute request, e.g.
``services:h1 disable:h1 servers:h1`` for a host and ``get get lock evacuate
get get unlock`` for a server.
"""
import contextlib
import dataclasses
import datetime
import re
import uuid
from collections.abc import Iterator
from typing import Any

import oslo_messaging as messaging
import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade
from oslo_messaging.notify import _impl_test
from taskflow.persistence import backends

import novasim
from masakari import compute
from masakari import context as masakari_context
from masakari import objects
from masakari import rpc
from masakari.conf import CONF
from masakari.conf import defaults
from masakari.db import api as db
from masakari.db import migration
from masakari.db import models
from masakari.engine import progress
from masakari.engine.environment import Environment
from masakari.engine.manager import MasakariManager
from tests.support import seed

# Short waits, so that a scenario on the fake clock takes few steps.
WAITS = {'wait_period_after_service_update': 2, 'wait_period_after_evacuation': 5,
         'wait_period_after_power_off': 5, 'wait_period_after_power_on': 5,
         'verify_interval': 1}


def server_id(name: str) -> str:
    """The Nova id the bench gives server ``name`` (stable across runs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f'novasim/{name}'))


IDS = {name: server_id(name) for name in ('i1', 'i2', 'i3')}


class FakeClockEnvironment(Environment):
    """The real environment, but on the stand-in's fake clock."""

    def __init__(self, clock: novasim.FakeClock):
        super().__init__()
        self.clock = clock

    def monotonic(self) -> float:
        return self.clock.monotonic()

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)

    def utcnow(self) -> datetime.datetime:
        return self.clock.utcnow()


@dataclasses.dataclass
class Bench:
    sim: novasim.Simulator
    clock: novasim.FakeClock
    context: Any
    segment_uuid: str
    env: FakeClockEnvironment

    def manager(self) -> MasakariManager:
        """An engine manager working in the bench's environment."""
        return MasakariManager(env=self.env)

    def add_server(self, name: str, host: str = 'h1', ha: bool = True,
                   **fields: Any) -> None:
        """A server on ``host``, with the HA_Enabled key unless ``ha`` is false
        (``metadata`` given in ``fields`` replaces it)."""
        fields.setdefault('metadata', {'HA_Enabled': 'True'} if ha else {})
        self.sim.cloud.add_server(name, host, id=server_id(name), **fields)

    def server(self, name: str):
        return self.sim.cloud.get_server(server_id(name))

    def host(self, name: str):
        return db.host_get_by_name(self.context, name)

    def notify(self, type_: str, payload: dict, host: str = 'h1',
               age: datetime.timedelta = datetime.timedelta(0)) -> str:
        """A notification stored as the API stores it (status new),
        generated ``age`` ago on the bench's clock; its uuid."""
        row = db.notification_create(self.context, host, {
            'type': type_, 'payload': payload,
            'generated_time': self.clock.utcnow() - age}, duplicate_window=0)
        return row.notification_uuid

    def notification(self, notification_uuid: str):
        return db.notification_get_by_uuid(self.context, notification_uuid)

    def cast(self, manager, notification_uuid: str) -> None:
        """What the engine does with the API's process_notification cast."""
        manager.process_notification(self.context.to_dict(),
                                     objects.notification(self.notification(notification_uuid)))

    def vmoves(self, notification_uuid: str) -> dict[str, Any]:
        """The vmoves of a notification by server name (newest last)."""
        names = {server_id(s.name): s.name for s in self.sim.cloud.servers.values()}
        rows = reversed(db.vmoves_of_notification(self.context, notification_uuid))
        moves: dict[str, Any] = {}
        for row in rows:
            moves.setdefault(names[row.instance_uuid], []).append(row)
        return moves

    def calls(self, server: str | None = None) -> list[str]:
        """Compute requests as tokens: those about ``server``, or (None) those
        about no server."""
        tokens = []
        for call in self.sim.calls.since(0):
            if call['service'] != 'compute' or call['path'] == '/':
                continue
            about = re.match(r'/servers/([^/]+)', call['path'])
            about_id = about.group(1) if about and about.group(1) != 'detail' else None
            if about_id != (server_id(server) if server else None):
                continue
            token = self._token(call)
            tokens.append(token if call['status'] < 300 else f"{token}={call['status']}")
        return tokens

    def _token(self, call: dict) -> str:
        path, body = call['path'], call['body'] or {}
        query = dict(part.split('=', 1) for part in call['query'].split('&') if part)
        if path == '/servers/detail':
            return f"servers:{query.get('host')}"
        if path == '/os-services':
            return f"services:{query.get('host')}"
        if path.startswith('/os-services/'):
            service = self.sim.cloud.find_service(path.rsplit('/', 1)[1])
            verb = 'disable' if body.get('status') == 'disabled' else 'enable'
            return f'{verb}:{service.host}'
        if path == '/os-aggregates':
            return 'aggregates'
        if path.startswith('/os-aggregates/'):
            return f"add_host:{self.sim.cloud.get_aggregate(path.split('/')[2]).name}"
        if call['method'] == 'GET':
            return 'get'
        action, args = call['action'], body.get(call['action'])
        if action == 'evacuate':
            return f"evacuate:{args['host']}" if args.get('host') else 'evacuate'
        if action == 'os-resetState':
            return f"reset:{args['state']}"
        return action.removeprefix('os-')

    def progress(self, notification_uuid: str, notification_type: str = 'COMPUTE_HOST',
                 recovery_method: str = 'auto') -> list[dict]:
        """The recorded progress, as the engine answers it."""
        names = progress.task_names(notification_type, recovery_method)
        return progress.recorded_details(notification_uuid, names)

    def messages(self, notification_uuid: str, notification_type: str = 'COMPUTE_HOST',
                 recovery_method: str = 'auto') -> list[str]:
        return [line['message']
                for entry in self.progress(notification_uuid, notification_type,
                                           recovery_method)
                for line in entry['progress_details']]

    def flow_records(self, notification_uuid: str) -> list[dict[str, str]]:
        """Each flow run of the logbook: its atoms' names and states."""
        backend = backends.fetch({'connection': CONF.taskflow.connection})
        with contextlib.closing(backend.get_connection()) as connection:
            book = connection.get_logbook(notification_uuid)
        return [{atom.name: atom.state for atom in flow} for flow in book]


@contextlib.contextmanager
def events() -> Iterator[list[tuple]]:
    """The versioned notifications sent meanwhile, by oslo.messaging's test
    driver: (context, message, priority, retry) each."""
    # Registers oslo.messaging's options before they are overridden.
    messaging.get_notification_transport(CONF, url='fake:/').cleanup()
    with _overridden({'transport_url': 'fake:/',
                      'oslo_messaging_notifications.driver': ['test']}):
        rpc.init(CONF, 'masakari-engine')
        _impl_test.reset()
        try:
            yield _impl_test.NOTIFICATIONS
        finally:
            rpc.cleanup()


@contextlib.contextmanager
def bench(tmp_path, recovery_method: str = 'auto', hosts: tuple[str, ...] = ('h1', 'h2'),
          reserved: tuple[str, ...] = (), failed: tuple[str, ...] = ('h1',),
          config: dict[str, Any] | None = None,
          database_url: str | None = None) -> Iterator[Bench]:
    """A bench whose segment holds ``hosts`` and then the ``reserved`` hosts
    (the first named created last, so tried first), each also a Nova
    compute host (disabled for reserved ones); the ``failed`` hosts are down
    in Nova. ``config`` maps
    ``name`` or ``group.name`` to option overrides. The database is a new
    SQLite file unless ``database_url`` names another, empty one."""
    defaults.set_lib_defaults(CONF)
    url = database_url or f'sqlite:///{tmp_path}/masakari.sqlite'
    clock = novasim.FakeClock()
    sim = novasim.Simulator(clock=clock)
    for name in hosts + reserved:
        sim.cloud.add_host(name)
    for name in reserved:
        # Reserved hosts wait with their compute service disabled.
        sim.cloud.set_service(name, disabled=True)
    for name in failed:
        sim.cloud.host_down(name)
    overrides = {**WAITS, 'database.connection': url, 'taskflow.connection': url,
                 **(config or {})}
    with novasim.start(sim) as running, _overridden({
            **overrides,
            'os_privileged_user_auth_url': running.identity_url,
            'os_privileged_user_name': 'masakari',
            'os_privileged_user_password': 'masakari',
            'os_privileged_user_tenant': 'service'}), _database(url):
        segment_uuid = seed.segment_with_hosts(url, 'S', list(hosts + reserved[::-1]))
        _set_rows(url, segment_uuid, recovery_method, reserved)
        compute.reset()
        try:
            yield Bench(sim, clock, masakari_context.get_admin_context(), segment_uuid,
                        FakeClockEnvironment(clock))
        finally:
            compute.reset()


def _set_rows(url: str, segment_uuid: str, recovery_method: str,
              reserved: tuple[str, ...]) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(models.FailoverSegment.__table__).where(
            models.FailoverSegment.uuid == segment_uuid).values(
            recovery_method=recovery_method))
        conn.execute(sa.update(models.Host.__table__).where(
            models.Host.name.in_(reserved)).values(reserved=True))
    engine.dispose()


@contextlib.contextmanager
def _overridden(values: dict[str, Any]) -> Iterator[None]:
    keys = [(name.rpartition('.')[2], name.rpartition('.')[0] or None) for name in values]
    for (name, group), value in zip(keys, values.values(), strict=True):
        CONF.set_override(name, value, group)
    try:
        yield
    finally:
        for name, group in keys:
            CONF.clear_override(name, group)


@contextlib.contextmanager
def _database(url: str) -> Iterator[None]:
    migration.db_sync()
    factory = enginefacade._TransactionFactory()
    factory.configure(connection=url)
    restore = db.context_manager.patch_factory(factory)
    try:
        yield
    finally:
        restore()
