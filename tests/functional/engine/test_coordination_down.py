"""[coordination] with its backend down: a Redis server of the test's own,
stopped and started again on the same port. While it is down the engine
says so in one line, takes no lock and runs no recovery, promptly; the
notification stays new. Once it answers again, locks work and the periodic
task runs the recovery."""
import datetime
import logging
import shutil
import subprocess
import time

import pytest
import redis

from masakari import exception
from masakari.conf import CONF
from masakari.engine import locks
from tests.support import api_server
from tests.support import recovery

SECRET = 'co0rd-s3cret'
HOST_STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'ONLINE'}


class RedisServer:
    def __init__(self, directory):
        if shutil.which('redis-server') is None:
            pytest.fail('redis-server is not installed')
        self.port, self.directory, self.process = api_server.free_port(), directory, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ['redis-server', '--port', str(self.port), '--bind', '127.0.0.1',
             '--requirepass', SECRET, '--save', '', '--appendonly', 'no',
             '--dir', str(self.directory)], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, password=SECRET, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, 'redis-server did not start'
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
            self.process = None


@pytest.fixture
def backend(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    # timeout=2: membership and locks expire 2 s after the last heartbeat,
    # and so a backend silent for 2 s counts as down.
    CONF.set_override('backend_url',
                      f'redis://:{SECRET}@127.0.0.1:{server.port}?timeout=2',
                      'coordination')
    yield server
    locks.stop()
    server.stop()
    CONF.clear_override('backend_url', 'coordination')


def lock_outcome(name: str) -> tuple[type | None, float]:
    """What taking the lock raised (None: it was taken) and how long it took."""
    started = time.monotonic()
    try:
        with locks.lock(name, blocking=False):
            pass
    except (exception.CoordinationUnavailable, exception.LockAlreadyAcquired) as error:
        return type(error), time.monotonic() - started
    return None, time.monotonic() - started


def wait_for(name: str, outcome: type | None, within: float) -> float:
    """Seconds until taking ``name`` gives ``outcome``; each attempt prompt."""
    started = time.monotonic()
    while True:
        raised, took = lock_outcome(name)
        assert took < 1, f'taking a lock took {took:.1f} s'
        if raised is outcome:
            return time.monotonic() - started
        assert time.monotonic() - started < within, (raised, outcome)
        time.sleep(0.1)


def test_recovery_waits_for_the_backend(backend, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with recovery.bench(tmp_path) as bench:
        manager = bench.manager()
        name = f'masakari-{bench.host("h1").uuid}'
        assert wait_for(name, None, within=5) < 1

        backend.stop()
        # Silent for longer than the lock timeout: down, without asking it
        # (an attempt before would wait for the client's own retries).
        time.sleep(2.5)
        wait_for(name, exception.CoordinationUnavailable, within=1)
        notification = bench.notify('COMPUTE_HOST', HOST_STOPPED,
                                    age=datetime.timedelta(minutes=2))
        bench.cast(manager, notification)
        manager._process_unfinished_notifications(bench.context)
        assert bench.notification(notification).status == 'new'
        assert bench.calls() == []

        backend.start()
        wait_for(name, None, within=10)
        manager._process_unfinished_notifications(bench.context)
        assert bench.notification(notification).status == 'finished'

    said = [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == locks.__name__]
    # Nothing else above INFO, no traceback.
    assert [r for r in caplog.records if r.name != locks.__name__
            and r.levelno >= logging.WARNING and 'coordination' in r.getMessage()] == []
    assert not any(r.exc_info for r in caplog.records)
    assert [level for level, _ in said] == ['ERROR', 'WARNING'], said
    assert 'coordination backend is not answering' in said[0][1]
    assert 'answers again' in said[1][1]
    assert SECRET not in caplog.text



def test_engine_started_while_the_backend_is_down(backend, caplog):
    backend.stop()
    started = time.monotonic()
    raised, _ = lock_outcome('masakari-first')
    assert raised is exception.CoordinationUnavailable
    assert time.monotonic() - started < locks.FIRST_CONNECT_WAIT + 1
    assert lock_outcome('masakari-first')[1] < 1
    backend.start()
    # Within the client's next retry of the connection.
    wait_for('masakari-first', None, within=15)
    said = [r.getMessage() for r in caplog.records if r.name == locks.__name__]
    assert len(said) == 2 and 'answers again' in said[1], said
    assert SECRET not in caplog.text
