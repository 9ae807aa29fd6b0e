"""A real OpenStack control plane on loopback, for end-to-end tests of our
masakari against genuine Nova.

Keystone, Placement, Glance and Nova (API, conductor, scheduler, and three
nova-compute services on Nova's fake virt driver) run from .venv-cloud
(tools/cloud-venv.sh) as child processes, each logging to ``work/logs``.
They use their own MariaDB databases and RabbitMQ vhost, so parallel runs do
not meet. Neutron is a read-only stand-in served from this process: Nova
asks it about ports even for servers booted without networks.

    cloud = Cloud(work).start()
    server = cloud.boot('vm1', host='compute01')
    cloud.kill_compute('compute01')
    cloud.wait_service('compute01', 'down')
    with masakari(cloud, work / 'masakari') as deployment:  # an e2e.Deployment
        ...
    cloud.stop()

Children die with the test process (PR_SET_PDEATHSIG), so start and stop
the cloud from the main thread. By hand, with our masakari on top:
``.venv/bin/python -m tests.support.realcloud [WORK_DIR]``.
"""
import concurrent.futures
import contextlib
import ctypes
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import uuid

import requests

from tests.support import api_server
from tests.support import databases
from tests.support import e2e
from tests.support import json_http
from tests.support import keystone as ks

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO / '.venv-cloud'
WSGI_LAUNCHER = pathlib.Path(__file__).with_name('wsgi_serve.py')
COMPUTES = ('compute01', 'compute02', 'compute03')
SERVICE_USERS = ('nova', 'placement', 'glance', 'neutron')
# Masakari's microversion; from 2.95 on an evacuated server ends SHUTOFF.
COMPUTE_HEADERS = {'OpenStack-API-Version': 'compute 2.53'}
FLAVOR = {'name': 'm1.tiny', 'id': '1', 'ram': 64, 'vcpus': 1, 'disk': 0}
# nova-compute heartbeats: Nova reports a killed one down after at least
# SERVICE_DOWN_TIME - REPORT_INTERVAL seconds, at most SERVICE_DOWN_TIME.
REPORT_INTERVAL, SERVICE_DOWN_TIME = 3, 15


class CloudUnavailable(RuntimeError):
    """Software the cloud needs is missing."""


class CloudError(RuntimeError):
    """The cloud failed to come up or to do what was asked."""


def venv_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get('CLOUD_VENV', DEFAULT_VENV))


def require(venv: pathlib.Path | None = None) -> None:
    """Raise CloudUnavailable unless the software is installed."""
    venv = venv or venv_path()
    for needed in ('.installed', 'bin/python', 'bin/nova-compute'):
        if not (venv / needed).exists():
            raise CloudUnavailable(f'{venv / needed} is missing; run tools/cloud-venv.sh')
    if not shutil.which('rabbitmqctl'):
        raise CloudUnavailable('rabbitmqctl is missing (RabbitMQ server tools)')


def _ini(**sections: dict) -> str:
    return ''.join(f'[{name}]\n' + ''.join(f'{k} = {v}\n' for k, v in options.items()) + '\n'
                   for name, options in sections.items())


def _service_user(name: str) -> ks.Credentials:
    return ks.Credentials(name, name, 'service', ('admin', 'service'))


_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: a test run killed outright must not leave a cloud.
    _prctl(1, signal.SIGKILL)


class Cloud:
    def __init__(self, work: os.PathLike, venv: os.PathLike | None = None):
        self.work = pathlib.Path(work).resolve()
        self.venv = pathlib.Path(venv) if venv else venv_path()
        self.etc, self.logs, self.data = (self.work / d for d in ('etc', 'logs', 'data'))
        self.ports = {name: api_server.free_port()
                      for name in ('placement', 'glance', 'nova', 'neutron', 'masakari')}
        self.vhost = f'cloud-{uuid.uuid4().hex[:8]}'
        self.transport_url = f'rabbit://guest:guest@127.0.0.1:5672/{self.vhost}'
        self.keystone = ks.Keystone(
            self.work / 'keystone', venv=self.venv,
            instance_ha_url=f'http://127.0.0.1:{self.ports["masakari"]}/v1/%(tenant_id)s')
        self.processes: dict[str, subprocess.Popen] = {}
        self.db: dict[str, str] = {}
        self._vhost_created = False
        self.neutron: NeutronStub | None = None
        self.session = None  # admin keystoneauth session, once the catalog is complete
        self.image_id: str | None = None
        self.startup_seconds: float | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout: float = 300) -> 'Cloud':
        require(self.venv)
        started = time.monotonic()
        try:
            for directory in (self.etc, self.logs, self.data):
                directory.mkdir(parents=True, exist_ok=True)
            for name in ('keystone', 'placement', 'glance', 'nova_api', 'nova', 'nova_cell0'):
                self.db[name] = databases.create('mysql', self.work)
            self.keystone.database_url = self.db['keystone']
            self._write_configs()
            # Schema migrations dominate the start: run them side by side.
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                for future in [pool.submit(self._start_keystone),
                               pool.submit(self._sync_nova),
                               pool.submit(self._sync_placement_and_glance),
                               pool.submit(self._create_vhost)]:
                    future.result()
            self.session = self.keystone.session(ks.ADMIN)
            self.neutron = NeutronStub(self.ports['neutron'], self.logs / 'neutron-stub.log')
            self._start_services(started + timeout)
            self._create_flavor_and_image()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        # The data is disposable: SIGKILL, no graceful shutdowns to wait for.
        for process in self.processes.values():
            self._kill(process)
        self.processes.clear()
        self.keystone.stop()
        if self.neutron:
            self.neutron.stop()
            self.neutron = None
        for url in self.db.values():
            databases.drop(url)
        self.db.clear()
        if self._vhost_created:
            subprocess.run(['rabbitmqctl', '-q', 'delete_vhost', self.vhost],
                           capture_output=True)
            self._vhost_created = False

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f'{name}.log'
        text = path.read_text(errors='replace').splitlines()[-lines:] if path.exists() else []
        return f'--- {path} ---\n' + '\n'.join(text)

    # -- nova ------------------------------------------------------------
    def request(self, service_type: str, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(
            path, method, raise_exc=False,
            endpoint_filter={'service_type': service_type, 'interface': 'public',
                             'region_name': ks.REGION}, **kwargs)

    def nova(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.request('compute', method, path, json=body, headers=COMPUTE_HEADERS)
        if response.status_code >= 400:
            raise CloudError(f'nova {method} {path}: {response.status_code} {response.text}')
        return response.json() if response.content else {}

    def boot(self, name: str, host: str | None = None, metadata: dict | None = None,
             wait: bool = True) -> dict:
        """A server without networks (there is no real Neutron), ACTIVE
        unless ``wait`` is false; ``host`` forces the compute host."""
        body = {'name': name, 'imageRef': self.image_id, 'flavorRef': FLAVOR['id'],
                'networks': 'none', 'metadata': metadata or {}}
        if host:
            body['availability_zone'] = f'nova:{host}'
        server = self.nova('POST', '/servers', {'server': body})['server']
        return self.wait_server(server['id'], 'ACTIVE') if wait else server

    def server(self, server_id: str) -> dict:
        return self.nova('GET', f'/servers/{server_id}')['server']

    def wait_server(self, server_id: str, status: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            server = self.server(server_id)
            if server['status'] == status and not server.get('OS-EXT-STS:task_state'):
                return server
            if server['status'] == 'ERROR' or time.monotonic() > deadline:
                raise CloudError(f'server {server_id} is not {status}: {json.dumps(server)}')
            time.sleep(0.3)

    def stop_server(self, server_id: str) -> dict:
        self.nova('POST', f'/servers/{server_id}/action', {'os-stop': None})
        return self.wait_server(server_id, 'SHUTOFF')

    def delete_server(self, server_id: str, timeout: float = 60) -> None:
        self.nova('DELETE', f'/servers/{server_id}')
        deadline = time.monotonic() + timeout
        while self.request('compute', 'GET', f'/servers/{server_id}').status_code != 404:
            if time.monotonic() > deadline:
                raise CloudError(f'server {server_id} was not deleted')
            time.sleep(0.3)

    def service(self, host: str) -> dict:
        services = self.nova('GET', f'/os-services?binary=nova-compute&host={host}')['services']
        assert len(services) == 1, services
        return services[0]

    def set_service(self, host: str, enabled: bool) -> None:
        body = {'status': 'enabled'} if enabled else {
            'status': 'disabled', 'disabled_reason': 'test'}
        self.nova('PUT', f'/os-services/{self.service(host)["id"]}', body)

    def wait_service(self, host: str, state: str, timeout: float = 60) -> float:
        """Seconds until Nova reports ``host``'s nova-compute ``state``."""
        started = time.monotonic()
        while self.service(host)['state'] != state:
            if time.monotonic() - started > timeout:
                raise CloudError(f'nova-compute on {host} is not {state}\n'
                                 + self.log_tail(f'nova-compute-{host}'))
            time.sleep(0.5)
        return time.monotonic() - started

    def kill_compute(self, host: str) -> None:
        self._kill(self.processes[f'nova-compute-{host}'])

    def start_compute(self, host: str) -> None:
        self._spawn(f'nova-compute-{host}', self._bin('nova-compute'),
                    '--config-file', self.etc / 'nova/nova.conf',
                    '--config-file', self.etc / f'nova/{host}.conf')

    def heal(self, timeout: float = 60) -> None:
        """Every nova-compute running, enabled, not forced down and up, as
        after start()."""
        for host in COMPUTES:
            if self.processes[f'nova-compute-{host}'].poll() is not None:
                self.start_compute(host)
        deadline = time.monotonic() + timeout
        for host in COMPUTES:
            service = self.service(host)
            if service['forced_down']:  # fenced
                self._wait(f'{host} forced up', deadline,
                           lambda service=service: self._force_up(service))
            if service['status'] != 'enabled':
                self.set_service(host, enabled=True)
        for host in COMPUTES:
            self.wait_service(host, 'up')

    def wait_consumer(self, queue: str, process: subprocess.Popen, log: pathlib.Path,
                      timeout: float = 60) -> None:
        """Until ``process`` consumes ``queue`` of the cloud's RabbitMQ
        vhost: an RPC server is ready."""
        deadline = time.monotonic() + timeout
        while True:
            listed = subprocess.run(
                ['rabbitmqctl', '-q', 'list_queues', '-p', self.vhost, 'name', 'consumers'],
                capture_output=True, text=True).stdout.split()
            if queue in listed and listed[listed.index(queue) + 1] != '0':
                return
            if process.poll() is not None:
                raise CloudError(f'{process.args[0]} exited ({process.returncode})\n'
                                 + log.read_text(errors='replace')[-3000:])
            if time.monotonic() > deadline:
                raise CloudError(f'nothing consumes {queue}')
            time.sleep(0.5)

    # -- internals -------------------------------------------------------
    def _force_up(self, service: dict) -> bool:
        """Whether Nova took the forced down mark off ``service``. It
        refuses until the restarted nova-compute has cleaned up after the
        evacuations from its host."""
        response = self.request('compute', 'PUT', f'/os-services/{service["id"]}',
                                json={'forced_down': False}, headers=COMPUTE_HEADERS)
        if response.status_code == 400 and 'evacuation migration' in response.text:
            return False
        if response.status_code >= 400:
            raise CloudError(f'forcing up {service["host"]}: {response.status_code} '
                             f'{response.text}')
        return True

    def _bin(self, name: str) -> pathlib.Path:
        return self.venv / 'bin' / name

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env['PYTHONWARNINGS'] = 'ignore'  # eventlet and oslo deprecations drown the logs
        return env

    def _run(self, *argv) -> None:
        with open(self.logs / 'setup.log', 'ab') as log:
            log.write(f'$ {" ".join(map(str, argv))}\n'.encode())
            log.flush()
            result = subprocess.run([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=self._env())
        if result.returncode:
            raise CloudError(f'{argv[0]} failed ({result.returncode})\n'
                             + self.log_tail('setup'))

    def _spawn(self, name: str, *argv) -> None:
        with open(self.logs / f'{name}.log', 'ab') as log:
            # Own process group, so a kill also reaches gunicorn's worker.
            self.processes[name] = subprocess.Popen(
                [str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self._env(), start_new_session=True,
                preexec_fn=_die_with_parent)

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _spawn_wsgi(self, name: str, module: str, port: int, *env: str) -> None:
        self._spawn(name, self._bin('python'), WSGI_LAUNCHER, '--app', module, '--name', name,
                    '--bind', f'127.0.0.1:{port}', '--parent-pid', os.getpid(),
                    *(arg for item in env for arg in ('--env', item)))

    def _start_keystone(self) -> None:
        self.keystone.start()
        for user in SERVICE_USERS:
            self.keystone.create_account(_service_user(user))
        url = 'http://127.0.0.1:{}'.format
        self.keystone.set_endpoint('compute', 'nova', url(self.ports['nova']) + '/v2.1')
        self.keystone.set_endpoint('placement', 'placement', url(self.ports['placement']))
        self.keystone.set_endpoint('image', 'glance', url(self.ports['glance']))
        self.keystone.set_endpoint('network', 'neutron', url(self.ports['neutron']))

    def _sync_nova(self) -> None:
        nova_manage = (self._bin('nova-manage'), '--config-file', self.etc / 'nova/nova.conf')
        self._run(*nova_manage, 'api_db', 'sync')
        self._run(*nova_manage, 'cell_v2', 'map_cell0',
                  '--database_connection', self.db['nova_cell0'])
        self._run(*nova_manage, 'cell_v2', 'create_cell', '--name', 'cell1')
        self._run(*nova_manage, 'db', 'sync')  # cell1 and cell0

    def _sync_placement_and_glance(self) -> None:
        self._run(self._bin('placement-manage'), '--config-file',
                  self.etc / 'placement/placement.conf', 'db', 'sync')
        self._run(self._bin('glance-manage'), '--config-file',
                  self.etc / 'glance/glance-api.conf', 'db_sync')

    def _create_vhost(self) -> None:
        self._run('rabbitmqctl', '-q', 'add_vhost', self.vhost)
        self._vhost_created = True
        self._run('rabbitmqctl', '-q', 'set_permissions', '-p', self.vhost,
                  'guest', '.*', '.*', '.*')

    def _start_services(self, deadline: float) -> None:
        nova_conf = ('--config-file', self.etc / 'nova/nova.conf')
        self._spawn_wsgi('placement', 'placement.wsgi.api', self.ports['placement'],
                         f'OS_PLACEMENT_CONFIG_DIR={self.etc / "placement"}')
        self._spawn_wsgi('glance-api', 'glance.wsgi.api', self.ports['glance'],
                         f'OS_GLANCE_CONFIG_DIR={self.etc / "glance"}')
        self._spawn_wsgi('nova-api', 'nova.wsgi.osapi_compute', self.ports['nova'],
                         f'OS_NOVA_CONFIG_DIR={self.etc / "nova"}')
        self._spawn('nova-conductor', self._bin('nova-conductor'), *nova_conf)
        self._spawn('nova-scheduler', self._bin('nova-scheduler'), *nova_conf)
        # A compute that finds no Placement retries only a minute later.
        self._wait_http('placement', f'http://127.0.0.1:{self.ports["placement"]}/', deadline)
        for host in COMPUTES:
            self.start_compute(host)
        self._wait_http('glance-api', f'http://127.0.0.1:{self.ports["glance"]}/versions',
                        deadline)
        self._wait_http('nova-api', f'http://127.0.0.1:{self.ports["nova"]}/', deadline)
        # Services up, then their resource providers; then map the compute
        # nodes to the cell so that the scheduler considers them.
        self._wait('nova-compute services up', deadline, lambda: [
            s['state'] for s in self.nova('GET', '/os-services?binary=nova-compute')[
                'services']] == ['up'] * len(COMPUTES))
        self._wait('resource providers', deadline, lambda: len(self.request(
            'placement', 'GET', '/resource_providers').json()['resource_providers'])
            == len(COMPUTES))
        self._run(self._bin('nova-manage'), *nova_conf, 'cell_v2', 'discover_hosts')

    def _wait(self, what: str, deadline: float, ready) -> None:
        while not ready():
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise CloudError(f'{name} exited ({process.returncode})\n'
                                     + self.log_tail(name))
            if time.monotonic() > deadline:
                raise CloudError(f'timed out waiting for {what}')
            time.sleep(0.5)

    def _wait_http(self, name: str, url: str, deadline: float) -> None:
        def answers() -> bool:
            try:
                return requests.get(url, timeout=5).status_code < 500
            except requests.RequestException:
                return False
        self._wait(name, deadline, answers)

    def _create_flavor_and_image(self) -> None:
        self.nova('POST', '/flavors', {'flavor': FLAVOR})
        image = self.request('image', 'POST', '/v2/images', json={
            'name': 'fake-image', 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'public'}).json()
        upload = self.request('image', 'PUT', f'/v2/images/{image["id"]}/file',
                              data=b'\0' * 2**20,
                              headers={'Content-Type': 'application/octet-stream'})
        if upload.status_code != 204:
            raise CloudError(f'image upload: {upload.status_code} {upload.text}')
        self.image_id = image['id']

    # -- configuration -----------------------------------------------------
    def _authtoken(self, user: str) -> dict:
        return self.keystone.authtoken_options(_service_user(user))

    def _client_auth(self, user: str) -> dict:
        """A service's own credentials for calling another service."""
        options = self._authtoken(user)
        del options['www_authenticate_uri']
        return {**options, 'auth_url': self.keystone.auth_url}

    def _write_configs(self) -> None:
        def write(path: str, text: str) -> None:
            (self.etc / path).parent.mkdir(parents=True, exist_ok=True)
            (self.etc / path).write_text(text)

        data = self.data
        for host in ('controller', *COMPUTES):  # nova writes state_path but does not make it
            (data / 'nova' / host).mkdir(parents=True, exist_ok=True)
        # nova-api reads its paste pipeline from the first of the files in
        # its config dir, api-paste.ini.
        write('nova/api-paste.ini', (self.venv / 'etc/nova/api-paste.ini').read_text())
        write('nova/nova.conf', _ini(
            DEFAULT={
                'transport_url': self.transport_url, 'my_ip': '127.0.0.1',
                'host': 'controller', 'state_path': data / 'nova/controller',
                # FakeDriver with a node UUID kept in state_path: a killed
                # compute can be started again.
                'compute_driver': 'fake.FakeDriverWithoutFakeNodes',
                'enabled_apis': 'osapi_compute',
                # a killed nova-compute is reported down within ~15 s
                'report_interval': REPORT_INTERVAL, 'service_down_time': SERVICE_DOWN_TIME,
                # no real Neutron: never poll port info
                'heal_instance_info_cache_interval': -1,
                'sync_power_state_interval': 30},
            api={'auth_strategy': 'keystone'},
            wsgi={'api_paste_config': self.etc / 'nova/api-paste.ini'},
            api_database={'connection': self.db['nova_api']},
            database={'connection': self.db['nova']},
            conductor={'workers': 1},
            scheduler={'workers': 1},
            keystone_authtoken=self._authtoken('nova'),
            service_user={'send_service_user_token': 'false'},
            placement=self._client_auth('placement'),
            glance={'region_name': ks.REGION, 'valid_interfaces': 'public'},
            neutron={**self._client_auth('nova'), 'valid_interfaces': 'public'},
            cinder={'os_region_name': ks.REGION},
            vnc={'enabled': 'false'},
            oslo_concurrency={'lock_path': data / 'nova/controller/lock'},
            oslo_messaging_notifications={'driver': 'noop'}))
        for host in COMPUTES:
            # layered over nova.conf: each compute its own host and state
            write(f'nova/{host}.conf', _ini(
                DEFAULT={'host': host, 'state_path': data / f'nova/{host}'},
                oslo_concurrency={'lock_path': data / f'nova/{host}/lock'}))
        write('placement/placement.conf', _ini(
            placement_database={'connection': self.db['placement']},
            api={'auth_strategy': 'keystone'},
            keystone_authtoken=self._authtoken('placement')))
        write('glance/glance-api.conf', _ini(
            DEFAULT={'enabled_backends': 'fs:file'},
            database={'connection': self.db['glance']},
            glance_store={'default_backend': 'fs'},
            fs={'filesystem_store_datadir': data / 'glance/images'},
            os_glance_staging_store={'filesystem_store_datadir': data / 'glance/staging'},
            os_glance_tasks_store={'filesystem_store_datadir': data / 'glance/tasks'},
            paste_deploy={'flavor': 'keystone',
                          'config_file': self.venv / 'etc/glance/glance-api-paste.ini'},
            keystone_authtoken=self._authtoken('glance'),
            oslo_concurrency={'lock_path': data / 'glance/lock'}))

    def masakari_options(self) -> str:
        """Options for our masakari-api and masakari-engine on this cloud."""
        return _ini(
            DEFAULT={
                # the engine reaches Nova as the masakari service user
                'os_privileged_user_name': 'masakari',
                'os_privileged_user_password': 'masakari',
                'os_privileged_user_tenant': 'service',
                'os_privileged_user_auth_url': self.keystone.auth_url,
                'os_user_domain_name': 'Default', 'os_project_domain_name': 'Default',
                'os_region_name': ks.REGION,
                'nova_catalog_admin_info': 'compute:nova:publicURL',
                # waits cut from minutes to seconds, as in the upstream timings
                'wait_period_after_service_update': 5,
                'wait_period_after_evacuation': 60,
                'wait_period_after_power_off': 60,
                'wait_period_after_power_on': 30,
                'verify_interval': 1,
                'duplicate_notification_detection_interval': 10,
                'process_unfinished_notifications_interval': 30,
                'retry_notification_new_status_interval': 30},
            host_failure={'evacuate_all_instances': 'true',
                          'ignore_instances_in_error_state': 'false'},
            instance_failure={'process_all_instances': 'false'},
            keystone_authtoken=self.keystone.authtoken_options(ks.SERVICE),
            oslo_concurrency={'lock_path': self.data / 'masakari/lock'})


@contextlib.contextmanager
def masakari(cloud: Cloud, work: pathlib.Path, extra: str = '', port: int | None = None,
             venv: pathlib.Path | None = None):
    """Our masakari-api (Keystone pipeline) and one masakari-engine on
    ``cloud``; yields an e2e.Deployment acting as the admin user.
    ``extra`` is added to its masakari.conf. A deployment has an RPC topic
    of its own: another one may run beside it, on another ``port`` than
    the catalog's. With ``venv``, the console scripts and API pipeline of
    the masakari installed there (upstream's, say) serve instead of ours."""
    work.mkdir(parents=True, exist_ok=True)
    database_url = databases.create('mysql', work)
    private = f'masakari-{uuid.uuid4().hex[:8]}'
    try:
        port = port or cloud.ports['masakari']
        config = api_server.write_config(
            work / 'masakari.conf', database_url, port, auth_strategy='keystone',
            workers=1, transport_url=cloud.transport_url,
            api_paste_config=venv / 'etc/masakari/api-paste.ini' if venv else None, extra=(
                cloud.masakari_options()
                + f'[DEFAULT]\ncontrol_exchange = {private}\nmasakari_topic = {private}\n'
                + extra))
        token = cloud.keystone.token(ks.ADMIN)
        serving = (_serve_installed(cloud, venv, config, port, work, token, private) if venv
                   else e2e.serve(config, port, work, None, token))
        with serving as deployment:
            yield deployment
    finally:
        databases.drop(database_url)


@contextlib.contextmanager
def _serve_installed(cloud: Cloud, venv: pathlib.Path, config: pathlib.Path, port: int,
                     work: pathlib.Path, token: str, topic: str):
    """masakari-api and masakari-engine of the masakari in ``venv``, on
    the database of ``config``, migrated first."""
    # Its console scripts must not import the masakari of this checkout.
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    scripts = venv / 'bin'
    subprocess.run([str(scripts / 'masakari-manage'), '--config-file', str(config), 'db',
                    'sync'], check=True, capture_output=True, env=env, cwd=work)
    api = api_server.APIServer(None, port, work / 'api.log', env=env, command=[
        str(scripts / 'masakari-api'), '--config-file', str(config)])
    with open(work / 'engine.log', 'ab') as log:
        engine = subprocess.Popen(
            [str(scripts / 'masakari-engine'), '--config-file', str(config)], env=env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent)
    try:
        api.start(timeout=60)
        cloud.wait_consumer(topic, engine, work / 'engine.log')
        yield e2e.Deployment(api.url, None, config, work, token)
    finally:
        Cloud._kill(engine)
        api.stop()


class NeutronStub:
    """Read-only Neutron stand-in: every collection is empty, every single
    resource missing, every write refused. Enough for servers without
    networks: Nova still lists their ports and security groups."""

    def __init__(self, port: int, log: pathlib.Path):
        self._log = log.open('a', buffering=1)
        self.server = json_http.JSONServer(self._answer, port, self._log).start()
        self.url = self.server.url

    def _answer(self, request: json_http.Request) -> json_http.Reply:
        if request.method != 'GET':
            return self._error(400, 'BadRequest')
        parts = [p for p in request.path.split('/') if p]
        if not parts:
            return json_http.Reply(200, {'versions': [{
                'id': 'v2.0', 'status': 'CURRENT',
                'links': [{'rel': 'self', 'href': self.url + '/v2.0/'}]}]})
        if len(parts) == 2 and parts[0] == 'v2.0':
            return json_http.Reply(200, {parts[1].removesuffix('.json').replace('-', '_'): []})
        return self._error(404, 'NotFound')

    @staticmethod
    def _error(status: int, kind: str) -> json_http.Reply:
        return json_http.Reply(status, {'NeutronError': {
            'type': kind, 'message': 'not supported by the Neutron stand-in', 'detail': ''}})

    def stop(self) -> None:
        self.server.stop()
        self._log.close()


def main() -> int:
    """Bring the cloud and our masakari up and keep them until interrupted."""
    import tempfile
    work = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix='cloud-'))
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cloud = Cloud(work).start()
    try:
        with masakari(cloud, work / 'masakari') as deployment:
            print(f'cloud up in {cloud.startup_seconds:.0f} s: keystone {cloud.keystone.auth_url},'
                  f' masakari {deployment.url}, logs in {cloud.logs}', flush=True)
            while True:  # signals reach the main thread between sleeps
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
