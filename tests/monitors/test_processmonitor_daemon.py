"""masakari-processmonitor as a daemon: signals, logs and exit status."""
import signal
import time

import pytest
import yaml

from tests.monitors import processes
from tests.monitors.daemon import Daemon

BINARY = 'masakarimonitors-processmonitor'


@pytest.fixture
def daemons():
    started = []

    def start(tmp_path, sections):
        daemon = Daemon('masakari-processmonitor', tmp_path, sections)
        started.append(daemon)
        return daemon
    yield start
    for daemon in started:
        daemon.close()


def test_sighup_reloads_the_list_and_sigterm_stops(tmp_path, daemons):
    first = processes.Sleeper(tmp_path / 'a')
    second = processes.Sleeper(tmp_path / 'b')
    list_path = tmp_path / 'process_list.yaml'
    list_path.write_text(yaml.safe_dump([first.entry()]))
    daemon = daemons(tmp_path, {'process': {
        'check_interval': 60, 'restart_interval': 0,
        'process_list_path': list_path}})
    try:
        first.wait_for_pid()
        daemon.wait_for_log(f"Process '{first.process_name}' is found.")
        assert f'INFO masakarimonitors.service [-] Starting {BINARY}' in \
            daemon.text()

        list_path.write_text(yaml.safe_dump([first.entry(),
                                             second.entry()]))
        daemon.signal(signal.SIGHUP)
        pid = second.wait_for_pid()
        assert daemon.count(f'Starting {BINARY}') == 2
        assert daemon.count(f'Stopping {BINARY}') == 1
        daemon.wait_for_log(f"Process '{second.process_name}' is found.")

        # A death is seen at once, not after the 60 s interval.
        second.kill()
        second.wait_for_pid(other_than={pid}, timeout=5)
        assert f"Process '{second.process_name}' is not found." in \
            daemon.text()

        daemon.signal(signal.SIGTERM)
        assert daemon.process.wait(10) == 0
        assert daemon.count(f'Stopping {BINARY}') == 2
        assert 'eventlet' not in daemon.text().lower()
    finally:
        first.kill()
        second.kill()


def test_sighup_with_a_list_of_the_wrong_shape_keeps_the_previous(
        tmp_path, daemons):
    sleeper = processes.Sleeper(tmp_path / 'a')
    list_path = tmp_path / 'process_list.yaml'
    list_path.write_text(yaml.safe_dump([sleeper.entry()]))
    daemon = daemons(tmp_path, {'process': {
        'check_interval': 60, 'restart_interval': 0,
        'process_list_path': list_path}})
    try:
        pid = sleeper.wait_for_pid()
        daemon.wait_for_log(f"Process '{sleeper.process_name}' is found.")
        list_path.write_text(yaml.safe_dump([{'process_name': 'x'}]))
        daemon.signal(signal.SIGHUP)
        daemon.wait_for_log('Failed to load process list file.')
        assert f'Invalid process list file {list_path}: entry 1: missing ' \
            "key(s) 'start_command'" in daemon.text()
        sleeper.kill()
        sleeper.wait_for_pid(other_than={pid}, timeout=5)
        daemon.signal(signal.SIGTERM)
        assert daemon.process.wait(10) == 0
        assert 'Traceback' not in daemon.text()
    finally:
        sleeper.kill()


def test_main_raising_exits_zero(tmp_path, daemons):
    daemon = daemons(tmp_path, {'DEFAULT': {
        'processmonitor_manager': 'tests.monitors.broken_manager.Manager'}})
    # Exit status 0 after a failed start, as upstream.
    assert daemon.process.wait(15) == 0
    text = daemon.text()
    assert 'ERROR masakarimonitors.service [-] Error starting thread.' in text
    assert 'RuntimeError: manager broke' in text
    assert f'Stopping {BINARY}' in text


def test_unloadable_list_idles_until_sigterm(tmp_path, daemons):
    daemon = daemons(tmp_path, {'process': {
        'process_list_path': tmp_path / 'missing.yaml'}})
    daemon.wait_for_log('Failed to load process list file.')
    time.sleep(0.5)
    # Alive and idle after main() returned, as upstream.
    assert daemon.process.poll() is None
    assert 'Exception caught: ' in daemon.text()
    daemon.signal(signal.SIGTERM)
    assert daemon.process.wait(10) == 0


def test_invalid_tempdir_exits_one(tmp_path, daemons):
    daemon = daemons(tmp_path, {'DEFAULT': {
        'tempdir': tmp_path / 'no' / 'such' / 'dir'}})
    assert daemon.process.wait(15) == 1
    assert 'Temporary directory is invalid: ' in daemon.text()
