"""masakari-all-in-one: the API and the engine in one process, started and
stopped as a service is, and refusing TLS it cannot serve. The demo's test
(test_demo.py) runs its recoveries."""
import signal
import subprocess
import time

import requests

from tests.support import api_server
from tests.support.api_server import BIN
from tests.support.engine_server import READY


def _config(tmp_path, port: int, extra: str = ''):
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite', port, extra=extra)
    api_server.db_sync(config)
    return config


def _versions(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=2)
    except requests.ConnectionError:
        return None


def test_serves_the_api_runs_the_engine_and_stops_on_sigterm(tmp_path):
    port = api_server.free_port()
    config = _config(tmp_path, port)
    process = subprocess.Popen([str(BIN / 'masakari-all-in-one'), '--config-file', str(config)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while (versions := _versions(f'http://127.0.0.1:{port}/')) is None:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert versions.status_code == 200
        assert versions.json()['versions'][0]['id'] == 'v1.0'
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    log = process.stdout.read()
    assert READY in log and 'masakari-all-in-one stopping' in log
    assert 'Traceback' not in log


def test_refuses_tls(tmp_path):
    config = _config(tmp_path, api_server.free_port(), extra='[DEFAULT]\nuse_ssl = true\n')
    result = subprocess.run([str(BIN / 'masakari-all-in-one'), '--config-file', str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert 'masakari-all-in-one serves plain HTTP only' in result.stderr
    assert 'Traceback' not in result.stderr
