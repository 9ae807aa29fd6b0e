"""Benchmark of masakari-api under stalled clients.

    .venv/bin/python -m tests.perf.bench_slow_clients [--stalled 48]
        [--requests 200] [--target ours|upstream|both] [--workers 2]
        [--upstream-venv PATH] [--rounds 1]

Starts the real masakari-api (noauth2, SQLite, ``--workers`` processes,
default options otherwise) and opens ``--stalled`` connections that each
send part of a request (nothing, half a request line, part of the headers,
a head promising a body that never comes) and then stall. Meanwhile it sends
``--requests`` ordinary requests one after the other, each on a connection
of its own (``GET /``, then ``GET /v1/segments``), and prints how many of
the stalled connections the server still holds open, how many ordinary
requests were answered within 10 s, and their latency (p50, p99).

``--target upstream`` runs upstream masakari 22.0.0 from the venv that
``sh tests/perf/upstream_venv.sh`` creates; ``--target both`` runs ours,
then upstream, ``--rounds`` times in turn.
"""
import argparse
import pathlib
import shutil
import socket
import statistics
import tempfile
import time

import requests

from tests.perf import bench_api
from tests.support import api_server

STALLED_STARTS = [
    b'',
    b'GET / HT',
    b'GET / HTTP/1.1\r\nHost: bench\r\nAccept: appli',
    b'POST /v1/segments HTTP/1.1\r\nHost: bench\r\n'
    b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"seg',
]
REQUEST_TIMEOUT = 10
PATHS = ['/', '/v1/segments']
GIVE_UP_AFTER = 3


def open_stalled(port: int, count: int) -> list[socket.socket]:
    stalled = []
    for i in range(count):
        try:
            sock = socket.create_connection(('127.0.0.1', port), timeout=2)
        except OSError:
            break  # the server accepts no more connections
        sock.sendall(STALLED_STARTS[i % len(STALLED_STARTS)])
        sock.setblocking(False)
        stalled.append(sock)
    return stalled


def still_open(stalled: list[socket.socket]) -> int:
    count = 0
    for sock in stalled:
        try:
            if sock.recv(65536):
                count += 1  # an answer (an error page) on an open socket
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


def measure(url: str, count: int) -> dict:
    latencies, failed = [], 0
    for i in range(count):
        began = time.perf_counter()
        try:
            # A new connection each time: what a new client gets.
            response = requests.get(url + PATHS[i % len(PATHS)],
                                    timeout=REQUEST_TIMEOUT,
                                    headers={'Connection': 'close'})
            response.raise_for_status()
        except requests.RequestException:
            failed += 1
            if failed == GIVE_UP_AFTER and not latencies:
                break  # starved: waiting for the rest would only take long
            continue
        latencies.append(time.perf_counter() - began)
    latencies.sort()
    result = {'answered': len(latencies), 'failed': failed}
    if latencies:
        result['p50'] = statistics.median(latencies) * 1000
        result['p99'] = latencies[max(0, int(len(latencies) * 0.99) - 1)] \
            * 1000
    return result


def bench(target: bench_api.Target, args) -> dict:
    work = pathlib.Path(tempfile.mkdtemp(prefix=f'masakari-slow-{target.name}-'))
    server, stalled = None, []
    try:
        port = api_server.free_port()
        config = api_server.write_config(
            work / 'masakari.conf', f'sqlite:///{work}/masakari.sqlite', port,
            workers=args.workers, api_paste_config=target.paste_config)
        bench_api.db_sync(target, config)
        server = api_server.APIServer(
            config, port, work / 'api.log', env=bench_api.clean_env(),
            command=[str(target.bin_dir / 'masakari-api'), '--config-file',
                     str(config)]).start(timeout=60)
        baseline = measure(server.url, args.requests)
        stalled = open_stalled(port, args.stalled)
        time.sleep(1)
        result = measure(server.url, args.requests)
        result['held'] = still_open(stalled)
        result['baseline_p50'] = baseline.get('p50')
        print(f"{target.name}: {len(stalled)} of {args.stalled} stalled "
              f"connections opened, "
              f"{result['held']} held open; {args.requests} requests: "
              f"{result['answered']} answered, {result['failed']} failed "
              f"(timeout {REQUEST_TIMEOUT} s), "
              + (f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
                 if result['answered'] else 'no latency')
              + f" (p50 without stalled clients "
                f"{baseline.get('p50', float('nan')):.1f} ms)", flush=True)
        return result
    finally:
        for sock in stalled:
            sock.close()
        if server is not None:
            try:
                server.stop()
            except AssertionError:
                # Upstream logs a traceback for each stalled body cut off.
                if target.name == 'ours':
                    raise
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stalled', type=int, default=48)
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--target', choices=['ours', 'upstream', 'both'],
                        default='both')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--upstream-venv', type=pathlib.Path,
                        default=bench_api.DEFAULT_UPSTREAM_VENV)
    args = parser.parse_args()
    targets = []
    if args.target in ('ours', 'both'):
        targets.append(bench_api.ours())
    if args.target in ('upstream', 'both'):
        targets.append(bench_api.upstream(args.upstream_venv))
    for _ in range(args.rounds):
        for target in targets:
            bench(target, args)


if __name__ == '__main__':
    main()
