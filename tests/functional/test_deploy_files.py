"""The systemd units of etc/systemd and the uWSGI file of masakari-api work
as shipped, with only the virtualenv path changed."""
import configparser
import os
import shutil
import subprocess
import sys
import time

import requests

from tests.support import api_server

REPO = api_server.REPO
SHIPPED_VENV = '/openstack/venvs/masakari'
SERVICES = ('masakari-api', 'masakari-engine', 'masakari-hostmonitor',
            'masakari-instancemonitor', 'masakari-introspectiveinstancemonitor',
            'masakari-processmonitor')


def with_venv(text: str) -> str:
    """The file as an operator adapts it to this test's virtualenv."""
    assert SHIPPED_VENV in text
    return text.replace(SHIPPED_VENV, sys.prefix)


def test_systemd_units_verify(tmp_path):
    units = sorted(p.name for p in (REPO / 'etc/systemd').glob('*.service'))
    assert units == sorted(f'{name}.service' for name in SERVICES)
    for name in SERVICES:
        text = (REPO / f'etc/systemd/{name}.service').read_text()
        unit = configparser.ConfigParser(interpolation=None)
        unit.read_string(text)
        service = unit['Service']
        # What the OpenStack-Ansible role renders: the console script with
        # no --config-file, run as masakari, reloaded by SIGHUP.
        assert service['ExecStart'] == f'{SHIPPED_VENV}/bin/{name}'
        assert (service['User'], service['Group']) == ('masakari', 'masakari')
        assert service['ExecReload'] == '/bin/kill -HUP $MAINPID'
        assert service['Slice'] == 'masakari.slice'
        assert service['Restart'] == 'on-failure'
        (tmp_path / f'{name}.service').write_text(with_venv(text))
    # verify also fails when ExecStart is not an installed executable, and
    # warns (on stderr) of any key it does not know.
    result = subprocess.run(
        [shutil.which('systemd-analyze') or 'systemd-analyze', 'verify',
         *sorted(str(p) for p in tmp_path.glob('*.service'))],
        capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, '')


def test_uwsgi_serves_the_api(tmp_path):
    config_dir = tmp_path / 'etc-masakari'
    config_dir.mkdir()
    shutil.copy(REPO / 'etc/masakari/api-paste.ini', config_dir)
    api_server.write_config(config_dir / 'masakari.conf',
                            f'sqlite:///{tmp_path}/masakari.sqlite',
                            api_server.free_port())
    api_server.db_sync(config_dir / 'masakari.conf')
    port = api_server.free_port()
    ini = with_venv((REPO / 'etc/masakari/masakari-api-uwsgi.ini').read_text())
    assert 'http-socket = :15868\n' in ini
    ini = ini.replace('http-socket = :15868', f'http-socket = 127.0.0.1:{port}')
    (tmp_path / 'uwsgi.ini').write_text(ini)
    server = api_server.APIServer(
        None, port, tmp_path / 'uwsgi.log',
        command=[str(api_server.BIN / 'uwsgi'), '--ini', str(tmp_path / 'uwsgi.ini')],
        env=dict(os.environ, OS_MASAKARI_CONFIG_DIR=str(config_dir)))
    server.start(timeout=60)
    try:
        # Both workers build the application (lazy-apps); stopping one still
        # building would log its interruption as an error.
        wait_for(lambda: server.log.read_text().count('WSGI app 0 (mountpoint=') == 2)
        versions = requests.get(server.url + '/', timeout=10).json()
        assert [v['id'] for v in versions['versions']] == ['v1.0']
        segments = requests.get(server.url + '/v1/segments', timeout=10)
        assert (segments.status_code, segments.json()) == (200, {'segments': []})
    finally:
        server.stop()


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.2)
