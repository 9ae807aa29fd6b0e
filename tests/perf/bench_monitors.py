"""Benchmark of the compute-node monitors: detection latency and footprint.

    .venv/bin/python -m tests.perf.bench_monitors [--target ours|upstream|both]
        [--tries 20] [--domains 50] [--processes 20] [--idle 60]
        [--upstream-venv PATH]

Everything real but the Masakari API (the stdlib stub of the monitors'
tests, which stamps each notification as it arrives): libvirtd with QEMU
TCG guests, detached child processes, the monitors' console scripts.

- instance: a guest's qemu killed with SIGKILL; reports the libvirtd floor
  (kill -> STOPPED_FAILED delivered to masakari-instancemonitor, read from
  its "libvirt Event Received." line) and the monitor's own part (event
  delivered -> notification received by the API).
- process: one of ``--processes`` monitored processes killed with SIGKILL
  at a random point of the 5 s check interval -> its restart command
  started (the command stamps the time first).
- footprint: ``--domains`` running guests that carry a guest-agent
  channel, ``--processes`` monitored processes and a three-node Pacemaker
  CIB; RSS and CPU (children included) of each daemon over ``--idle``
  seconds after start-up, then the instance monitor's RSS once it has
  sent one notification.

``--target upstream`` runs upstream masakari-monitors 22.0.0 from the venv
that ``sh tests/perf/upstream_monitors_venv.sh`` creates.
"""
import argparse
import dataclasses
import datetime
import math
import os
import pathlib
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time

import libvirt
import yaml

from tests.monitors import libvirt_guests
from tests.monitors import pacemaker_cluster
from tests.monitors import processes
from tests.monitors import stub_api
from tests.monitors.daemon import Daemon

OURS_BIN = pathlib.Path(sys.executable).parent
DEFAULT_UPSTREAM_VENV = pathlib.Path('/work/upstream-masakari-monitors/venv')
URI = libvirt_guests.URI
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
EVENT_LINE = re.compile(
    r'libvirt Event Received\.type = VM\s+hostname = \S+ uuid = (\S+) '
    r'time = (\S+ \S+) eventID = 0 eventType = 5\s+detail = 5')


@dataclasses.dataclass
class Target:
    name: str
    bin_dir: pathlib.Path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f'n={len(ms)} p50 {statistics.median(ms):.0f} ms, '
            f'p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms')


def start_daemon(target: Target, script: str, workdir: pathlib.Path,
                 sections: dict[str, dict],
                 env: dict[str, str] | None = None) -> Daemon:
    """One monitor's console script with its own config and log file; the
    environment is this one's, not the tests' (no PYTHONPATH: it would
    shadow the upstream package)."""
    return Daemon(script, workdir, sections, env=env,
                  bin_dir=target.bin_dir, repo_on_path=False, debug=False)


def cpu_seconds(daemon: Daemon) -> float:
    fields = pathlib.Path(f'/proc/{daemon.pid}/stat').read_text()
    # utime stime cutime cstime follow the ')' closing the name.
    values = fields.rsplit(')', 1)[1].split()
    return sum(int(v) for v in values[11:15]) / CLOCK_TICKS


def rss_mb(daemon: Daemon) -> float:
    status = pathlib.Path(f'/proc/{daemon.pid}/status').read_text()
    kb = int(re.search(r'VmRSS:\s+(\d+) kB', status).group(1))
    return kb / 1024


def base_sections(stub: stub_api.StubAPI) -> dict[str, dict]:
    return {'DEFAULT': {'debug': 'True', 'hostname': 'bench-node'},
            'api': stub.api_options(),
            'callback': {'retry_max': 0, 'retry_interval': 1}}


# Guests -------------------------------------------------------------------

class Guests:
    """Transient TCG guests with a guest-agent channel, removed on exit."""

    def __init__(self) -> None:
        # Destroying a guest whose qemu was killed fails, as it should;
        # libvirt need not print that.
        libvirt.registerErrorHandler(lambda ctx, error: None, None)
        self.conn = libvirt_guests.connect()
        self.started: list[libvirt_guests.Guest] = []

    def start(self, count: int) -> list[libvirt_guests.Guest]:
        for _ in range(count):
            name = libvirt_guests.unique_name('bench')
            self.started.append(libvirt_guests.Guest(
                self.conn, name, libvirt_guests.agent_channel(name)))
        return self.started[-count:]

    def close(self) -> None:
        for guest in self.started:
            guest.remove()
        self.conn.close()


def kill_qemu(guest: libvirt_guests.Guest) -> float:
    """SIGKILL the guest's qemu; when it was sent."""
    pid = guest.qemu_pid()
    when = time.time()
    os.kill(pid, signal.SIGKILL)
    return when


def bench_instance(target: Target, workdir: pathlib.Path,
                   tries: int) -> dict[str, list[float]]:
    floor, ours = [], []
    with stub_api.StubAPI() as stub:
        daemon = start_daemon(target, 'masakari-instancemonitor', workdir, {
            **base_sections(stub), 'libvirt': {'connection_uri': URI}})
        guests = Guests()
        try:
            daemon.wait_for_log('Starting masakarimonitors-instancemonitor',
                                timeout=60)
            started = guests.start(tries)
            time.sleep(2)
            for count, guest in enumerate(started, 1):
                uuid = guest.uuid
                killed = kill_qemu(guest)
                arrived = wait_for_notification(stub, count, uuid)
                delivered = event_time(daemon, uuid)
                floor.append(delivered - killed)
                ours.append(arrived - delivered)
        finally:
            guests.close()
            daemon.stop()
    return {'kill -> event delivered (libvirtd floor)': floor,
            'event delivered -> notification received': ours}


def wait_for_notification(stub: stub_api.StubAPI, count: int,
                          uuid: str) -> float:
    received = stub.wait_for(count, timeout=30)
    arrived = time.time()
    if len(received) < count:
        raise RuntimeError(f'no notification for {uuid}')
    payload = received[count - 1]['notification']['payload']
    if payload.get('instance_uuid') != uuid:
        raise RuntimeError(f'unexpected notification {payload}')
    return arrived


def event_time(daemon: Daemon, uuid: str) -> float:
    for found_uuid, when in EVENT_LINE.findall(daemon.text()):
        if found_uuid == uuid:
            naive = datetime.datetime.fromisoformat(when)
            return naive.replace(tzinfo=datetime.UTC).timestamp()
    raise RuntimeError(f'no STOPPED_FAILED event line for {uuid}')


# Processes ------------------------------------------------------------------

def monitored_processes(workdir: pathlib.Path,
                        count: int) -> list[processes.Sleeper]:
    sleepers = []
    for n in range(count):
        sleeper = processes.Sleeper(workdir / f'proc-{n}')
        sleeper.restart_script = sleeper.script('restart.sh', f"""\
            date +%s.%N >> {sleeper.directory}/restarted
            setsid /bin/sleep {sleeper.seconds} </dev/null >/dev/null 2>&1 &
            """)
        sleepers.append(sleeper)
    return sleepers


def process_list(workdir: pathlib.Path,
                 sleepers: list[processes.Sleeper]) -> pathlib.Path:
    path = workdir / 'process_list.yaml'
    path.write_text(yaml.safe_dump([
        s.entry(restart_command=str(s.restart_script)) for s in sleepers]))
    return path


def restart_stamps(sleeper: processes.Sleeper) -> list[float]:
    path = sleeper.directory / 'restarted'
    return ([float(line) for line in path.read_text().split()]
            if path.exists() else [])


def bench_process(target: Target, workdir: pathlib.Path, tries: int,
                  count: int) -> dict[str, list[float]]:
    sleepers = monitored_processes(workdir, count)
    latencies = []
    with stub_api.StubAPI() as stub:
        daemon = start_daemon(target, 'masakari-processmonitor', workdir, {
            **base_sections(stub),
            'process': {'process_list_path': process_list(workdir, sleepers),
                        'check_interval': 5}})
        try:
            for sleeper in sleepers:
                sleeper.wait_for_pid(timeout=60)
            time.sleep(1)
            for n in range(tries):
                # A random phase of the 5 s polling interval.
                time.sleep(random.uniform(0.5, 5.5))
                sleeper = sleepers[n % count]
                before = len(restart_stamps(sleeper))
                killed = time.time()
                sleeper.kill()
                deadline = time.monotonic() + 30
                while len(restart_stamps(sleeper)) == before:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f'{sleeper.process_name} was '
                                           'not restarted')
                    time.sleep(0.01)
                latencies.append(restart_stamps(sleeper)[-1] - killed)
                sleeper.wait_for_pid(timeout=30)
        finally:
            daemon.stop()
            for sleeper in sleepers:
                sleeper.kill()
    return {'process killed -> restart command started': latencies}


# Footprint -----------------------------------------------------------------

def bench_footprint(target: Target, workdir: pathlib.Path, domains: int,
                    count: int, idle: float) -> dict[str, tuple[float, float]]:
    pacemaker_cluster.ensure_pacemaker_tools()
    sleepers = monitored_processes(workdir, count)
    guests = Guests()
    daemons: dict[str, Daemon] = {}
    with stub_api.StubAPI() as stub:
        try:
            guests.start(domains)
            base = base_sections(stub)
            (workdir / 'pacemaker').mkdir()
            cluster = pacemaker_cluster.FakeCluster(workdir / 'pacemaker')
            cluster.nodes.update({'node-2': 'online', 'node-3': 'online'})
            cluster.traffic(eth0='ok')
            cluster.write()
            daemons['instancemonitor'] = start_daemon(
                target, 'masakari-instancemonitor', workdir,
                {**base, 'libvirt': {'connection_uri': URI}})
            daemons['introspectiveinstancemonitor'] = start_daemon(
                target, 'masakari-introspectiveinstancemonitor', workdir,
                {**base, 'libvirt': {'connection_uri': URI}})
            daemons['processmonitor'] = start_daemon(
                target, 'masakari-processmonitor', workdir,
                {**base, 'process': {
                    'process_list_path': process_list(workdir, sleepers)}})
            daemons['hostmonitor'] = start_daemon(
                target, 'masakari-hostmonitor', workdir,
                {**base, 'host': {'corosync_multicast_interfaces': 'eth0',
                                  'corosync_multicast_ports': 5405}},
                env={'PATH': cluster.path()})
            for name, daemon in daemons.items():
                daemon.wait_for_log(f'Starting masakarimonitors-{name}',
                                    timeout=60)
            time.sleep(10)
            start = {name: cpu_seconds(d) for name, d in daemons.items()}
            time.sleep(idle)
            figures = {name: (rss_mb(d),
                              (cpu_seconds(d) - start[name]) / idle * 100)
                       for name, d in daemons.items()}
            # What one report costs: the API client is loaded for good.
            kill_qemu(guests.started[0])
            stub.wait_for(1, timeout=30)
            time.sleep(2)
            monitor = daemons['instancemonitor']
            figures['instancemonitor after one notification'] = (
                rss_mb(monitor), float('nan'))
            return figures
        finally:
            for daemon in daemons.values():
                daemon.stop()
            guests.close()
            for sleeper in sleepers:
                sleeper.kill()


def run(target: Target, args) -> None:
    print(f'== {target.name}')
    with tempfile.TemporaryDirectory(prefix='bench-monitors-') as tmp:
        workdir = pathlib.Path(tmp)
        for label, values in bench_instance(target, workdir,
                                            args.tries).items():
            print(f'instance: {label}: {summary(values)}')
        for label, values in bench_process(target, workdir, args.tries,
                                           args.processes).items():
            print(f'process: {label}: {summary(values)}')
        footprint = bench_footprint(target, workdir, args.domains,
                                    args.processes, args.idle)
        print(f'footprint ({args.domains} domains, {args.processes} '
              f'processes, {args.idle:.0f} s idle):')
        for name, (rss, cpu) in footprint.items():
            usage = ('' if math.isnan(cpu)
                     else f', CPU {cpu:.2f}% of a core')
            print(f'  {name}: RSS {rss:.1f} MB{usage}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--target', choices=['ours', 'upstream', 'both'],
                        default='ours')
    parser.add_argument('--tries', type=int, default=20)
    parser.add_argument('--domains', type=int, default=50)
    parser.add_argument('--processes', type=int, default=20)
    parser.add_argument('--idle', type=float, default=60)
    parser.add_argument('--upstream-venv', type=pathlib.Path,
                        default=DEFAULT_UPSTREAM_VENV)
    args = parser.parse_args()
    targets = []
    if args.target in ('ours', 'both'):
        targets.append(Target('ours', OURS_BIN))
    if args.target in ('upstream', 'both'):
        if not (args.upstream_venv / 'bin' / 'masakari-hostmonitor').exists():
            sys.exit(f'no upstream venv in {args.upstream_venv}: run sh '
                     'tests/perf/upstream_monitors_venv.sh')
        targets.append(Target('upstream', args.upstream_venv / 'bin'))
    if shutil.which('virsh') is None:
        sys.exit('libvirt is not installed: run make services')
    for target in targets:
        run(target, args)


if __name__ == '__main__':
    main()
