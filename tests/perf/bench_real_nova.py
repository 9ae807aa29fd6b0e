"""Benchmark of a host failure recovery on a real Nova, our masakari against
upstream masakari 22.0.0.

    .venv/bin/python -m tests.perf.bench_real_nova [--runs 3] [--servers 4]
        [--target ours|upstream|both] [--upstream-venv PATH] [--work DIR]
        [--set OPTION=VALUE ...]

The cloud of tests/support/realcloud.py (Keystone, Placement, Glance and
Nova on the fake virt driver with three nova-compute services) carries the
masakari-api and masakari-engine of each target side by side, with the same
options (Cloud.masakari_options(): wait_period_after_service_update = 5 s
and the other shortened waits of tests/functional/realcloud; ``--set``
changes a [DEFAULT] option for both), each with a segment (recovery
method ``auto``) of the three compute hosts. Upstream runs from the venv
that ``sh tests/perf/upstream_venv.sh PATH`` creates (by default
.upstream/masakari).

Each run, target after target: ``--servers`` HA-enabled servers booted on
compute01, its nova-compute killed, and once Nova reports it down (upstream
evacuates only then) a COMPUTE_HOST STOPPED notification posted; reported
is the time from the POST until the API (polled every 0.1 s) shows a final
status. Afterwards the servers are deleted, compute01's nova-compute runs
and is enabled again and its host leaves maintenance.

``--target nova`` measures what Nova alone needs, the floor under any
recovery: the same servers, compute01's nova-compute killed, its service
forced down and disabled in one request (as fencing does), every server
evacuated at once without a lock, and the servers listed every 0.1 s;
reported is the time from that request until all are ACTIVE elsewhere.
"""
import argparse
import concurrent.futures
import contextlib
import pathlib
import statistics
import tempfile
import time

from tests.perf import bench_api
from tests.support import api_server
from tests.support import rabbit
from tests.support import realcloud

DEFAULT_UPSTREAM_VENV = api_server.REPO / '.upstream' / 'masakari'
HA = {'HA_Enabled': 'True'}
HOST_DOWN = {'event': 'STOPPED', 'cluster_status': 'OFFLINE', 'host_status': 'NORMAL'}
FAILED = 'compute01'
FINAL = ('finished', 'ignored', 'failed', 'error')


def recover(deployment, timeout: float) -> tuple[dict, float]:
    """POSTs the host's notification; returns it once final (or at the
    timeout), and the seconds taken."""
    started = time.monotonic()
    notification_uuid = deployment.notify('COMPUTE_HOST', FAILED, HOST_DOWN)
    while True:
        shown = deployment.call('GET', f'/notifications/{notification_uuid}',
                                200)['notification']
        elapsed = time.monotonic() - started
        if shown['status'] in FINAL or elapsed > timeout:
            return shown, elapsed
        time.sleep(0.1)


@contextlib.contextmanager
def servers_on_killed_host(cloud: realcloud.Cloud, name: str, servers: int):
    """``servers`` HA-enabled servers ACTIVE on the failed host, whose
    nova-compute is then killed; afterwards the servers are deleted and
    every nova-compute is up and enabled again."""
    booted = [cloud.boot(f'{name}-vm{i}', host=FAILED, metadata=HA, wait=False)
              for i in range(1, servers + 1)]
    try:
        for server in booted:
            cloud.wait_server(server['id'], 'ACTIVE')
        cloud.kill_compute(FAILED)
        yield booted
    finally:
        for server in booted:
            cloud.delete_server(server['id'])
        cloud.heal()


def run_once(cloud: realcloud.Cloud, name: str, deployment, segment: str, servers: int,
             timeout: float) -> tuple[float, float] | None:
    """One host failure; (kill -> down, POST -> finished) in seconds, or
    None when the recovery did not end well (printed)."""
    try:
        with servers_on_killed_host(cloud, name, servers) as booted:
            seen_down = cloud.wait_service(FAILED, 'down')
            shown, seconds = recover(deployment, timeout)
            misplaced = [server['id'] for server in map(cloud.server, (s['id'] for s in booted))
                         if server['status'] != 'ACTIVE'
                         or server['OS-EXT-SRV-ATTR:host'] == FAILED]
        print(f'[real nova] {name}: {servers} servers, nova-compute killed -> down in '
              f'{seen_down:.1f} s; POST -> {shown["status"]} in {seconds:.1f} s'
              + (f'; not ACTIVE elsewhere: {misplaced}' if misplaced else ''), flush=True)
        if shown['status'] != 'finished' or misplaced:
            return None
        return seen_down, seconds
    finally:
        host = next(h for h in deployment.call('GET', f'/segments/{segment}/hosts',
                                               200)['hosts'] if h['name'] == FAILED)
        if host['on_maintenance']:
            deployment.call('PUT', f'/segments/{segment}/hosts/{host["uuid"]}', 200,
                            {'host': {'on_maintenance': False}})


def nova_alone_once(cloud: realcloud.Cloud, servers: int, timeout: float) -> float | None:
    """Seconds from forcing the failed host down until Nova has every
    server ACTIVE elsewhere, or None when it has not within ``timeout``."""
    with servers_on_killed_host(cloud, 'nova', servers) as booted:
        service = cloud.service(FAILED)
        started = time.monotonic()
        cloud.nova('PUT', f'/os-services/{service["id"]}',
                   {'forced_down': True, 'status': 'disabled', 'disabled_reason': 'bench'})
        with concurrent.futures.ThreadPoolExecutor(servers) as pool:
            list(pool.map(lambda server: cloud.nova(
                'POST', f'/servers/{server["id"]}/action', {'evacuate': {}}), booted))
        pending = {server['id'] for server in booted}
        while pending and time.monotonic() - started < timeout:
            time.sleep(0.1)
            for server in cloud.nova('GET', '/servers/detail?all_tenants=1')['servers']:
                if (server['status'] == 'ACTIVE' and not server['OS-EXT-STS:task_state']
                        and server['OS-EXT-SRV-ATTR:host'] != FAILED):
                    pending.discard(server['id'])
        seconds = time.monotonic() - started
    print(f'[real nova] nova alone: {servers} servers, forced down -> '
          + (f'all ACTIVE elsewhere in {seconds:.2f} s' if not pending else
             f'still not ACTIVE elsewhere after {seconds:.1f} s: {sorted(pending)}'),
          flush=True)
    return None if pending else seconds


def summary(results: dict[str, list[tuple[float, float]]]) -> None:
    for name, figures in results.items():
        if not figures:
            print(f'{name}: no run finished', flush=True)
            continue
        posts = [post for _, post in figures]
        downs = [down for down, _ in figures]
        print(f'{name}: {len(figures)} runs finished, POST -> finished median '
              f'{statistics.median(posts):.1f} s (min {min(posts):.1f}, max {max(posts):.1f}); '
              f'killed -> down median {statistics.median(downs):.1f} s', flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--servers', type=int, default=4,
                        help='HA-enabled servers on the failed host')
    parser.add_argument('--target', choices=('ours', 'upstream', 'both', 'nova'), default='both')
    parser.add_argument('--upstream-venv', type=pathlib.Path, default=DEFAULT_UPSTREAM_VENV)
    parser.add_argument('--timeout', type=float, default=300,
                        help='seconds allowed to each recovery')
    parser.add_argument('--work', type=pathlib.Path,
                        help='where the cloud keeps its configuration and logs')
    parser.add_argument('--set', action='append', default=[], metavar='OPTION=VALUE',
                        help='a [DEFAULT] option of both masakari.conf, e.g. '
                             'host_failure_recovery_threads=10')
    args = parser.parse_args()
    options = '[DEFAULT]\n' + ''.join(f'{option}\n' for option in args.set)
    try:
        realcloud.require()
        rabbit.require()
    except BaseException as error:  # pytest's skip outcome, outside pytest
        raise SystemExit(str(error)) from None
    venvs = {}
    if args.target in ('ours', 'both'):
        venvs['ours'] = None
    if args.target in ('upstream', 'both'):
        venvs['upstream'] = bench_api.upstream(args.upstream_venv).bin_dir.parent
    work = args.work or pathlib.Path(tempfile.mkdtemp(prefix='bench-real-nova-'))
    cloud = realcloud.Cloud(work).start()
    print(f'cloud up in {cloud.startup_seconds:.0f} s, logs in {cloud.logs}', flush=True)
    try:
        if args.target == 'nova':
            floors = [seconds for seconds in (nova_alone_once(cloud, args.servers, args.timeout)
                                              for _ in range(args.runs)) if seconds is not None]
            print(f'nova alone: {len(floors)} runs, forced down -> all ACTIVE median '
                  f'{statistics.median(floors):.2f} s (min {min(floors):.2f}, '
                  f'max {max(floors):.2f})' if floors else 'nova alone: no run landed',
                  flush=True)
            return
        with contextlib.ExitStack() as stack:
            deployments = {}
            for name, venv in venvs.items():
                port = cloud.ports['masakari'] if name == 'ours' else api_server.free_port()
                deployment = stack.enter_context(realcloud.masakari(
                    cloud, work / f'masakari-{name}', options, port=port, venv=venv))
                segment = deployment.segment(f'seg-{name}', 'auto', list(realcloud.COMPUTES))
                deployments[name] = deployment, segment
                print(f'{name}: masakari-api {deployment.url}, logs in {deployment.work}',
                      flush=True)
            results = {name: [] for name in deployments}
            for _ in range(args.runs):
                for name, (deployment, segment) in deployments.items():
                    figures = run_once(cloud, name, deployment, segment, args.servers,
                                       args.timeout)
                    if figures:
                        results[name].append(figures)
            summary(results)
    finally:
        cloud.stop()


if __name__ == '__main__':
    main()
