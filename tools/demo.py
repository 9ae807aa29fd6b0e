"""``make demo``: Masakari doing its work on one machine; ``make demo-stop``.

``python tools/demo.py start`` brings up, each as a process of its own with
a pid file in ``.demo/pids`` and a log in ``.demo/logs``:

- the Nova stand-in (``python -m novasim``) as Nova and Keystone, with this
  machine and two more compute hosts in one failover segment plus a
  reserved host, and servers on them (most with ``HA_Enabled=True``);
- ``masakari-all-in-one``: masakari-api and masakari-engine in one process
  on SQLite and oslo.messaging's in-process ``fake://`` transport;
- masakari-instancemonitor (libvirtd and one QEMU guest), -processmonitor
  (one real child process) and -hostmonitor (the default pacemaker driver
  reading a CIB file with Pacemaker's own cibadmin),

then walks through a VM crash, a service crash and a compute host failure,
printing what the ``openstack`` CLI shows after each, and leaves everything
running with ``.demo/openrc``. ``python tools/demo.py stop`` stops exactly
the processes named by the pid files (and the demo's guest).

Run as root (libvirtd guests need it) with the project's virtualenv.
"""
import argparse
import json
import os
import pathlib
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
DEMO = REPO / '.demo'
PIDS = DEMO / 'pids'
LOGS = DEMO / 'logs'
BIN = pathlib.Path(sys.executable).parent
GUEST_FILE = DEMO / 'guest'
BROKEN_FLAG = DEMO / 'nova-compute.broken'
PACEMAKER_ROOT = REPO / '.pacemaker'

THIS_HOST = socket.gethostname()
FAILING_HOST = 'compute-2'
HOSTS = [THIS_HOST, FAILING_HOST, 'compute-3']
RESERVED_HOST = 'spare-1'
SEGMENT = 'demo-segment'
HA = {'HA_Enabled': 'True'}
# name -> (host, HA metadata); web-1 is the server whose guest crashes.
SERVERS = {
    'web-1': (THIS_HOST, HA), 'db-1': (THIS_HOST, HA),
    'app-1': (FAILING_HOST, HA), 'app-2': (FAILING_HOST, HA),
    'batch-1': (FAILING_HOST, {}), 'app-3': ('compute-3', HA),
}
CRASHING_SERVER = 'web-1'
FINAL = ('finished', 'failed', 'ignored', 'error')
LIBVIRT_URI = 'qemu:///system'
# A transient 64 MiB guest without disk idling in its network boot ROM:
# QEMU's TCG starts it in well under a second, with or without KVM.
GUEST_XML = """<domain type='qemu'>
  <name>{name}</name><uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>"""

# The engine's waits, cut from minutes to seconds (the Nova stand-in acts
# within a second); in production they are 60 to 180 seconds.
ENGINE_WAITS = """\
wait_period_after_service_update = 1
wait_period_after_evacuation = 30
wait_period_after_power_off = 30
wait_period_after_power_on = 30
verify_interval = 1
periodic_fuzzy_delay = 0
"""

# Stand-ins for what a pacemaker cluster node has besides the CIB:
# corosync traffic, and a controller in a stable state.
CLUSTER_TOOLS = {
    'cibadmin': """\
export CIB_file={demo}/cib.xml
export LD_LIBRARY_PATH={root}/usr/lib/x86_64-linux-gnu:{root}/usr/lib
export PCMK_schema_directory={root}/usr/share/pacemaker
exec {root}/usr/sbin/cibadmin "$@"
""",
    'crmadmin': 'echo "Controller on {host} in state S_IDLE: ok"\n',
    'tcpdump': 'echo "00:00:00.000000 IP 192.0.2.1.5404 > 192.0.2.2.5405: UDP, length 92"\n',
}


class StepFailed(Exception):
    pass


# What can go wrong in a step; each is reported in one line.
STEP_ERRORS = (StepFailed, requests.RequestException, OSError, subprocess.SubprocessError)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='tools/demo.py', description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=['start', 'stop'])
    args = parser.parse_args(argv)
    if args.action == 'stop':
        stop()
        return 0
    return Demo().run()


# -- processes ----------------------------------------------------------------

def start_process(name: str, argv: list[str], env: dict[str, str] | None = None
                  ) -> subprocess.Popen:
    """``argv`` in a session of its own, logging to .demo/logs/<name>.log."""
    with (LOGS / f'{name}.log').open('ab') as log:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, **(env or {})}, cwd=DEMO)
    (PIDS / f'{name}.pid').write_text(f'{process.pid}\n')
    return process


def ours(pid: int) -> bool:
    """Whether ``pid`` is still a process of this demo (its command line
    names the .demo directory), and not a reuse of the number."""
    try:
        cmdline = pathlib.Path(f'/proc/{pid}/cmdline').read_bytes()
        stat = pathlib.Path(f'/proc/{pid}/stat').read_text()
    except OSError:
        return False
    zombie = stat.rsplit(')', 1)[1].split()[0] == 'Z'
    return not zombie and str(DEMO).encode() in cmdline


def running_pids() -> dict[str, int]:
    found = {}
    for pid_file in sorted(PIDS.glob('*.pid')) if PIDS.exists() else ():
        try:
            pid = int(pid_file.read_text())
        except ValueError:
            continue
        if ours(pid):
            found[pid_file.stem] = pid
    return found


# Stopped first: a process monitor still running would restart the
# nova-compute that is being stopped.
MONITORS = ('processmonitor', 'instancemonitor', 'hostmonitor')


def stop() -> None:
    """Stops the processes of the pid files, the monitors first (SIGTERM to
    their session, SIGKILL after 15 s), and destroys the demo's guest."""
    pids = running_pids()
    if not pids:
        print('no demo process was running')
    _terminate({name: pid for name, pid in pids.items() if name in MONITORS})
    _terminate({name: pid for name, pid in running_pids().items() if name not in MONITORS})
    destroy_guest()
    for pid_file in PIDS.glob('*.pid') if PIDS.exists() else ():
        pid_file.unlink()


def _terminate(pids: dict[str, int]) -> None:
    for name, pid in pids.items():
        print(f'stopping {name} (pid {pid})')
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while any(ours(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for name, pid in pids.items():
        if ours(pid):
            print(f'{name} (pid {pid}) ignored SIGTERM: killed')
            _signal_group(pid, signal.SIGKILL)


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, signum)


def destroy_guest() -> None:
    if not GUEST_FILE.exists():
        return
    name = GUEST_FILE.read_text().strip()
    subprocess.run(['virsh', '-q', '-c', LIBVIRT_URI, 'destroy', name],
                   capture_output=True, timeout=60)
    GUEST_FILE.unlink()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until(what: str, condition: Callable[[], Any], timeout: float,
               interval: float = 0.2) -> Any:
    """Polls ``condition`` until it returns a true value; StepFailed naming
    ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(f'timed out after {timeout:.0f} s waiting for {what}')
        time.sleep(interval)


def log_has(name: str, text: str) -> bool:
    path = LOGS / f'{name}.log'
    return path.exists() and text in path.read_text(errors='replace')


def alive(name: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        tail = (LOGS / f'{name}.log').read_text(errors='replace')[-2000:]
        raise StepFailed(f'{name} exited with status {process.returncode}:\n{tail}')
    return True


# -- the demo -----------------------------------------------------------------

class Demo:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.nova_port = free_port()
        self.api_port = free_port()
        self.nova_url = f'http://127.0.0.1:{self.nova_port}'
        self.api_url = f'http://127.0.0.1:{self.api_port}'
        self.identity_url = f'{self.nova_url}/identity'
        self.session = requests.Session()
        self.failures: list[str] = []

    def say(self, text: str) -> None:
        print(f'[{time.monotonic() - self.started:5.1f} s] {text}', flush=True)

    def run(self) -> int:
        if running_pids():
            print('A demo is running already: stopping it first.')
            stop()
        self.prepare_directory()
        try:
            self.start_services()
        except STEP_ERRORS as error:
            print(f'\nThe demo could not start: {error}\nLogs: {LOGS}\n'
                  'Stop what did start with: make demo-stop', file=sys.stderr)
            return 1
        self.write_openrc()
        for title, step in (('1/3 VM crash', self.vm_crash),
                            ('2/3 service crash', self.service_crash),
                            ('3/3 compute host failure', self.host_failure)):
            print(f'\n=== Step {title} ===', flush=True)
            try:
                step()
            except STEP_ERRORS as error:
                self.failures.append(title)
                self.say(f'STEP {title} FAILED: {error}')
        self.what_next()
        return 1 if self.failures else 0

    def prepare_directory(self) -> None:
        for leftover in ('masakari.sqlite', 'cib.xml', BROKEN_FLAG.name):
            (DEMO / leftover).unlink(missing_ok=True)
        for directory in (DEMO, PIDS, LOGS, DEMO / 'bin'):
            directory.mkdir(parents=True, exist_ok=True)
        for log in LOGS.glob('*.log'):
            log.unlink()

    # -- start ---------------------------------------------------------------

    def start_services(self) -> None:
        self.say(f'Starting the Nova and Keystone stand-in on {self.nova_url}')
        seed = DEMO / 'novasim.json'
        seed.write_text(json.dumps(self.seed(), indent=1))
        nova = start_process('novasim', [
            str(BIN / 'python'), '-m', 'novasim', '--port', str(self.nova_port),
            '--seed', str(seed)])
        wait_until('the Nova stand-in to answer', lambda: alive('novasim', nova)
                   and self._answers(self.nova_url + '/'), 30)

        self.say(f'Starting masakari-api and masakari-engine in one process '
                 f'(masakari-all-in-one) on {self.api_url}: SQLite, no broker')
        config = self.write_masakari_conf()
        sync = subprocess.run([str(BIN / 'masakari-manage'), '--config-file', str(config),
                               'db', 'sync'], capture_output=True, text=True, timeout=120)
        if sync.returncode != 0:
            raise StepFailed(f'masakari-manage db sync failed:\n{sync.stdout}{sync.stderr}')
        masakari = start_process('masakari', [
            str(BIN / 'masakari-all-in-one'), '--config-file', str(config)])
        wait_until('masakari-api to answer', lambda: alive('masakari', masakari)
                   and self._answers(self.api_url + '/'), 60)
        self.say('The engine waits seconds, not minutes, in .demo/masakari.conf: '
                 'wait_period_after_service_update = 1 (default 180), verify_interval = 1')
        self.authenticate()
        self.create_segment()

        monitors_conf = self.write_monitors_conf()
        self.guest_reason = self.start_instancemonitor(monitors_conf)
        self.start_processmonitor(monitors_conf)
        self.cluster_reason = self.start_hostmonitor(monitors_conf)
        self.say('All services are up.')

    def _answers(self, url: str) -> bool:
        try:
            return self.session.get(url, timeout=5).status_code < 500
        except requests.RequestException:
            return False

    def seed(self) -> dict:
        hosts: list[Any] = list(HOSTS)
        # A spare host stays out of scheduling until Masakari needs it.
        hosts.append({'name': RESERVED_HOST, 'compute_service': {'disabled': True}})
        self.server_ids = {name: str(uuid.uuid4()) for name in SERVERS}
        return {
            'hosts': hosts,
            'servers': [{'name': name, 'host': host, 'id': self.server_ids[name],
                         'metadata': metadata}
                        for name, (host, metadata) in SERVERS.items()],
            'endpoints': [{'service_type': 'instance-ha', 'name': 'masakari',
                           'url': self.api_url}],
            'timings': {'evacuate': 1.0, 'stop': 0.3, 'start': 0.3},
        }

    def write_masakari_conf(self) -> pathlib.Path:
        database = f'sqlite:///{DEMO}/masakari.sqlite'
        path = DEMO / 'masakari.conf'
        path.write_text(f"""\
[DEFAULT]
auth_strategy = keystone
# oslo.messaging's in-process driver: the API casts to the engine inside
# masakari-all-in-one. Several processes need a broker (rabbit://...).
transport_url = fake://
masakari_api_listen = 127.0.0.1
masakari_api_listen_port = {self.api_port}
os_privileged_user_auth_url = {self.identity_url}
os_privileged_user_name = masakari
os_privileged_user_password = masakari
os_privileged_user_tenant = service
# The demo's engine waits seconds, not minutes (defaults 60 to 180 s).
{ENGINE_WAITS}
[database]
connection = {database}

[taskflow]
connection = {database}

[keystone_authtoken]
www_authenticate_uri = {self.identity_url}
auth_url = {self.identity_url}
auth_type = password
username = masakari
password = masakari
project_name = service
user_domain_name = Default
project_domain_name = Default

[wsgi]
api_paste_config = {REPO}/etc/masakari/api-paste.ini
""")
        return path

    def authenticate(self) -> None:
        response = self.session.post(self.identity_url + '/v3/auth/tokens', json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': 'admin', 'password': 'admin', 'domain': {'name': 'Default'}}}},
            'scope': {'project': {'name': 'admin', 'domain': {'name': 'Default'}}}}},
            timeout=10)
        response.raise_for_status()
        self.session.headers.update({'X-Auth-Token': response.headers['X-Subject-Token'],
                                     'OpenStack-API-Version': 'instance-ha 1.3'})

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.session.request(method, f'{self.api_url}/v1{path}', json=body,
                                        timeout=30)
        if response.status_code >= 400:
            raise StepFailed(f'{method} /v1{path} answered {response.status_code}: '
                             f'{response.text[:500]}')
        return response.json() if response.content else {}

    def create_segment(self) -> None:
        segment = self.api('POST', '/segments', {'segment': {
            'name': SEGMENT, 'recovery_method': 'reserved_host',
            'service_type': 'COMPUTE', 'description': 'Hosts of the demo'}})['segment']
        self.host_uuids = {}
        for host in HOSTS + [RESERVED_HOST]:
            self.host_uuids[host] = self.api('POST', f"/segments/{segment['uuid']}/hosts", {
                'host': {'name': host, 'type': 'COMPUTE', 'control_attributes': 'SSH',
                         'reserved': host == RESERVED_HOST}})['host']['uuid']
        self.say(f"Failover segment {SEGMENT} (recovery method reserved_host): "
                 f"{', '.join(HOSTS)} and the reserved host {RESERVED_HOST}")

    def write_monitors_conf(self) -> pathlib.Path:
        path = DEMO / 'masakarimonitors.conf'
        path.write_text(f"""\
[DEFAULT]
hostname = {THIS_HOST}

[api]
auth_url = {self.identity_url}
username = masakari
password = masakari
project_name = service
user_domain_name = Default
project_domain_name = Default
region = RegionOne

[callback]
retry_max = 3
retry_interval = 1

[libvirt]
connection_uri = {LIBVIRT_URI}

[process]
process_list_path = {DEMO}/process_list.yaml
# Checked every second, restarted once before Masakari is told.
check_interval = 1
restart_retries = 1
restart_interval = 1
api_retry_max = 3
api_retry_interval = 1

[host]
monitoring_interval = 1
monitoring_samples = 1
pacemaker_node_type = cluster
corosync_multicast_interfaces = lo
corosync_multicast_ports = 5405
tcpdump_timeout = 2
stonith_wait = 0
# No BMC to ask whether a host is powered off.
disable_ipmi_check = true
api_retry_max = 3
api_retry_interval = 1
""")
        return path

    def start_instancemonitor(self, conf: pathlib.Path) -> str | None:
        """Starts libvirtd, the guest of web-1 and the monitor; the reason
        when no guest can run here."""
        problem = self._libvirt_problem()
        if problem:
            self.say(f'No QEMU guest can run here ({problem}): step 1 sends the '
                     'notification the instance monitor would send.')
            return problem
        import libvirt
        # One guest name per checkout: two demos do not touch each other's.
        name = f'masakari-demo-{uuid.uuid5(uuid.NAMESPACE_URL, str(DEMO)).hex[:8]}'
        libvirt.registerErrorHandler(lambda *_: None, None)   # errors are raised
        conn = libvirt.open(LIBVIRT_URI)
        try:
            try:
                conn.lookupByName(name).destroy()
            except libvirt.libvirtError:
                pass
            conn.createXML(GUEST_XML.format(name=name,
                                            uuid=self.server_ids[CRASHING_SERVER]), 0)
        except libvirt.libvirtError as error:
            self.say(f'No QEMU guest can run here ({error}): step 1 sends the '
                     'notification the instance monitor would send.')
            return str(error)
        finally:
            conn.close()
        GUEST_FILE.write_text(name + '\n')
        self.guest_name = name
        self.say(f'QEMU guest {name} runs as server {CRASHING_SERVER} '
                 f'({self.server_ids[CRASHING_SERVER]}) on {THIS_HOST}')
        # --debug: the monitor logs its connection to libvirtd at DEBUG.
        monitor = start_process('instancemonitor', [
            str(BIN / 'masakari-instancemonitor'), '--config-file', str(conf), '--debug'])
        wait_until('masakari-instancemonitor to connect to libvirtd',
                   lambda: alive('instancemonitor', monitor)
                   and log_has('instancemonitor', 'Registered libvirt event callbacks'), 30)
        self.say('masakari-instancemonitor watches libvirtd')
        return None

    def _libvirt_problem(self) -> str | None:
        if os.geteuid() != 0:
            return 'qemu:///system needs root'
        if not pathlib.Path('/usr/bin/qemu-system-x86_64').exists():
            return 'qemu-system-x86 is not installed'
        try:
            import libvirt  # noqa: F401
        except ImportError:
            return 'libvirt-python is not installed'
        result = subprocess.run(['bash', str(REPO / 'tools/libvirtd.sh')],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            return f'libvirtd does not start: {result.stderr.strip()}'
        return None

    def start_processmonitor(self, conf: pathlib.Path) -> None:
        service = DEMO / 'bin' / 'nova-compute'
        script(service, f'#!{sys.executable}\n'
                        '"""The demo\'s nova-compute: a process that runs until killed."""\n'
                        'import time\nwhile True:\n    time.sleep(3600)\n')
        starter = DEMO / 'bin' / 'start-nova-compute'
        script(starter, f"""\
#!/bin/sh
# Starts the demo's nova-compute detached, unless the demo broke it.
if [ -e {BROKEN_FLAG} ]; then
    echo "nova-compute cannot start: {BROKEN_FLAG} exists" >&2
    exit 1
fi
setsid {service} </dev/null >>{LOGS}/nova-compute.log 2>&1 &
echo $! > {PIDS}/nova-compute.pid
""")
        (DEMO / 'process_list.yaml').write_text(f"""\
# The demo's processes kept alive by masakari-processmonitor.
-
    process_name: {service}
    start_command: {starter}
    pre_start_command: ''
    post_start_command: ''
    restart_command: {starter}
    pre_restart_command: ''
    post_restart_command: ''
    run_as_root: False
""")
        # Refused if others may write it, whatever the caller's umask.
        (DEMO / 'process_list.yaml').chmod(0o644)
        monitor = start_process('processmonitor', [
            str(BIN / 'masakari-processmonitor'), '--config-file', str(conf)])
        wait_until('masakari-processmonitor to start nova-compute',
                   lambda: alive('processmonitor', monitor) and self.nova_compute_pid(), 30)
        self.say(f'masakari-processmonitor started nova-compute '
                 f'(pid {self.nova_compute_pid()}) and watches it')

    def nova_compute_pid(self) -> int | None:
        pids = running_pids()
        return pids.get('nova-compute')

    def start_hostmonitor(self, conf: pathlib.Path) -> str | None:
        """Writes the CIB of a healthy cluster and starts the monitor; the
        reason when Pacemaker's tools are missing."""
        if not (PACEMAKER_ROOT / '.complete').exists():
            fetch = ['bash', str(REPO / 'tools/pacemaker-tools.sh')]
            result = subprocess.run(fetch, capture_output=True, text=True, timeout=300)
            if result.returncode != 0 and os.geteuid() == 0:
                # apt-get download needs package lists, which a fresh
                # machine whose packages were all there may not have.
                subprocess.run(['apt-get', 'update', '-qq'], capture_output=True, timeout=300)
                result = subprocess.run(fetch, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                problem = f'Pacemaker tools unavailable: {result.stderr.strip()}'
                self.say(f'{problem}: step 3 sends the notification the host monitor '
                         'would send.')
                return problem
        for tool, body in CLUSTER_TOOLS.items():
            script(DEMO / 'bin' / tool, '#!/bin/sh\n' + body.format(
                demo=DEMO, root=PACEMAKER_ROOT, host=THIS_HOST))
        self.write_cib(offline=())
        monitor = start_process('hostmonitor', [
            str(BIN / 'masakari-hostmonitor'), '--config-file', str(conf)],
            env={'PATH': f"{DEMO / 'bin'}:{os.environ['PATH']}"})
        wait_until('masakari-hostmonitor to read the cluster',
                   lambda: alive('hostmonitor', monitor) and log_has(
                       'hostmonitor', f"Recognized '{FAILING_HOST}' as a new member"), 30)
        self.say(f'masakari-hostmonitor watches the pacemaker cluster of '
                 f"{', '.join(HOSTS + [RESERVED_HOST])} (CIB in {DEMO}/cib.xml)")
        return None

    def write_cib(self, offline: tuple[str, ...]) -> None:
        """The CIB file pacemaker would keep: every node a member, except
        those ``offline`` (lost by corosync too)."""
        nodes = HOSTS + [RESERVED_HOST]
        config = ''.join(f'<node id="{i}" uname="{name}"/>' for i, name in enumerate(nodes, 1))
        status = ''.join(
            f'<node_state id="{i}" uname="{name}" '
            + ('in_ccm="false" crmd="offline" join="down" expected="down"/>'
               if name in offline else
               'in_ccm="true" crmd="online" join="member" expected="member"/>')
            for i, name in enumerate(nodes, 1))
        cib = (f'<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" '
               f'num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">'
               f'<configuration><crm_config/><nodes>{config}</nodes><resources/>'
               f'<constraints/></configuration><status>{status}</status></cib>\n')
        tmp = DEMO / 'cib.xml.tmp'
        tmp.write_text(cib)
        os.replace(tmp, DEMO / 'cib.xml')

    def write_openrc(self) -> None:
        (DEMO / 'openrc').write_text(f"""\
# Source me: the openstack CLI as admin against the demo's Keystone stand-in.
export PATH={BIN}:$PATH
export OS_AUTH_URL={self.identity_url}/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=admin
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_HA_API_VERSION=1.3
export PYTHONWARNINGS=ignore
""")

    # -- the steps -------------------------------------------------------------

    def notifications(self) -> list[dict]:
        return self.api('GET', '/notifications?sort_key=created_at&sort_dir=asc')['notifications']

    def find_notification(self, type_: str, host: str, payload: dict) -> dict | None:
        """The notification of ``type_`` about ``host`` whose payload holds
        ``payload`` (other guests on this machine may crash too)."""
        for notification in self.notifications():
            if (notification['type'] == type_
                    and notification['source_host_uuid'] == self.host_uuids[host]
                    and payload.items() <= notification['payload'].items()):
                return notification
        return None

    def await_recovery(self, type_: str, host: str, payload: dict, reported_by: str,
                       timeout: float = 30) -> None:
        """Waits for the notification and for the engine to finish with it,
        then shows it with the openstack CLI."""
        notification = wait_until(f'a {type_} notification from {reported_by}',
                                  lambda: self.find_notification(type_, host, payload), timeout)
        uuid_ = notification['notification_uuid']
        self.say(f"{reported_by} reported it: {type_} notification {uuid_} is "
                 f"{notification['status']}")
        shown = wait_until(f'the engine to finish notification {uuid_}',
                           lambda: self._final(uuid_), 60)
        self.say(f"masakari-engine: notification {uuid_} is {shown['status']}")
        self.openstack('notification', 'list')
        # YAML: recovery_workflow_details is a long list of tasks.
        self.openstack('--os-ha-api-version', '1.3', 'notification', 'show', uuid_,
                       '-f', 'yaml')
        if type_ == 'COMPUTE_HOST':
            self.openstack('notification', 'vmove', 'list', uuid_)
        if shown['status'] != 'finished':
            raise StepFailed(f"recovery ended '{shown['status']}'; see "
                             f"{LOGS}/masakari.log")

    def _final(self, notification_uuid: str) -> dict | None:
        shown = self.api('GET', f'/notifications/{notification_uuid}')['notification']
        return shown if shown['status'] in FINAL else None

    def send_through_api(self, type_: str, hostname: str, payload: dict) -> None:
        """What a monitor would post, sent with the openstack CLI."""
        generated = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())
        self.openstack('notification', 'create', type_, hostname, generated,
                       json.dumps(payload))

    def vm_crash(self) -> None:
        server_id = self.server_ids[CRASHING_SERVER]
        if self.guest_reason:
            self.say(f'No guest to kill ({self.guest_reason}): sending the VM notification '
                     'masakari-instancemonitor sends when QEMU dies')
            self.send_through_api('VM', THIS_HOST, {
                'event': 'LIFECYCLE', 'instance_uuid': server_id,
                'vir_domain_event': 'STOPPED_FAILED'})
            reporter = 'the openstack CLI'
        else:
            pid = self.qemu_pid()
            os.kill(pid, signal.SIGKILL)
            self.say(f'kill -9 {pid}: the QEMU process of {CRASHING_SERVER} crashed')
            reporter = 'masakari-instancemonitor'
        self.await_recovery('VM', THIS_HOST, {'instance_uuid': server_id}, reporter)
        state = self.nova_server(server_id)
        self.say(f"Nova: {CRASHING_SERVER} was stopped and started again by the engine, "
                 f"now {state['status']} on {state['OS-EXT-SRV-ATTR:host']}")
        if not self.guest_reason:
            self.say('(the Nova stand-in does not drive libvirt: the guest itself stays down)')

    def qemu_pid(self) -> int:
        name = f'guest={self.guest_name}'
        for proc in pathlib.Path('/proc').iterdir():
            if proc.name.isdigit():
                try:
                    args = (proc / 'cmdline').read_bytes().split(b'\0')
                except OSError:
                    continue
                if any(arg.decode(errors='replace').startswith(name) for arg in args):
                    return int(proc.name)
        raise StepFailed(f'no QEMU process for {self.guest_name}')

    def service_crash(self) -> None:
        pid = wait_until('nova-compute to run', self.nova_compute_pid, 10)
        os.kill(pid, signal.SIGKILL)
        self.say(f'kill -9 {pid}: nova-compute crashed')
        restarted = wait_until('masakari-processmonitor to restart nova-compute',
                               lambda: (self.nova_compute_pid() or pid) != pid
                               and self.nova_compute_pid(), 20)
        self.say(f'masakari-processmonitor restarted it (pid {restarted}); '
                 'no notification: the restart worked')

        BROKEN_FLAG.touch()
        os.kill(restarted, signal.SIGKILL)
        self.say(f'kill -9 {restarted} again, and now its restart fails '
                 f'({BROKEN_FLAG.name} exists)')
        self.await_recovery('PROCESS', THIS_HOST, {'process_name': 'nova-compute'},
                            'masakari-processmonitor')
        service = self.nova_service(THIS_HOST)
        self.say(f"Nova: nova-compute on {THIS_HOST} is {service['status']} "
                 f"({service['disabled_reason']}): no new servers land there")
        BROKEN_FLAG.unlink()
        subprocess.run([str(DEMO / 'bin' / 'start-nova-compute')], check=True, timeout=10)
        self.say('nova-compute repaired and started again; masakari-processmonitor '
                 'watches it again')

    def host_failure(self) -> None:
        self.nova_control('POST', f'/hosts/{FAILING_HOST}/down',
                          {'report_after': 0, 'back_after': None})
        if self.cluster_reason:
            self.say(f'{FAILING_HOST} lost power. No pacemaker cluster to watch '
                     f'({self.cluster_reason}): sending the COMPUTE_HOST notification '
                     'masakari-hostmonitor sends')
            self.send_through_api('COMPUTE_HOST', FAILING_HOST, {
                'event': 'STOPPED', 'cluster_status': 'OFFLINE', 'host_status': 'NORMAL'})
            reporter = 'the openstack CLI'
        else:
            self.write_cib(offline=(FAILING_HOST,))
            self.say(f'{FAILING_HOST} lost power: Nova stops hearing from it and '
                     'pacemaker marks it offline')
            reporter = 'masakari-hostmonitor'
        self.await_recovery('COMPUTE_HOST', FAILING_HOST, {'event': 'STOPPED'}, reporter)
        for name, (host, _) in SERVERS.items():
            if host == FAILING_HOST:
                state = self.nova_server(self.server_ids[name])
                self.say(f"Nova: {name} is {state['status']} on "
                         f"{state['OS-EXT-SRV-ATTR:host']}")

    # -- helpers -----------------------------------------------------------------

    def openstack(self, *args: str) -> None:
        """Runs the openstack CLI with .demo/openrc's settings, printing what it shows."""
        command = ['openstack', *args]
        self.say('$ ' + shlex.join(command))
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env.update(self._openrc_env())
        result = subprocess.run([str(BIN / 'openstack'), *args], env=env, capture_output=True,
                                text=True, timeout=60, cwd=DEMO)
        if result.returncode != 0:
            raise StepFailed(f'openstack {" ".join(args)} failed: {result.stderr.strip()}')
        print(result.stdout, end='', flush=True)

    def _openrc_env(self) -> dict[str, str]:
        env = {}
        for line in (DEMO / 'openrc').read_text().splitlines():
            if line.startswith('export OS_') or line.startswith('export PYTHONWARNINGS'):
                key, value = line[len('export '):].split('=', 1)
                env[key] = value
        return env

    def nova_control(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f'{self.nova_url}/_sim{path}', json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def nova_server(self, server_id: str) -> dict:
        response = self.session.get(f'{self.nova_url}/compute/v2.1/servers/{server_id}',
                                    headers={'X-OpenStack-Nova-API-Version': '2.53'},
                                    timeout=10)
        response.raise_for_status()
        return response.json()['server']

    def nova_service(self, host: str) -> dict:
        response = self.session.get(f'{self.nova_url}/compute/v2.1/os-services',
                                    params={'host': host, 'binary': 'nova-compute'},
                                    headers={'X-OpenStack-Nova-API-Version': '2.53'},
                                    timeout=10)
        response.raise_for_status()
        return response.json()['services'][0]

    def what_next(self) -> None:
        took = time.monotonic() - self.started
        if self.failures:
            print(f'\nThe demo ran in {took:.0f} s; these steps failed: '
                  f"{', '.join(self.failures)}. Logs: {LOGS}")
        else:
            print(f'\nAll three recoveries finished; the demo ran in {took:.0f} s.')
        print(f"""
The services keep running (logs in {LOGS}). Try:

    . .demo/openrc
    openstack segment list
    openstack segment host list {SEGMENT}
    openstack notification list
    openstack notification show <notification_uuid>
    openstack notification vmove list <notification_uuid>

Configuration: .demo/masakari.conf, .demo/masakarimonitors.conf,
.demo/process_list.yaml. The Nova stand-in's state: curl {self.nova_url}/_sim/state
Stop everything with: make demo-stop""")


def script(path: pathlib.Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


if __name__ == '__main__':
    sys.exit(main())
