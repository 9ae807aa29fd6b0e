"""masakari-processmonitor as a daemon: signals, logs and exit status."""
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.monitors import processes

BIN = pathlib.Path(sys.executable).parent
REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = 'masakarimonitors-processmonitor'


def _wait(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError('timed out')
        time.sleep(0.05)


class Daemon:
    def __init__(self, tmp_path: pathlib.Path, options: dict) -> None:
        self.log = tmp_path / 'processmonitor.log'
        self.config = tmp_path / 'masakarimonitors.conf'
        lines = ['[DEFAULT]', 'debug = True']
        for group, values in options.items():
            if group != 'DEFAULT':
                lines.append(f'[{group}]')
            lines.extend(f'{key} = {value}' for key, value in values.items())
        self.config.write_text('\n'.join(lines) + '\n')
        self.process = subprocess.Popen(
            [str(BIN / 'masakari-processmonitor'), '--config-file',
             str(self.config), '--log-file', str(self.log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)))

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ''

    def count(self, message: str) -> int:
        return self.text().count(message)

    def signal(self, signo: int) -> None:
        self.process.send_signal(signo)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def daemons():
    started = []

    def start(tmp_path, options):
        daemon = Daemon(tmp_path, options)
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
        _wait(lambda: f"Process '{first.process_name}' is found." in
              daemon.text())
        assert f'INFO masakarimonitors.service [-] Starting {BINARY}' in \
            daemon.text()

        list_path.write_text(yaml.safe_dump([first.entry(),
                                             second.entry()]))
        daemon.signal(signal.SIGHUP)
        pid = second.wait_for_pid()
        assert daemon.count(f'Starting {BINARY}') == 2
        assert daemon.count(f'Stopping {BINARY}') == 1
        _wait(lambda: f"Process '{second.process_name}' is found." in
              daemon.text())

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


def test_main_raising_exits_zero(tmp_path, daemons):
    daemon = daemons(tmp_path, {'DEFAULT': {
        'processmonitor_manager': 'tests.monitors.broken_manager.Manager'}})
    assert daemon.process.wait(15) == 0          # QUIRK-1
    text = daemon.text()
    assert 'ERROR masakarimonitors.service [-] Error starting thread.' in text
    assert 'RuntimeError: manager broke' in text
    assert f'Stopping {BINARY}' in text


def test_unloadable_list_idles_until_sigterm(tmp_path, daemons):
    daemon = daemons(tmp_path, {'process': {
        'process_list_path': tmp_path / 'missing.yaml'}})
    _wait(lambda: 'Failed to load process list file.' in daemon.text())
    time.sleep(0.5)
    assert daemon.process.poll() is None          # QUIRK-2
    assert 'Exception caught: ' in daemon.text()
    daemon.signal(signal.SIGTERM)
    assert daemon.process.wait(10) == 0


def test_invalid_tempdir_exits_one(tmp_path, daemons):
    daemon = daemons(tmp_path, {'DEFAULT': {
        'tempdir': tmp_path / 'no' / 'such' / 'dir'}})
    assert daemon.process.wait(15) == 1
    assert 'Temporary directory is invalid: ' in daemon.text()
