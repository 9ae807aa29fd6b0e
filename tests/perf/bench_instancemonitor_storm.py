"""The instance monitor under a libvirt event storm with the API down.

    .venv/bin/python -m tests.perf.bench_instancemonitor_storm
        [--target ours|upstream|both] [--rate 1000] [--duration 60]
        [--domains 500] [--max-threads 30000] [--max-rss-mb 6000]
        [--every 5] [--upstream-venv PATH]

Each target runs in a process of its own (both packages are called
``masakarimonitors``) with the monitors' defaults (``[callback]
retry_max`` 12, ``retry_interval`` 10) and ``[api] auth_url`` on a closed
port. One thread calls the monitor's real ``EventFilter.vir_event_filter``
-- what each libvirt domain callback calls -- ``--rate`` times a second for
``--duration`` seconds with matched LIFECYCLE events (the seven sent
details) spread over ``--domains`` instances. The process's thread count
and RSS (from /proc) are sampled every second and printed every
``--every`` seconds; at the end the peak and final values, and the
achieved event rate: a monitor that cannot keep up delays libvirt's
event loop.

A thread per event lives as long as its retries (about two minutes here),
so a run stops feeding early, and says so, once the process has
``--max-threads`` threads or ``--max-rss-mb`` of RSS: the machine is
shared.

``--target upstream`` runs upstream masakari-monitors 22.0.0 from the venv
that ``sh tests/perf/upstream_monitors_venv.sh`` creates.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

from tests.support import api_server

OURS_PYTHON = pathlib.Path(sys.executable)
DEFAULT_UPSTREAM_VENV = pathlib.Path('/work/upstream-masakari-monitors/venv')

# Run with -I from a scratch directory, so that the target's own
# masakarimonitors is imported, never this repository's by accident.
CHILD = r'''
import os
import random
import re
import sys
import threading
import time
import uuid

from oslo_log import log

from masakarimonitors.conf import CONF
from masakarimonitors.instancemonitor.libvirt_handler import eventfilter

(config, rate, duration, domains, max_threads, max_rss_mb,
 every) = sys.argv[1:]
rate, duration, domains = int(rate), float(duration), int(domains)
every = int(every)
max_threads, max_rss_mb = int(max_threads), float(max_rss_mb)

log.register_options(CONF)
CONF(['--config-file', config], project='masakarimonitors',
     default_config_files=[], default_config_dirs=[])
log.setup(CONF, 'masakarimonitors')

# LIFECYCLE (event type, detail) pairs that are sent.
ROWS = [(3, 2), (3, 3), (3, 6), (5, 0), (5, 1), (5, 5), (6, 0)]
uuids = [str(uuid.uuid4()) for _ in range(domains)]
choose = random.Random(7)
event_filter = eventfilter.EventFilter()


def footprint():
    status = open('/proc/self/status').read()
    threads = int(re.search(r'Threads:\s+(\d+)', status).group(1))
    rss = int(re.search(r'VmRSS:\s+(\d+) kB', status).group(1)) / 1024
    return threads, rss


fed = errors = 0
stop = None
peak = [0, 0.0]
started = time.monotonic()


def sample(elapsed, shown):
    global stop
    threads, rss = footprint()
    peak[0], peak[1] = max(peak[0], threads), max(peak[1], rss)
    if shown:
        print(f'  t={elapsed:5.1f}s events={fed:6d} threads={threads:6d} '
              f'rss={rss:7.1f} MB', flush=True)
    if stop is None and threads >= max_threads:
        stop = f'{threads} threads (--max-threads)'
    if stop is None and rss >= max_rss_mb:
        stop = f'{rss:.0f} MB RSS (--max-rss-mb)'


def sampler():
    second = 1
    while True:
        time.sleep(max(0, started + second - time.monotonic()))
        sample(time.monotonic() - started, second % every == 0)
        second += 1


threading.Thread(target=sampler, daemon=True).start()
while stop is None:
    elapsed = time.monotonic() - started
    if elapsed >= duration:
        break
    if fed > elapsed * rate:
        time.sleep(0.001)
        continue
    event_type, detail = choose.choice(ROWS)
    try:
        event_filter.vir_event_filter(0, event_type, detail,
                                      uuids[fed % domains])
    except Exception as e:
        errors += 1
        if errors == 1:
            print(f'  first error: {e!r}', flush=True)
    fed += 1
elapsed = time.monotonic() - started
threads, rss = footprint()
peak[0], peak[1] = max(peak[0], threads), max(peak[1], rss)
print(f'RESULT events={fed} in {elapsed:.1f} s ({fed / elapsed:.0f}/s), '
      f'errors={errors}; threads peak {peak[0]} end {threads}; '
      f'RSS peak {peak[1]:.1f} MB end {rss:.1f} MB'
      + (f'; stopped early at {stop}' if stop else ''), flush=True)
queue = getattr(event_filter, 'queue', None)
if queue is not None:
    waiting = sum(len(kinds) for kinds in queue._waiting.values())
    print(f'RESULT queue: {waiting} notifications of '
          f'{len(queue._waiting)} instances waiting, {len(queue._sending)} '
          f'being sent, {queue._replaced} replaced, {queue._dropped} '
          f'dropped', flush=True)
# Upstream's senders are not daemon threads; do not wait for their retries.
sys.stdout.flush()
os._exit(0)
'''


def write_config(directory: pathlib.Path) -> pathlib.Path:
    port = api_server.free_port()     # nothing listens there
    path = directory / 'masakarimonitors.conf'
    path.write_text(f"""[DEFAULT]
hostname = storm-node
debug = False
log_file = {directory}/monitor.log

[api]
auth_type = password
auth_url = http://127.0.0.1:{port}/identity
username = admin
password = secret
project_name = admin
user_domain_name = Default
project_domain_name = Default
""")
    return path


def run(name: str, python: pathlib.Path, args, directory: pathlib.Path
        ) -> list[str]:
    print(f'== {name} ({python})', flush=True)
    script = directory / 'storm_child.py'
    script.write_text(CHILD)
    config = write_config(directory)
    process = subprocess.Popen(
        [str(python), '-I', str(script), str(config), str(args.rate),
         str(args.duration), str(args.domains), str(args.max_threads),
         str(args.max_rss_mb), str(args.every)],
        cwd=directory, stdout=subprocess.PIPE, text=True)
    results = []
    for line in process.stdout:
        print(line, end='', flush=True)
        if line.startswith('RESULT'):
            results.append(line.strip())
    process.wait()
    if process.returncode:
        results.append(f'exited with status {process.returncode}')
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--target', choices=('ours', 'upstream', 'both'),
                        default='both')
    parser.add_argument('--rate', type=int, default=1000)
    parser.add_argument('--duration', type=float, default=60)
    parser.add_argument('--domains', type=int, default=500)
    parser.add_argument('--max-threads', type=int, default=30000)
    parser.add_argument('--max-rss-mb', type=float, default=6000)
    parser.add_argument('--every', type=int, default=5,
                        help='print a sample every this many seconds')
    parser.add_argument('--upstream-venv', type=pathlib.Path,
                        default=DEFAULT_UPSTREAM_VENV)
    args = parser.parse_args()
    targets = []
    if args.target in ('ours', 'both'):
        targets.append(('ours', OURS_PYTHON))
    if args.target in ('upstream', 'both'):
        targets.append(('upstream 22.0.0',
                        args.upstream_venv / 'bin' / 'python'))
    summary = {}
    for name, python in targets:
        with tempfile.TemporaryDirectory(prefix='storm-') as directory:
            summary[name] = run(name, python, args, pathlib.Path(directory))
    print(f'\n{args.rate} events/s for {args.duration:g} s over '
          f'{args.domains} instances, API down (closed port), retry_max 12, '
          f'retry_interval 10:')
    for name, results in summary.items():
        for line in results:
            print(f'  {name}: {line.removeprefix("RESULT ")}')


if __name__ == '__main__':
    main()
