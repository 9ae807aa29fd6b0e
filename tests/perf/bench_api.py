"""Benchmark of masakari-api: create and list notifications.

    .venv/bin/python -m tests.perf.bench_api [--rows 100000] [--requests 2000]
        [--target ours|upstream|both] [--upstream-venv PATH]
        [--client python|wrk] [--database mariadb|sqlite] [--workers 2]
        [--rounds 1]

Starts the real masakari-api (``--workers`` processes, noauth2) on a fresh
MariaDB database, or an SQLite file (the default configuration's kind),
holding ``--rows`` notifications, then drives it with 16
concurrent clients on the same machine and prints requests/s, p50 and p99
for ``POST /v1/notifications`` (distinct VM notifications, spread over 16
hosts) and ``GET /v1/notifications?limit=100``.

``--target upstream`` runs upstream masakari 22.0.0 from the venv that
``sh tests/perf/upstream_venv.sh`` creates (nothing is downloaded here),
with a schema from its own ``masakari-manage db sync`` and the same seeded
rows and load; ``--target both`` runs ours, then upstream, ``--rounds``
times in turn (so that other load on the machine weighs on both alike), and
prints the ratios of the medians. ``--client wrk`` drives the load with wrk
instead of Python threads, which otherwise take a large share of the
machine's two cores.
"""
import argparse
import concurrent.futures
import dataclasses
import datetime
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid

import requests
import sqlalchemy as sa

from masakari.db import models
from tests.support import api_server
from tests.support import databases
from tests.support import seed

CONCURRENCY = 16
HOSTS = 16
UPSTREAM_VERSION = '22.0.0'
BACKENDS = {'mariadb': 'mysql', 'sqlite': 'sqlite'}
DEFAULT_UPSTREAM_VENV = pathlib.Path('/work/upstream-masakari/venv')
GENERATED_TIME = '2026-11-25T10:00:00'
WRK_SCRIPT = pathlib.Path(__file__).with_name('wrk_bench.lua')
GET_PATH = '/v1/notifications?limit=100'
POST_PATH = '/v1/notifications'


@dataclasses.dataclass
class Target:
    name: str
    bin_dir: pathlib.Path
    paste_config: pathlib.Path


def ours() -> Target:
    return Target('ours', api_server.BIN,
                  api_server.REPO / 'etc/masakari/api-paste.ini')


def upstream(venv: pathlib.Path) -> Target:
    python = venv / 'bin' / 'python'
    paste = venv / 'etc/masakari/api-paste.ini'
    version = None
    if python.exists():
        # -I: from this checkout, our masakari.egg-info would answer.
        version = subprocess.run(
            [str(python), '-I', '-c', 'import importlib.metadata as m; '
             'print(m.version("masakari"))'],
            capture_output=True, text=True).stdout.strip()
    if version != UPSTREAM_VERSION or not paste.exists():
        raise SystemExit(
            f'no upstream masakari {UPSTREAM_VERSION} in {venv}; create it '
            f'with: sh tests/perf/upstream_venv.sh {venv}')
    return Target('upstream', venv / 'bin', paste)


def clean_env() -> dict:
    # The upstream venv must not import our masakari package.
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env.pop('VIRTUAL_ENV', None)
    return env


def db_sync(target: Target, config: pathlib.Path) -> None:
    subprocess.run([str(target.bin_dir / 'masakari-manage'), '--config-file',
                    str(config), 'db', 'sync'], check=True,
                   capture_output=True, env=clean_env(), cwd=config.parent)


def host_names() -> list[str]:
    return [f'compute{i:02d}' for i in range(HOSTS)]


def host_uuids(database_url: str) -> list[str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = {name: value for name, value in conn.execute(
            sa.select(models.Host.name, models.Host.uuid))}
    engine.dispose()
    return [rows[name] for name in host_names()]


def seed_notifications(database_url: str, hosts: list[str],
                       segment_uuid: str, rows: int) -> None:
    # Generated long before GENERATED_TIME: outside the duplicate window.
    engine = sa.create_engine(database_url)
    start = datetime.datetime(2026, 1, 1)
    table = models.Notification.__table__
    batch = []
    with engine.begin() as conn:
        for i in range(rows):
            batch.append({
                'notification_uuid': str(uuid.uuid4()),
                'generated_time': start + datetime.timedelta(seconds=i),
                'created_at': start + datetime.timedelta(seconds=i),
                'source_host_uuid': hosts[i % len(hosts)], 'type': 'VM',
                'payload': json.dumps({'event': 'LIFECYCLE',
                                       'instance_uuid': str(uuid.uuid4()),
                                       'vir_domain_event': 'STOPPED_FAILED'}),
                'status': 'finished', 'failover_segment_uuid': segment_uuid,
                'deleted': 0})
            if len(batch) == 5000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
    engine.dispose()


def create_body(i: int) -> dict:
    return {'notification': {
        'type': 'VM', 'hostname': f'compute{i % HOSTS:02d}',
        'generated_time': GENERATED_TIME,
        'payload': {'event': 'LIFECYCLE',
                    'vir_domain_event': 'STOPPED_FAILED',
                    'instance_uuid': str(uuid.uuid4())}}}


def run_python(url: str, method: str, count: int) -> dict:
    sessions = {}

    def one(i):
        session = sessions.setdefault(i % CONCURRENCY, requests.Session())
        began = time.perf_counter()
        if method == 'get':
            status = session.get(url + GET_PATH, timeout=60).status_code
        else:
            status = session.post(url + POST_PATH, json=create_body(i),
                                  timeout=60).status_code
        return time.perf_counter() - began, status

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - began
    latencies = sorted(r[0] for r in results)
    statuses = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {'rps': count / elapsed,
            'p50': statistics.median(latencies) * 1000,
            'p99': latencies[int(len(latencies) * 0.99) - 1] * 1000,
            'statuses': statuses}


def run_wrk(url: str, method: str, count: int) -> dict:
    # One wrk thread is enough for 16 connections and leaves the cores to
    # the server; -d is only a bound, the script stops after ``count``.
    path = GET_PATH if method == 'get' else POST_PATH
    out = subprocess.run(
        ['wrk', '-t1', f'-c{CONCURRENCY}', '-d600s', '--timeout', '60s',
         '--latency', '-s', str(WRK_SCRIPT), url + path, '--', method,
         str(count), str(HOSTS), GENERATED_TIME],
        check=True, capture_output=True, text=True).stdout
    # wrk dropped up to 15 requests in flight: let the server finish them
    # before the next phase is measured.
    time.sleep(2)
    line = next(line for line in out.splitlines()
                if line.startswith('wrk-result '))
    result = json.loads(line.split(' ', 1)[1])
    statuses = {int(k): v for k, v in result['statuses'].items()}
    if result['socket_errors']:
        statuses['socket errors'] = result['socket_errors']
    return {'rps': result['requests'] / (result['duration_us'] / 1e6),
            'p50': result['p50_us'] / 1000, 'p99': result['p99_us'] / 1000,
            'statuses': statuses}


def bench(target: Target, args) -> dict:
    work = pathlib.Path(tempfile.mkdtemp(prefix=f'masakari-bench-{target.name}-'))
    database_url = databases.create(BACKENDS[args.database], work)
    server = None
    try:
        port = api_server.free_port()
        # fake:/ takes upstream's cast to the engine after each insert,
        # with no engine; the [taskflow] connection that this config also
        # has is needed by upstream's db sync (it creates taskflow's tables).
        config = api_server.write_config(
            work / 'masakari.conf', database_url, port,
            workers=args.workers, api_paste_config=target.paste_config)
        db_sync(target, config)
        segment_uuid = seed.segment_with_hosts(database_url, 'bench',
                                               host_names())
        seed_notifications(database_url, host_uuids(database_url),
                           segment_uuid, args.rows)
        server = api_server.APIServer(
            config, port, work / 'api.log', env=clean_env(),
            command=[str(target.bin_dir / 'masakari-api'), '--config-file',
                     str(config)]).start(timeout=60)
        print(f'{target.name}: {args.database}, {args.rows} rows, '
              f'{args.workers} API workers, '
              f'{CONCURRENCY} concurrent {args.client} clients, '
              f'{HOSTS} hosts (log {work / "api.log"})', flush=True)
        drive = run_wrk if args.client == 'wrk' else run_python
        # Warm-up: every worker opens its database connections first.
        run_python(server.url, 'get', 4 * CONCURRENCY)
        results = {}
        for method, label in (('get', 'GET ' + GET_PATH),
                              ('post', 'POST ' + POST_PATH)):
            result = results[label] = drive(server.url, method, args.requests)
            print(f'  {label}: {result["rps"]:.0f} req/s, '
                  f'p50 {result["p50"]:.1f} ms, p99 {result["p99"]:.1f} ms, '
                  f'statuses {result["statuses"]}', flush=True)
        return results
    finally:
        if server is not None:
            try:
                server.stop()
            except AssertionError as error:
                # Any 500 shows in the statuses already; wrk also drops the
                # requests in flight when it stops, which upstream logs as
                # broken-pipe tracebacks.
                print(f'  note: {str(error).splitlines()[0]} '
                      f'(see {work / "api.log"})', flush=True)
        databases.drop(database_url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--requests', type=int, default=2000)
    parser.add_argument('--target', choices=('ours', 'upstream', 'both'),
                        default='ours')
    parser.add_argument('--upstream-venv', type=pathlib.Path,
                        default=DEFAULT_UPSTREAM_VENV)
    parser.add_argument('--client', choices=('python', 'wrk'),
                        default='python')
    parser.add_argument('--database', choices=tuple(BACKENDS),
                        default='mariadb')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=1)
    args = parser.parse_args()
    if args.client == 'wrk' and shutil.which('wrk') is None:
        raise SystemExit('wrk not found: apt-get install wrk')
    targets = []
    if args.target in ('ours', 'both'):
        targets.append(ours())
    if args.target in ('upstream', 'both'):
        targets.append(upstream(args.upstream_venv))
    runs = {target.name: [] for target in targets}
    for _ in range(args.rounds):
        for target in targets:
            runs[target.name].append(bench(target, args))
    results = {name: median_results(name, rounds)
               for name, rounds in runs.items()}
    if len(results) == 2:
        print('ours / upstream:')
        for label, mine in results['ours'].items():
            theirs = results['upstream'][label]
            print(f'  {label}: req/s x{mine["rps"] / theirs["rps"]:.2f}, '
                  f'p50 x{mine["p50"] / theirs["p50"]:.2f}, '
                  f'p99 x{mine["p99"] / theirs["p99"]:.2f}')


def median_results(name: str, rounds: list[dict]) -> dict:
    """Each figure's median over the rounds (printed when more than one)."""
    medians = {}
    for label in rounds[0]:
        medians[label] = {
            figure: statistics.median(r[label][figure] for r in rounds)
            for figure in ('rps', 'p50', 'p99')}
        if len(rounds) > 1:
            m = medians[label]
            print(f'{name} median of {len(rounds)}: {label}: '
                  f'{m["rps"]:.0f} req/s, p50 {m["p50"]:.1f} ms, '
                  f'p99 {m["p99"]:.1f} ms', flush=True)
    return medians

if __name__ == '__main__':
    main()
