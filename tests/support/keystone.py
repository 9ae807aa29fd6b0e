"""A real Keystone on loopback, for tests that need genuine tokens.

Keystone runs from the virtualenv of the OpenStack services (``.venv-cloud``,
made by ``tools/cloud-venv.sh``) as a gunicorn subprocess; everything here talks
to it over HTTP with keystoneauth1 from the project's venv.

    ks = Keystone(work_dir, instance_ha_url='http://127.0.0.1:15868/v1/%(tenant_id)s')
    ks.start()
    ... ks.auth_url, ks.session(DEMO) ...
    ks.stop()

State (SQLite database, fernet and credential keys) lives in ``work_dir``;
starting again on the same directory reuses it.
"""
import dataclasses
import grp
import os
import pathlib
import pwd
import signal
import subprocess
import sys
import time
import urllib.parse

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.support.ports import free_port

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO_ROOT / '.venv-cloud'
LAUNCHER = pathlib.Path(__file__).with_name('wsgi_serve.py')
REGION = 'RegionOne'
INSTANCE_HA_TYPE = 'instance-ha'


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    project_name: str
    roles: tuple[str, ...]
    user_domain_name: str = 'Default'
    project_domain_name: str = 'Default'


ADMIN = Credentials('admin', 'admin', 'admin', ('admin',))
SERVICE = Credentials('masakari', 'masakari', 'service', ('admin', 'service'))
DEMO = Credentials('demo', 'demo', 'demo', ('member',))


class KeystoneUnavailable(RuntimeError):
    """The Keystone virtualenv is missing or unusable."""


class KeystoneError(RuntimeError):
    """Keystone failed to set up or to start."""


def venv_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get('CLOUD_VENV', DEFAULT_VENV))


def check_venv(venv: pathlib.Path) -> None:
    """Raise KeystoneUnavailable unless ``venv`` holds a finished install."""
    for needed in ('.installed', 'bin/python', 'bin/keystone-manage'):
        if not (venv / needed).exists():
            raise KeystoneUnavailable(
                f'{venv / needed} is missing; run tools/cloud-venv.sh')


class Keystone:
    def __init__(self, work_dir, *, instance_ha_url: str | None = None,
                 host: str = '127.0.0.1', port: int | None = None,
                 venv: os.PathLike | None = None, threads: int = 8,
                 access_log: bool = False, database_url: str | None = None):
        self.work_dir = pathlib.Path(work_dir).resolve()
        self.host = host
        self.port = port or free_port(host)
        self.venv = pathlib.Path(venv) if venv else venv_path()
        self.instance_ha_url = instance_ha_url
        self.threads = threads
        self.access_log = access_log
        self.database_url = database_url or f'sqlite:///{self.work_dir}/keystone.sqlite'
        self.config_file = self.work_dir / 'keystone.conf'
        self.log_file = self.work_dir / 'keystone.log'
        self.setup_log_file = self.work_dir / 'keystone-setup.log'
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._admin_session: ks_session.Session | None = None

    # -- addresses -------------------------------------------------------
    @property
    def url(self) -> str:
        return f'http://{self.host}:{self.port}'

    @property
    def auth_url(self) -> str:
        return f'{self.url}/v3'

    def authtoken_options(self, creds: Credentials = SERVICE) -> dict[str, str]:
        """``[keystone_authtoken]`` options for a service of this Keystone."""
        return {
            'www_authenticate_uri': self.url + '/',
            'auth_url': self.url + '/',
            'auth_type': 'password',
            'username': creds.username,
            'password': creds.password,
            'project_name': creds.project_name,
            'user_domain_name': creds.user_domain_name,
            'project_domain_name': creds.project_domain_name,
            'region_name': REGION,
        }

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout: float = 60.0) -> 'Keystone':
        if self.process is not None:
            return self
        check_venv(self.venv)
        started = time.monotonic()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        marker = self.work_dir / '.initialized'
        if not marker.exists():
            owner = ['--keystone-user', pwd.getpwuid(os.getuid()).pw_name,
                     '--keystone-group', grp.getgrgid(os.getgid()).gr_name]
            # The key repositories do not touch the database: set them up
            # while the schema migration runs.
            self._manage_parallel(['db_sync'], ['fernet_setup', *owner],
                                  ['credential_setup', *owner])
            for keys in ('fernet-keys', 'credential-keys'):
                # Keystone warns on every request about world-readable keys.
                os.chmod(self.work_dir / keys, 0o700)
            marker.touch()
        # gunicorn imports keystone (a few seconds) while bootstrap writes the
        # admin user and catalog; nothing reads them before both are done.
        self._launch()
        try:
            # Always: bootstrap is idempotent and re-points the identity
            # endpoint when a reused work dir gets a new port.
            self._manage(self._bootstrap_args())
            self._wait_ready(started + timeout)
            self._create_accounts()
            if self.instance_ha_url:
                self.set_instance_ha_endpoint(self.instance_ha_url)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self, timeout: float = 3.0) -> None:
        process, self.process = self.process, None
        self._admin_session = None
        if process is None or process.poll() is not None:
            return
        try:
            # SIGINT is gunicorn's quick shutdown (SIGTERM is the graceful
            # one); the test data is disposable.
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()

    def __enter__(self) -> 'Keystone':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        text = ''
        for path in (self.setup_log_file, self.log_file):
            if path.exists():
                content = path.read_text(errors='replace').splitlines()[-lines:]
                text += f'--- {path.name} ---\n' + '\n'.join(content) + '\n'
        return text

    # -- clients ---------------------------------------------------------
    def auth(self, creds: Credentials) -> v3.Password:
        return v3.Password(
            auth_url=self.auth_url, username=creds.username,
            password=creds.password, project_name=creds.project_name,
            user_domain_name=creds.user_domain_name,
            project_domain_name=creds.project_domain_name)

    def session(self, creds: Credentials = ADMIN) -> ks_session.Session:
        return ks_session.Session(auth=self.auth(creds))

    def token(self, creds: Credentials = ADMIN) -> str:
        return self.session(creds).get_token()

    @property
    def admin(self) -> ks_session.Session:
        if self._admin_session is None:
            self._admin_session = self.session(ADMIN)
        return self._admin_session

    # -- catalog ---------------------------------------------------------
    def set_instance_ha_endpoint(self, url: str) -> None:
        """Register (or re-point) the public ``instance-ha`` endpoint."""
        self.set_endpoint(INSTANCE_HA_TYPE, 'masakari', url)
        self.instance_ha_url = url

    def set_endpoint(self, service_type: str, name: str, url: str) -> None:
        """Register (or re-point) the public endpoint of a service."""
        service = self._get_or_create(
            'services', {'type': service_type},
            {'name': name, 'type': service_type, 'enabled': True})
        endpoint = self._get_or_create(
            'endpoints', {'service_id': service['id'], 'interface': 'public'},
            {'service_id': service['id'], 'interface': 'public', 'url': url,
             'region_id': REGION, 'enabled': True})
        if endpoint['url'] != url:
            self._request('PATCH', f'/endpoints/{endpoint["id"]}',
                          {'endpoint': {'url': url}})

    # -- internals -------------------------------------------------------
    def _write_config(self) -> None:
        work = self.work_dir
        self.config_file.write_text(f"""\
[DEFAULT]
debug = false

[database]
connection = {self.database_url}

[token]
provider = fernet
expiration = 86400

[fernet_tokens]
key_repository = {work}/fernet-keys

[fernet_receipts]
key_repository = {work}/fernet-keys

[credential]
key_repository = {work}/credential-keys

[identity]
# bcrypt's minimum cost: issuing a token takes ~0.05 s instead of ~0.6 s
password_hash_rounds = 4

[cache]
# one worker process, so an in-process cache is coherent; without it token
# validation takes about a second
enabled = true
backend = dogpile.cache.memory
""")

    def _bootstrap_args(self) -> list[str]:
        return [
            'bootstrap',
            '--bootstrap-username', ADMIN.username,
            '--bootstrap-password', ADMIN.password,
            '--bootstrap-project-name', ADMIN.project_name,
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-public-url', self.auth_url,
            # keystonemiddleware looks the identity service up on the
            # internal interface unless told otherwise.
            '--bootstrap-internal-url', self.auth_url,
            '--bootstrap-admin-url', self.auth_url,
        ]

    def _manage_command(self, args: list[str]) -> list[str]:
        return [str(self.venv / 'bin' / 'keystone-manage'),
                '--config-file', str(self.config_file), *args]

    def _manage(self, args: list[str]) -> None:
        self._manage_parallel(args)

    def _manage_parallel(self, *commands: list[str]) -> None:
        with open(self.setup_log_file, 'ab') as log:
            running = [
                (args, subprocess.Popen(self._manage_command(args), stdout=log,
                                        stderr=subprocess.STDOUT, env=self._env()))
                for args in commands]
            failed = [args[0] for args, proc in running if proc.wait() != 0]
        if failed:
            raise KeystoneError(
                f'keystone-manage {", ".join(failed)} failed\n{self.log_tail()}')

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop('OS_KEYSTONE_CONFIG_FILES', None)
        env.pop('OS_KEYSTONE_CONFIG_DIR', None)
        # eventlet and oslo deprecation warnings would drown the logs.
        env['PYTHONWARNINGS'] = 'ignore'
        return env

    def _launch(self) -> None:
        command = [str(self.venv / 'bin' / 'python'), str(LAUNCHER),
                   '--app', 'keystone.wsgi.api', '--name', 'keystone',
                   # Keystone reads its configuration files from here.
                   '--env', f'OS_KEYSTONE_CONFIG_FILES={self.config_file}',
                   '--bind', f'{self.host}:{self.port}',
                   '--threads', str(self.threads),
                   '--parent-pid', str(os.getpid())]
        if self.access_log:
            command.append('--access-log')
        with open(self.log_file, 'ab') as log:
            # Own process group, so stop() also reaches the gunicorn worker.
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self._env(),
                stdin=subprocess.DEVNULL, start_new_session=True)

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self.process.poll() is not None:
                raise KeystoneError(
                    f'keystone exited with status {self.process.returncode}\n'
                    f'{self.log_tail()}')
            try:
                if requests.get(self.auth_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise KeystoneError(
                    f'keystone did not answer on {self.auth_url}\n{self.log_tail()}')
            time.sleep(0.1)

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.admin.request(self.auth_url + path, method, json=body,
                                      raise_exc=True)
        return response.json() if response.content else {}

    def _get_or_create(self, collection: str, query: dict, body: dict) -> dict:
        found = self._request(
            'GET', f'/{collection}?{urllib.parse.urlencode(query)}')
        if found[collection]:
            return found[collection][0]
        singular = collection[:-1]
        return self._request('POST', f'/{collection}', {singular: body})[singular]

    def _create_accounts(self) -> None:
        for creds in (SERVICE, DEMO):
            self.create_account(creds)

    def create_account(self, creds: Credentials) -> None:
        """A user with its project and roles, unless they exist."""
        project = self._get_or_create(
            'projects', {'name': creds.project_name, 'domain_id': 'default'},
            {'name': creds.project_name, 'domain_id': 'default', 'enabled': True})
        user = self._get_or_create(
            'users', {'name': creds.username, 'domain_id': 'default'},
            {'name': creds.username, 'password': creds.password,
             'domain_id': 'default', 'default_project_id': project['id'],
             'enabled': True})
        for role_name in creds.roles:
            role = self._get_or_create('roles', {'name': role_name},
                                       {'name': role_name})
            self._request(
                'PUT',
                f'/projects/{project["id"]}/users/{user["id"]}/roles/{role["id"]}')


def main(argv: list[str] | None = None) -> int:
    """Run a Keystone in the foreground until interrupted (for manual use)."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('--work-dir')
    parser.add_argument('--port', type=int)
    parser.add_argument('--instance-ha-url')
    args = parser.parse_args(argv)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='keystone-')
    keystone = Keystone(work_dir, port=args.port, instance_ha_url=args.instance_ha_url)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with keystone:
        print(f'keystone at {keystone.auth_url} (work dir {work_dir}, '
              f'up in {keystone.startup_seconds:.1f} s)', flush=True)
        try:
            keystone.process.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
