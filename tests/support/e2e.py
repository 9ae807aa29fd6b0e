"""A deployment for end-to-end tests, every part in its own process:
masakari-api and one or more masakari-engine on RabbitMQ (a private
exchange and topic per deployment) and MariaDB, the Nova stand-in over HTTP
from this process, and a client posting notifications as a monitor does."""
import contextlib
import pathlib
import time
import uuid

import requests

import novasim
from novasim.state import Timings
from tests.support import api_server
from tests.support import databases
from tests.support import nova
from tests.support import rabbit
from tests.support.engine_server import EngineServer

HA = {'HA_Enabled': 'True'}
# Waits cut down from minutes to seconds; Nova moves servers in 0.5 s.
ENGINE_OPTIONS = """\
[DEFAULT]
wait_period_after_service_update = 1
wait_period_after_evacuation = 30
wait_period_after_power_off = 30
wait_period_after_power_on = 30
verify_interval = 1
periodic_fuzzy_delay = 0
# An engine that dies leaves its notification to the others after 6 s.
notification_heartbeat_interval = 2
# An engine is there to answer: give it time even on a busy machine.
recovery_workflow_details_timeout = 10
"""


class Deployment:
    def __init__(self, url: str, sim: novasim.Simulator, config: pathlib.Path,
                 work: pathlib.Path, token: str | None = None):
        self.url, self.sim, self.config, self.work = url, sim, config, work
        self.engines: list[EngineServer] = []
        self.cli = None  # an openstack_cli.CLI where Keystone is deployed
        self.session = requests.Session()
        self.session.headers['OpenStack-API-Version'] = 'instance-ha 1.3'
        if token:
            self.session.headers['X-Auth-Token'] = token

    @property
    def engine(self) -> EngineServer:
        return self.engines[-1]

    def start_engine(self) -> EngineServer:
        """Another masakari-engine on the same configuration."""
        log = self.work / f'engine-{len(self.engines)}.log'
        self.engines.append(EngineServer(self.config, log).start())
        return self.engines[-1]

    def call(self, method: str, path: str, expected: int, body=None) -> dict:
        r = self.session.request(method, self.url + '/v1' + path, json=body, timeout=30)
        assert r.status_code == expected, r.text
        return r.json() if r.content else {}

    def segment(self, name: str, recovery_method: str, hosts: list[str],
                reserved: tuple[str, ...] = ()) -> str:
        """A segment of ``hosts`` (all Nova compute hosts), some reserved.
        Hosts are created in order: the last reserved one is the newest."""
        segment = self.call('POST', '/segments', 201, {'segment': {
            'name': name, 'recovery_method': recovery_method,
            'service_type': 'COMPUTE'}})['segment']
        for host in hosts:
            self.call('POST', f"/segments/{segment['uuid']}/hosts", 201, {'host': {
                'name': host, 'type': 'COMPUTE', 'control_attributes': 'SSH',
                'reserved': host in reserved}})
        return segment['uuid']

    def notify(self, type_: str, hostname: str, payload: dict) -> str:
        return self.call('POST', '/notifications', 202, {'notification': {
            'type': type_, 'hostname': hostname, 'payload': payload,
            'generated_time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}}
        )['notification']['notification_uuid']

    def wait_for(self, notification_uuid: str, timeout: float = 60) -> dict:
        """The notification once its status is final."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.call('GET', f'/notifications/{notification_uuid}',
                              200)['notification']
            if shown['status'] in ('finished', 'ignored', 'failed', 'error'):
                return shown
            assert time.monotonic() < deadline, shown
            time.sleep(0.5)

    def vmoves(self, notification_uuid: str) -> list[dict]:
        return self.call('GET', f'/notifications/{notification_uuid}/vmoves',
                         200)['vmoves']

    def server(self, server_id: str):
        return self.sim.cloud.get_server(server_id)

    def evacuations(self, server_id: str) -> int:
        """How many evacuate requests Nova accepted for a server."""
        return sum(1 for call in self.sim.calls.since()
                   if call['action'] == 'evacuate' and call['status'] == 200
                   and call['path'] == f'/servers/{server_id}/action')

    def schedule_only_to(self, hosts: list[str]) -> None:
        """Nova's scheduler may pick any enabled compute host: leave only
        ``hosts`` enabled (spare, reserved hosts start disabled too)."""
        for name in self.sim.cloud.hosts:
            self.sim.cloud.set_service(name, disabled=name not in hosts)




@contextlib.contextmanager
def deploy(work: pathlib.Path, hosts: list[str], api_port: int | None = None,
           extra: str = '', auth_strategy: str = 'noauth2', token: str | None = None,
           engines: int = 1):
    """Yields a Deployment whose Nova has a compute service on each of
    ``hosts``; ``extra`` is added to the shared masakari.conf."""
    rabbit.require()
    database_url = databases.create('mysql', work)
    sim = novasim.Simulator()
    sim.cloud.timings = Timings(evacuate=0.5, stop=0.2, start=0.2)
    for host in hosts:
        sim.cloud.add_host(host)
    private = f'masakari-e2e-{uuid.uuid4().hex[:8]}'
    port = api_port or api_server.free_port()
    try:
        with novasim.start(sim) as nova_run:
            config = api_server.write_config(
                work / 'masakari.conf', database_url, port, auth_strategy=auth_strategy,
                transport_url=rabbit.URL, extra=(
                    nova.masakari_options(nova_run) + ENGINE_OPTIONS
                    + f'control_exchange = {private}\nmasakari_topic = {private}\n'
                    + extra))
            with serve(config, port, work, sim, token, engines) as deployment:
                yield deployment
    finally:
        databases.drop(database_url)


@contextlib.contextmanager
def serve(config: pathlib.Path, port: int, work: pathlib.Path,
          sim: novasim.Simulator | None, token: str | None = None, engines: int = 1):
    """masakari-api and ``engines`` masakari-engine processes on the
    database of ``config``, migrated first."""
    api_server.db_sync(config)
    api = api_server.APIServer(config, port, work / 'api.log').start()
    deployment = Deployment(api.url, sim, config, work, token)
    try:
        for _ in range(engines):
            deployment.start_engine()
        yield deployment
    finally:
        for engine in deployment.engines:
            engine.stop()
        api.stop()
