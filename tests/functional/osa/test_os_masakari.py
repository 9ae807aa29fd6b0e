"""Deployed as OpenStack-Ansible's os_masakari role deploys: its files at
their /etc paths, every service started as its systemd unit starts it
(``<venv>/bin/<name>``, no --config-file, user masakari, the unit's bare
environment), a real Keystone, MariaDB and RabbitMQ, libvirtd with a QEMU
guest, and the Nova stand-in.

The role's files live in a temporary root that each service sees at the
real paths in a mount namespace of its own, so this machine's /etc is not
changed. The only root command the sudoers file allows is privsep-helper:
the process monitor restarts a crashed service as root through it.

Values of the role's variables that differ from its defaults: addresses,
ports and secrets of this test deployment, a database of its own, no
memcached (``masakari_memcached_servers`` empty), and
``keystone_service_internaluri`` at the Nova stand-in's identity service,
which is the only one whose tokens the stand-in accepts (the engine
reaches Nova through it); ``keystone_service_adminuri`` is the real
Keystone that checks the API's tokens and serves the monitors'.
"""
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import psutil
import pytest
import requests

import novasim
from novasim.state import Timings
from tests.functional.osa import host
from tests.functional.osa import role
from tests.monitors import libvirt_guests
from tests.monitors.daemon import wait_for
from tests.support import keystone as ks
from tests.support import rabbit
from tests.support.e2e import HA
from tests.support.e2e import Deployment

VENV_BIN = pathlib.Path(sys.executable).parent
COMPUTE_HOST = 'osa-compute-1'
MONITORS = ('masakari-hostmonitor', 'masakari-instancemonitor',
            'masakari-introspectiveinstancemonitor', 'masakari-processmonitor')
PRIVSEP_CONTEXT = 'masakarimonitors.privsep.monitors_priv'


def _unavailable(problem: str) -> None:
    if os.environ.get('CI') == 'true':
        pytest.fail(problem, pytrace=False)
    pytest.skip(problem)


def _require_machine() -> None:
    if os.geteuid() != 0:
        _unavailable('deploying as os_masakari needs root')
    for program in ('sudo', 'unshare', 'setpriv', 'rabbitmqctl'):
        if shutil.which(program) is None:
            _unavailable(f'{program} is not installed (make system-packages)')
    rabbit.require()
    libvirt_guests.require_libvirtd()
    namespace = subprocess.run(['unshare', '--mount', 'true'], capture_output=True,
                               text=True)
    if namespace.returncode != 0:
        _unavailable(f'no mount namespaces here: {namespace.stderr.strip()}')


def _check_venv_usable_by_masakari() -> None:
    python = subprocess.run(
        ['setpriv', f'--reuid={host.USER}', f'--regid={host.USER}', '--init-groups',
         str(VENV_BIN / 'python'), '-c', 'import masakari, masakarimonitors'],
        capture_output=True, text=True, env=host.SERVICE_ENV)
    assert python.returncode == 0, (
        f'user {host.USER} cannot use {VENV_BIN.parent} (every directory above '
        f'it must be traversable by others): {python.stderr.strip()}')


def _register_endpoints(keystone: ks.Keystone, url: str) -> None:
    """The internal and admin endpoints the role registers beside the
    public one (the monitors use the internal one)."""
    base, session = keystone.auth_url, keystone.admin
    [service] = session.get(f'{base}/services?type=instance-ha').json()['services']
    have = {e['interface'] for e in session.get(
        f'{base}/endpoints?service_id={service["id"]}').json()['endpoints']}
    for interface in {'internal', 'admin'} - have:
        session.post(f'{base}/endpoints', json={'endpoint': {
            'service_id': service['id'], 'interface': interface, 'url': url,
            'region_id': ks.REGION, 'enabled': True}})


def _supervised_service(bin_dir: pathlib.Path) -> dict:
    """A service for the process monitor: a copy of sleep under its own
    name, and a start script that detaches it (as a unit's start would)."""
    service = bin_dir / 'osa-supervised-service'
    start = bin_dir / 'osa-supervised-start'
    shutil.copy('/bin/sleep', service)
    start.write_text(f'#!/bin/sh\nsetsid {service} 86400 </dev/null >/dev/null 2>&1 &\n')
    for path in (service, start):
        path.chmod(0o755)
    return {'process_name': str(service), 'start_command': str(start),
            'restart_command': str(start), 'run_as_root': True}


def _processes(path: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(['cmdline'])
            if (p.info['cmdline'] or [''])[0] == path]


def _capabilities(pid: int) -> dict[str, int]:
    lines = pathlib.Path(f'/proc/{pid}/status').read_text().splitlines()
    return {key: int(value, 16) for key, value in
            (line.split(':\t') for line in lines if line.startswith('Cap'))}


class OSA:
    """What the fixture deployed."""

    def __init__(self, base: pathlib.Path, api: Deployment, sim, services: dict,
                 supervised: dict, relays: list[host.SocketRelay]) -> None:
        self.base, self.api, self.sim = base, api, sim
        self.services, self.supervised, self.relays = services, supervised, relays

    def privsep_helpers(self, monitor: str) -> list[psutil.Process]:
        """The privsep-helper processes started on behalf of ``monitor``."""
        pid = self.services[monitor].pid
        return [p for p in psutil.process_iter(['name', 'cmdline'])
                if PRIVSEP_CONTEXT in (p.info['cmdline'] or [])
                and p.info['name'] != 'sudo'
                and pid in [a.pid for a in p.parents()]]

    def wait_for(self, condition, timeout: float, what: str):
        """wait_for, with the services' logs when it times out."""
        try:
            return wait_for(condition, timeout, what)
        except AssertionError as error:
            raise AssertionError(f'{error}\n{self.logs()}') from None

    def logs(self) -> str:
        return ''.join(f'--- {name} ---\n{service.text()[-3000:]}\n'
                       for name, service in self.services.items())


@pytest.fixture(scope='module')
def osa(keystone, masakari_api_port, instance_ha_endpoint):
    _require_machine()
    host.ensure_system_user()
    _check_venv_usable_by_masakari()
    base = pathlib.Path(tempfile.mkdtemp(prefix='osa-'))
    base.chmod(0o755)
    (base / 'bin').mkdir(mode=0o755)
    (base / 'log').mkdir()
    suffix = uuid.uuid4().hex[:8]
    sim = novasim.Simulator()
    sim.cloud.timings = Timings(evacuate=0.5, stop=0.2, start=0.2)
    sim.cloud.add_host(COMPUTE_HOST)
    _register_endpoints(keystone, instance_ha_endpoint)
    supervised = _supervised_service(base / 'bin')
    root = host.Root(base)
    services: dict[str, host.Service] = {}
    relays: list[host.SocketRelay] = []
    guest = None
    with novasim.start(sim) as nova:
        variables = {
            **role.defaults(),
            'ansible_hostname': COMPUTE_HOST,
            'masakari_bin': str(VENV_BIN),
            'masakari_api_bind_address': '127.0.0.1',
            'masakari_api_service_port': masakari_api_port,
            'masakari_galera_address': '127.0.0.1',
            'masakari_galera_database': f'masakari_osa_{suffix}',
            'masakari_container_mysql_password': f'db-{suffix}',
            'masakari_oslomsg_rpc_servers': '127.0.0.1',
            'masakari_oslomsg_rpc_password': f'mq-{suffix}',
            'masakari_service_password': ks.SERVICE.password,
            'masakari_memcached_servers': '',
            'memcached_encryption_key': f'mc-{suffix}',
            'keystone_service_adminuri': keystone.url,
            'keystone_service_internaluri': nova.identity_url.removesuffix('/v3'),
        }
        vhost = 'masakari'
        try:
            host.create_vhost(vhost, variables['masakari_oslomsg_rpc_userid'],
                              variables['masakari_oslomsg_rpc_password'])
            host.create_database(variables['masakari_galera_database'],
                                 variables['masakari_galera_user'],
                                 variables['masakari_container_mysql_password'])
            root.install(role.render(variables, [supervised]))
            for real in host.LIBVIRT_SOCKETS:
                relays.append(host.SocketRelay(base / pathlib.Path(real).name, real,
                                               'libvirt'))
                root.bind(relays[-1].path, real)
            root.mountpoints()

            def start(name: str, *args: str) -> host.Service:
                services[name] = host.Service(root, [str(VENV_BIN / name), *args],
                                              base / 'log' / f'{name}.log')
                return services[name]

            sync = start('masakari-manage', 'db', 'sync')
            assert sync.wait(120) == 0, sync.text()
            del services['masakari-manage']
            api = start('masakari-api')
            start('masakari-engine')
            url = f'http://127.0.0.1:{masakari_api_port}'
            wait_for(lambda: _answers(url, api), 60, 'masakari-api')
            deployment = Deployment(url, sim, None, base, keystone.token(ks.ADMIN))
            for name in MONITORS:
                start(name)
            guest = libvirt_guests.Guest.start('osa')
            yield OSA(base, deployment, sim, services, supervised, relays)
        finally:
            host.stop_all(services.values())
            if guest is not None:
                guest.remove()
            for process in _processes(supervised['process_name']):
                process.kill()
            for relay in relays:
                relay.close()
            root.remove_mountpoints()
            host.drop_database(variables['masakari_galera_database'])
            host.delete_vhost(vhost)
            shutil.rmtree(base, ignore_errors=True)


def _answers(url: str, api: host.Service) -> bool:
    assert api.alive(), api.text()
    try:
        return requests.get(url + '/', timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_services_run_as_masakari_on_the_role_files(osa):
    """Each service runs as user masakari; the monitors' root commands go
    through sudo privsep-helper, which gets the discovered
    /etc/masakarimonitors/masakarimonitors.conf."""
    # Seen by the services only: this machine's /etc is left alone.
    assert not pathlib.Path('/etc/sudoers.d/masakari_sudoers').exists()
    assert not pathlib.Path('/etc/masakari/masakari.conf').exists()
    uid = pwd.getpwnam(host.USER).pw_uid
    for name, service in osa.services.items():
        assert service.alive(), osa.logs()
        assert psutil.Process(service.pid).uids().real == uid
    for monitor in ('masakari-processmonitor', 'masakari-hostmonitor'):
        [helper] = wait_for(lambda: osa.privsep_helpers(monitor), 30,
                            f'the privsep daemon of {monitor}')
        assert helper.uids().effective == 0
        assert helper.cmdline()[helper.cmdline().index('--config-file') + 1] == \
            '/etc/masakarimonitors/masakarimonitors.conf'
        assert 'sudo' in [p.name() for p in helper.parents()]


def test_process_monitor_restarts_a_crashed_service_as_root(osa):
    path = osa.supervised['process_name']
    [first] = wait_for(lambda: _processes(path), 30, 'the supervised service started')
    assert first.uids().real == 0
    first.kill()
    started = time.monotonic()
    [again] = wait_for(lambda: [p for p in _processes(path) if p.pid != first.pid],
                       30, 'the supervised service restarted')
    assert again.uids().real == 0
    # With root's capabilities, though the privsep daemon keeps none itself.
    capabilities = _capabilities(again.pid)
    assert capabilities['CapEff'] == capabilities['CapBnd'] != 0
    log = osa.services['masakari-processmonitor'].text()
    assert ('Restart of process with executing command: '
            f'{osa.supervised["restart_command"]}') in log, log
    print(f'restarted {time.monotonic() - started:.1f} s after the kill')


def test_vm_crash_recovered_end_to_end(osa):
    """The instance monitor (user masakari, libvirtd through the libvirt
    group's socket) sees a QEMU guest die by kill -9 and reports it; the
    API (Keystone tokens) hands it over RabbitMQ to the engine, which has
    Nova stop and start the server."""
    api, sim = osa.api, osa.sim
    api.segment('osa-segment', 'auto', [COMPUTE_HOST])
    guests = libvirt_guests.connect()
    [domain] = [d for d in guests.listAllDomains() if d.name().startswith('mmtest-osa-')]
    server = sim.cloud.add_server('osa-vm', COMPUTE_HOST, id=domain.UUIDString(),
                                  metadata=HA)
    # Both libvirt monitors connected (the instance monitor reads only, the
    # introspective one opens both sockets), and their callbacks registered.
    read_write, read_only = osa.relays
    osa.wait_for(lambda: read_write.connections >= 1 and read_only.connections >= 2,
                 30, 'the libvirt monitors connected')
    time.sleep(2)
    started = time.monotonic()
    os.kill(libvirt_guests.qemu_pid(domain.name()), 9)

    def notification():
        found = api.call('GET', '/notifications', 200)['notifications']
        return [n for n in found if n['type'] == 'VM'] or None
    [sent] = osa.wait_for(notification, 30, 'the VM notification')
    assert sent['payload']['instance_uuid'] == server.id
    assert sent['payload']['vir_domain_event'] == 'STOPPED_FAILED'
    shown = api.wait_for(sent['notification_uuid'], timeout=60)
    assert shown['status'] == 'finished', osa.logs()
    assert sim.cloud.get_server(server.id).vm_state == 'active'
    actions = [c['action'] for c in sim.calls.since()
               if c['path'] == f'/servers/{server.id}/action']
    assert actions == ['os-stop', 'os-start']
    print(f'VM recovered {time.monotonic() - started:.1f} s after the kill')
