"""``make demo`` and ``make demo-stop`` in a fresh clone of this repository
(HEAD), with a fresh ``.venv``, as a new user runs them.

The outcome of each step is read from the API and the Nova stand-in, not
from the demo's printout. Installing the virtualenv takes most of the time
(a minute or more with pip's cache); the walk-through itself under one.
"""
import json
import os
import pathlib
import subprocess
import time

import pytest
import requests

from tests.support.api_server import REPO

STEP_LOGS = {'VM': 'instancemonitor', 'PROCESS': 'processmonitor',
             'COMPUTE_HOST': 'hostmonitor'}


def make(clone: pathlib.Path, target: str, timeout: float) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'VIRTUAL_ENV', 'PYTHON'))}
    return subprocess.run(['make', '-C', str(clone), target], env=env, capture_output=True,
                          text=True, timeout=timeout)


def openrc(clone: pathlib.Path) -> dict[str, str]:
    values = {}
    for line in (clone / '.demo/openrc').read_text().splitlines():
        if line.startswith('export OS_'):
            key, value = line[len('export '):].split('=', 1)
            values[key] = value
    return values


def demo_processes(clone: pathlib.Path) -> list[int]:
    """Every live process whose command line names the clone's .demo."""
    marker = str(clone / '.demo').encode()
    found = []
    for proc in pathlib.Path('/proc').iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / 'cmdline').read_bytes()
            state = (proc / 'stat').read_text().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != 'Z':
            found.append(int(proc.name))
    return found


class Cloud:
    """The demo's Keystone stand-in, and through its catalog Masakari and Nova."""

    def __init__(self, rc: dict[str, str]):
        response = requests.post(rc['OS_AUTH_URL'] + '/auth/tokens', json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': rc['OS_USERNAME'], 'password': rc['OS_PASSWORD'],
                'domain': {'name': rc['OS_USER_DOMAIN_NAME']}}}},
            'scope': {'project': {'name': rc['OS_PROJECT_NAME'],
                                  'domain': {'name': rc['OS_PROJECT_DOMAIN_NAME']}}}}},
            timeout=10)
        response.raise_for_status()
        catalog = {service['type']: service['endpoints'][0]['url']
                   for service in response.json()['token']['catalog']}
        self.masakari, self.nova = catalog['instance-ha'], catalog['compute']
        self.session = requests.Session()
        self.session.headers.update({'X-Auth-Token': response.headers['X-Subject-Token'],
                                     'OpenStack-API-Version': 'instance-ha 1.3'})

    def ha(self, path: str):
        response = self.session.get(f'{self.masakari}/v1{path}', timeout=10)
        response.raise_for_status()
        return response.json()

    def servers(self) -> dict[str, dict]:
        response = self.session.get(f'{self.nova}/servers/detail', params={'all_tenants': 1},
                                    headers={'X-OpenStack-Nova-API-Version': '2.53'},
                                    timeout=10)
        response.raise_for_status()
        return {server['id']: server for server in response.json()['servers']}


@pytest.fixture
def clone(tmp_path):
    path = tmp_path / 'masakari'
    subprocess.run(['git', 'clone', '-q', str(REPO), str(path)], check=True, timeout=120)
    yield path
    if (path / '.demo/pids').exists():
        make(path, 'demo-stop', 120)


def test_make_demo_in_a_fresh_clone(clone):
    if os.geteuid() != 0 and os.environ.get('CI') != 'true':
        pytest.skip('make demo installs Debian packages: it runs as root')
    started = time.monotonic()
    demo = make(clone, 'demo', 1800)
    took = time.monotonic() - started
    print(f'make demo on a fresh clone took {took:.0f} s')
    assert demo.returncode == 0, demo.stdout[-5000:] + demo.stderr[-5000:]
    assert 'All three recoveries finished' in demo.stdout

    cloud = Cloud(openrc(clone))
    servers = cloud.servers()
    [crashed] = [s['id'] for s in servers.values() if s['name'] == 'web-1']
    # Only the crash of web-1's guest counts: other guests of this machine
    # may die meanwhile and be reported too.
    notifications = {n['type']: n for n in cloud.ha('/notifications')['notifications']
                     if n['type'] != 'VM' or n['payload']['instance_uuid'] == crashed}
    assert sorted(notifications) == ['COMPUTE_HOST', 'PROCESS', 'VM']
    assert {n['status'] for n in notifications.values()} == {'finished'}
    assert servers[crashed]['status'] == 'ACTIVE'
    if os.environ.get('CI') == 'true':
        # Here every step goes through its real monitor, none through the CLI.
        for type_, log in STEP_LOGS.items():
            text = (clone / f'.demo/logs/{log}.log').read_text()
            assert notifications[type_]['notification_uuid'] in text, type_

    host_failure = notifications['COMPUTE_HOST']
    vmoves = cloud.ha(f"/notifications/{host_failure['notification_uuid']}/vmoves")['vmoves']
    assert vmoves and {v['status'] for v in vmoves} == {'succeeded'}
    assert {v['source_host'] for v in vmoves} == {'compute-2'}
    for vmove in vmoves:
        server = servers[vmove['instance_uuid']]
        assert server['status'] == 'ACTIVE'
        assert server['OS-EXT-SRV-ATTR:host'] == vmove['dest_host'] != 'compute-2'
    assert not [s for s in servers.values() if s['OS-EXT-SRV-ATTR:host'] == 'compute-2']

    listed = subprocess.run(
        ['bash', '-c', '. .demo/openrc && openstack notification list -f json'],
        cwd=clone, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith('OS_')})
    assert listed.returncode == 0, listed.stderr
    assert {n['notification_uuid'] for n in json.loads(listed.stdout)} >= {
        n['notification_uuid'] for n in notifications.values()}

    # novasim, masakari, three monitors and nova-compute, all running.
    started_pids = {int(p.read_text()) for p in (clone / '.demo/pids').glob('*.pid')}
    assert len(started_pids) == 6 and started_pids <= set(demo_processes(clone))
    stopped = make(clone, 'demo-stop', 120)
    assert stopped.returncode == 0, stopped.stderr
    assert 'ignored SIGTERM' not in stopped.stdout, stopped.stdout
    assert demo_processes(clone) == []
