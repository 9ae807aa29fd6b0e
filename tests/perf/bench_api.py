"""Benchmark of masakari-api on MariaDB: create and list notifications.

    .venv/bin/python -m tests.perf.bench_api [--rows 100000] [--requests 2000]

Starts the real masakari-api (2 workers, noauth2) on a fresh MariaDB
database holding ``--rows`` notifications, then drives it from 16 client
threads on the same machine and prints requests/s, p50 and p99 for
``POST /v1/notifications`` (distinct VM notifications) and
``GET /v1/notifications?limit=100``.
"""
import argparse
import concurrent.futures
import datetime
import json
import pathlib
import statistics
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


def seed_notifications(database_url: str, host_uuid: str, segment_uuid: str,
                       rows: int) -> None:
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
                'source_host_uuid': host_uuid, 'type': 'VM',
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


def host_uuid_of(database_url: str, name: str) -> str:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        value = conn.execute(sa.select(models.Host.uuid).where(
            models.Host.name == name)).scalar_one()
    engine.dispose()
    return value


def run(label: str, count: int, request) -> None:
    sessions = {}

    def one(i):
        session = sessions.setdefault(i % CONCURRENCY, requests.Session())
        began = time.perf_counter()
        status = request(session, i)
        return time.perf_counter() - began, status

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - began
    latencies = sorted(r[0] for r in results)
    statuses = sorted({r[1] for r in results})
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f'{label}: {count / elapsed:.0f} req/s, '
          f'p50 {statistics.median(latencies) * 1000:.1f} ms, '
          f'p99 {p99 * 1000:.1f} ms, statuses {statuses}')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--requests', type=int, default=2000)
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix='masakari-bench-'))
    database_url = databases.create('mysql', work)
    port = api_server.free_port()
    config = api_server.write_config(work / 'masakari.conf', database_url, port)
    api_server.db_sync(config)
    segment_uuid = seed.segment_with_hosts(database_url, 'bench', ['compute01'])
    seed_notifications(database_url, host_uuid_of(database_url, 'compute01'),
                       segment_uuid, args.rows)
    server = api_server.APIServer(config, port, work / 'api.log').start()
    try:
        print(f'MariaDB, {args.rows} rows, 2 API workers, '
              f'{CONCURRENCY} client threads')

        def create(session, i):
            body = {'notification': {
                'type': 'VM', 'hostname': 'compute01',
                'generated_time': '2026-11-25T10:00:00',
                'payload': {'event': 'LIFECYCLE',
                            'vir_domain_event': 'STOPPED_FAILED',
                            'instance_uuid': str(uuid.uuid4())}}}
            return session.post(server.url + '/v1/notifications', json=body,
                                timeout=60).status_code

        def list_page(session, i):
            return session.get(server.url + '/v1/notifications?limit=100',
                               timeout=60).status_code

        run('GET /v1/notifications?limit=100', args.requests, list_page)
        run('POST /v1/notifications', args.requests, create)
    finally:
        server.stop()
        databases.drop(database_url)


if __name__ == '__main__':
    main()
