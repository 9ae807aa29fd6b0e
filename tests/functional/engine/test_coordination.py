"""Engine locks across processes with [coordination] on a real Redis: a
host recovery held by one engine cannot be started by another, and the
lock of an engine killed with SIGKILL expires."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from masakari import exception
from masakari.conf import CONF
from masakari.engine import locks
from tests.support.coordination import require_redis

BACKEND = 'redis://127.0.0.1:6379?lock_timeout=2'
HOLDER = textwrap.dedent("""
    import sys, time
    import masakari
    from masakari.conf import CONF
    from masakari.engine import locks
    CONF([], default_config_files=[])
    CONF.set_override('backend_url', sys.argv[1], 'coordination')
    with locks.lock(sys.argv[2]):
        print('held', flush=True)
        time.sleep(120)
""")


@pytest.fixture
def coordination():
    require_redis()
    CONF.set_override('backend_url', BACKEND, 'coordination')
    yield
    locks.stop()
    CONF.clear_override('backend_url', 'coordination')


def test_another_engines_lock_excludes_until_it_dies(coordination, tmp_path):
    name = f'masakari-host-{os.getpid()}-{time.monotonic_ns()}'
    holder = subprocess.Popen([sys.executable, '-c', HOLDER, BACKEND, name],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        with pytest.raises(exception.LockAlreadyAcquired):
            with locks.lock(name, blocking=False):
                pass
        # Still held well past the lock timeout: the holder's heartbeat
        # keeps it while it works.
        time.sleep(3)
        with pytest.raises(exception.LockAlreadyAcquired):
            with locks.lock(name, blocking=False):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 10
    while True:
        try:
            with locks.lock(name, blocking=False):
                break
        except exception.LockAlreadyAcquired:
            assert time.monotonic() < deadline, 'the dead engine kept its lock'
            time.sleep(0.2)
