"""Benchmark of a host failure recovery: how long evacuating a failed host's
instances takes, against how fast Nova could move them, and how many Nova
calls it costs per instance.

    .venv/bin/python -m tests.perf.bench_host_failure [--instances 10,100,1000]
        [--evacuate-seconds 2] [--nova-concurrency 50] [--target ours|upstream|both]
        [--timeout 1800] [--upstream-timeout 600] [--upstream-venv PATH]
        [--target-hosts 4] [--set OPTION=VALUE ...]

For each number of instances N, a fresh deployment: the Nova stand-in in
this process over HTTP (real time), where a host ``failed`` holds N
HA-enabled instances and ``--target-hosts`` others are up; each evacuation
takes ``--evacuate-seconds`` (T) once Nova starts it, and Nova runs at most
``--nova-concurrency`` (C) at once, queueing the others. masakari-api and
masakari-engine run as processes on an SQLite file database and the local
RabbitMQ (a private exchange and topic per run), noauth2, with
``wait_period_after_service_update = 0``, ``host_failure_recovery_threads``
= 2 C for both (``--recovery-threads``: Nova always has the next
evacuations queued, for both engines alike) and every other option at its
default (``--set`` changes a [DEFAULT] option for both targets). The
segment (recovery method ``auto``) and its hosts are created through the
API; then Nova reports ``failed`` down and a COMPUTE_HOST STOPPED
notification is posted. The makespan runs from that POST until the API
(polled every 0.2 s at microversion 1.0, which asks the engine nothing)
shows the notification ``finished`` (or another final status, printed).

Reported per run: the makespan, the ideal ``ceil(N / C) * T`` (Nova busy
all along), their ratio, and the Nova calls made from the POST to the end,
from the stand-in's call log: compute calls per instance, then split into
the calls naming one server (by kind, per instance) and the others, and
the Keystone calls. The defaults (T = 5 s, C = 50: an ideal of 5, 10 and
100 s) keep a default run of both engines within about ten minutes.

``--target upstream`` or ``both`` runs upstream masakari 22.0.0's
masakari-api and masakari-engine from the venv that ``sh
tests/perf/upstream_venv.sh PATH`` creates (by default the one
tests/functional/test_db_upstream.py keeps in .upstream/masakari), on the
same stand-in, each run stopped after ``--upstream-timeout`` seconds if
its notification is not finished by then. The last line is
``makespan ratio at N=1000: R``, R being ours / ideal, when ours ran N=1000.
"""
import argparse
import collections
import dataclasses
import datetime
import math
import pathlib
import re
import shutil
import tempfile
import time
import uuid

import requests

import novasim
from novasim.state import Timings
from tests.functional.test_db_upstream import UpstreamEngine
from tests.perf import bench_api
from tests.support import api_server
from tests.support import databases
from tests.support import nova
from tests.support import rabbit
from tests.support.engine_server import EngineServer

DEFAULT_UPSTREAM_VENV = api_server.REPO / '.upstream' / 'masakari'
FAILED = 'failed'
HA = {'HA_Enabled': 'True'}
FINAL = ('finished', 'failed', 'ignored', 'error')
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
SERVER_PATH = re.compile(r'/servers/([0-9a-f-]{36})(/.*)?')
STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'}


@dataclasses.dataclass
class Result:
    target: str
    instances: int
    ideal: float
    makespan: float | None      # None: not final within the time allowed
    waited: float
    status: str
    moved: int                  # instances active on another host at the end
    calls: list[dict]

    @property
    def ratio(self) -> float | None:
        return None if self.makespan is None else self.makespan / self.ideal


def ideal_makespan(instances: int, concurrency: int, seconds: float) -> float:
    return math.ceil(instances / concurrency) * seconds


def call_kind(call: dict) -> tuple[bool, str]:
    """Whether a call names one server, and its kind (``GET /servers/{id}``,
    ``evacuate``, ``GET /servers/detail?changes-since``, ...)."""
    if call['service'] == 'identity':
        return False, f'identity {call["method"]} {call["path"]}'
    match = SERVER_PATH.fullmatch(call['path'])
    if match is None:
        query = sorted(key for key in re.findall(r'([^&=]+)=', call['query'] or '')
                       if key in ('changes-since', 'host'))
        path = UUID.sub('{id}', call['path'])
        return False, f'{call["method"]} {path}' + (f'?{",".join(query)}' if query else '')
    if call['action']:
        return True, call['action']
    return True, f'{call["method"]} /servers/{{id}}{match.group(2) or ""}'


def describe_calls(calls: list[dict], instances: int) -> list[str]:
    compute = [c for c in calls if c['service'] == 'compute']
    per_server = collections.Counter()
    others = collections.Counter()
    identity = collections.Counter()
    for call in calls:
        names_server, kind = call_kind(call)
        if call['service'] == 'identity':
            identity[kind] += 1
        elif names_server:
            per_server[kind] += 1
        else:
            others[kind] += 1
    lines = [f'Nova calls: {len(compute) / instances:.2f} per instance '
             f'({len(compute)} compute calls)']
    lines.append(f'  naming one server: {sum(per_server.values()) / instances:.2f} per '
                 'instance: ' + ', '.join(f'{kind} {count / instances:.2f}'
                                          for kind, count in per_server.most_common()))
    lines.append('  others: ' + (', '.join(f'{kind} {count}'
                                           for kind, count in others.most_common()) or 'none'))
    lines.append('  keystone: ' + (', '.join(f'{kind} {count}'
                                             for kind, count in identity.most_common())
                                   or 'none'))
    failed = collections.Counter(f'{call_kind(c)[1]} -> {c["status"]}' for c in compute
                                 if c['status'] is None or c['status'] >= 400)
    if failed:
        lines.append('  answered with errors: ' + ', '.join(
            f'{kind} {count}' for kind, count in failed.most_common()))
    return lines


def stand_in(args, instances: int) -> novasim.Simulator:
    sim = novasim.Simulator()
    sim.cloud.timings = Timings(evacuate=args.evacuate_seconds,
                                max_concurrent_evacuations=args.nova_concurrency)
    for host in target_hosts(args):
        sim.cloud.add_host(host)
    sim.cloud.add_host(FAILED)
    for n in range(instances):
        sim.cloud.add_server(f'vm{n:04d}', FAILED, metadata=HA)
    return sim


def target_hosts(args) -> list[str]:
    return [f'target{i}' for i in range(1, args.target_hosts + 1)]


def start_services(target: bench_api.Target, config: pathlib.Path, port: int,
                   work: pathlib.Path, topic: str):
    """masakari-api and masakari-engine of ``target``, ready."""
    env = bench_api.clean_env() if target.name == 'upstream' else None
    api = api_server.APIServer(config, port, work / 'api.log', env=env, command=[
        str(target.bin_dir / 'masakari-api'), '--config-file', str(config)])
    api.start(timeout=60)
    try:
        if target.name == 'upstream':
            engine = UpstreamEngine(target.bin_dir, config, topic)
            engine.wait_ready()
        else:
            engine = EngineServer(config, work / 'engine.log').start(timeout=60)
    except BaseException:
        stop(api)
        raise
    return api, engine


def stop(service) -> bool:
    """Stops a service; a traceback in its log is noted (False), not fatal here."""
    try:
        service.stop()
    except AssertionError:
        print(f'  note: {service.log} holds a traceback', flush=True)
        return False
    return True


def configure(target: bench_api.Target, args, work: pathlib.Path, database_url: str,
              port: int, run: novasim.Running, topic: str) -> pathlib.Path:
    options = ''.join(f'{option}\n' for option in args.set)
    config = api_server.write_config(
        work / 'masakari.conf', database_url, port, workers=1,
        transport_url=rabbit.URL, api_paste_config=target.paste_config,
        extra=nova.masakari_options(run)
        + 'wait_period_after_service_update = 0\n'
        + f'control_exchange = {topic}\nmasakari_topic = {topic}\n' + options
        # Upstream builds its Nova session from this group's auth_type.
        + '[keystone_authtoken]\nauth_type = password\n')
    bench_api.db_sync(target, config)
    return config


def api_call(session: requests.Session, url: str, method: str, path: str,
             expected: int, body: dict | None = None) -> dict:
    response = session.request(method, url + '/v1' + path, json=body, timeout=60)
    if response.status_code != expected:
        raise RuntimeError(f'{method} {path}: {response.status_code} {response.text}')
    return response.json() if response.content else {}


def bench(target: bench_api.Target, args, instances: int, timeout: float) -> Result:
    work = pathlib.Path(tempfile.mkdtemp(prefix=f'masakari-bench-hf-{target.name}-'))
    database_url = databases.create('sqlite', work)
    topic = f'masakari-bench-{uuid.uuid4().hex[:8]}'
    sim = stand_in(args, instances)
    ideal = ideal_makespan(instances, args.nova_concurrency, args.evacuate_seconds)
    with novasim.start(sim) as run:
        port = api_server.free_port()
        config = configure(target, args, work, database_url, port, run, topic)
        api, engine = start_services(target, config, port, work, topic)
        try:
            session = requests.Session()
            segment = api_call(session, api.url, 'POST', '/segments', 201, {'segment': {
                'name': 'bench', 'recovery_method': 'auto',
                'service_type': 'COMPUTE'}})['segment']['uuid']
            for host in [FAILED, *target_hosts(args)]:
                api_call(session, api.url, 'POST', f'/segments/{segment}/hosts', 201, {
                    'host': {'name': host, 'type': 'COMPUTE', 'control_attributes': 'SSH'}})
            sim.cloud.host_down(FAILED)
            first_call = len(sim.calls.since())
            generated = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
            began = time.monotonic()
            notification = api_call(session, api.url, 'POST', '/notifications', 202, {
                'notification': {'type': 'COMPUTE_HOST', 'hostname': FAILED,
                                 'generated_time': generated, 'payload': STOPPED}}
            )['notification']['notification_uuid']
            status, makespan = 'new', None
            while time.monotonic() - began < timeout:
                status = api_call(session, api.url, 'GET', f'/notifications/{notification}',
                                  200)['notification']['status']
                if status in FINAL:
                    makespan = time.monotonic() - began
                    break
                time.sleep(0.2)
            waited = time.monotonic() - began
            calls = sim.calls.since(first_call)
            moved = sum(1 for s in sim.cloud.list_servers()
                        if s.host != FAILED and s.vm_state == 'active')
        finally:
            clean = stop(engine)
            clean = stop(api) and clean
    databases.drop(database_url)
    result = Result(target.name, instances, ideal, makespan, waited, status, moved, calls)
    report(result, args, work)
    if makespan is not None and clean:
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(result: Result, args, work: pathlib.Path) -> None:
    n = result.instances
    head = f'{result.target}, N={n}: '
    if result.makespan is None:
        head += (f'did not finish in {result.waited:.0f} s (status {result.status}, '
                 f'{result.moved}/{n} moved; logs in {work})')
    else:
        head += (f'makespan {result.makespan:.1f} s, ideal {result.ideal:.1f} s '
                 f'(ceil({n}/{args.nova_concurrency}) x {args.evacuate_seconds:g} s), '
                 f'ratio {result.ratio:.2f}; status {result.status}, {result.moved}/{n} moved')
    print(head, flush=True)
    for line in describe_calls(result.calls, n):
        print('  ' + line, flush=True)


def compute_per_instance(result: Result) -> float:
    return sum(1 for c in result.calls if c['service'] == 'compute') / result.instances


def summary(results: dict[tuple[str, int], Result], sizes: list[int]) -> None:
    print('\nN, target: makespan, ideal, ratio, Nova calls per instance', flush=True)
    for n in sizes:
        for name in ('ours', 'upstream'):
            result = results.get((name, n))
            if result is None:
                continue
            shown = ('did not finish in %.0f s' % result.waited if result.makespan is None
                     else f'{result.makespan:.1f} s, {result.ideal:.1f} s, '
                          f'{result.ratio:.2f}')
            print(f'{n}, {name}: {shown}, {compute_per_instance(result):.2f}', flush=True)
        ours, theirs = results.get(('ours', n)), results.get(('upstream', n))
        if ours and theirs and ours.makespan is not None:
            calls = compute_per_instance(ours) / compute_per_instance(theirs)
            if theirs.makespan is not None:
                print(f'{n}, ours / upstream: makespan x{ours.makespan / theirs.makespan:.2f}, '
                      f'Nova calls x{calls:.2f}', flush=True)
            else:
                print(f'{n}, ours / upstream: makespan < x{ours.makespan / theirs.waited:.2f}',
                      flush=True)
    ours = results.get(('ours', 1000))
    if ours is not None:
        shown = (f'{ours.ratio:.2f}' if ours.makespan is not None
                 else f'did not finish in {ours.waited:.0f} s')
        print(f'makespan ratio at N=1000: {shown}', flush=True)


def sizes_arg(text: str) -> list[int]:
    return [int(part) for part in text.split(',') if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--instances', type=sizes_arg, default=[10, 100, 1000],
                        help='comma-separated numbers of instances on the failed host')
    parser.add_argument('--evacuate-seconds', type=float, default=5.0,
                        help="T: one evacuation's duration once Nova starts it")
    parser.add_argument('--nova-concurrency', type=int, default=50,
                        help='C: evacuations Nova runs at once')
    parser.add_argument('--target', choices=('ours', 'upstream', 'both'), default='both')
    parser.add_argument('--timeout', type=float, default=1800,
                        help='seconds allowed to each of our runs')
    parser.add_argument('--upstream-timeout', type=float, default=600,
                        help="seconds allowed to each of upstream's runs")
    parser.add_argument('--upstream-venv', type=pathlib.Path, default=DEFAULT_UPSTREAM_VENV)
    parser.add_argument('--target-hosts', type=int, default=4,
                        help='hosts of the segment that take the instances')
    parser.add_argument('--set', action='append', default=[], metavar='OPTION=VALUE',
                        help='a [DEFAULT] option of both masakari.conf, e.g. '
                             'host_failure_recovery_threads=10')
    parser.add_argument('--recovery-threads', type=int,
                        help='host_failure_recovery_threads of both targets (default 2 C: '
                             'Nova always has the next evacuations queued)')
    args = parser.parse_args()
    threads = args.recovery_threads or 2 * args.nova_concurrency
    args.set.insert(0, f'host_failure_recovery_threads = {threads}')
    try:
        rabbit.require()
    except BaseException as error:  # pytest's skip outcome, outside pytest
        raise SystemExit(str(error)) from None
    targets = []
    if args.target in ('ours', 'both'):
        targets.append((bench_api.ours(), args.timeout))
    if args.target in ('upstream', 'both'):
        targets.append((bench_api.upstream(args.upstream_venv), args.upstream_timeout))
    print(f'T = {args.evacuate_seconds:g} s per evacuation, Nova runs at most '
          f'{args.nova_concurrency} at once; {args.target_hosts} target hosts; '
          'wait_period_after_service_update = 0'
          + ''.join(f', {option}' for option in args.set), flush=True)
    results = {}
    for n in args.instances:
        for target, timeout in targets:
            results[(target.name, n)] = bench(target, args, n, timeout)
    summary(results, args.instances)


if __name__ == '__main__':
    main()
