"""The WSGI entry point ``masakari.wsgi.api:application`` served by gunicorn,
configured only through $OS_MASAKARI_CONFIG_DIR (masakari.conf and
api-paste.ini in that directory)."""
import os
import pathlib

import pytest
import requests

from tests.support import api_server

GUNICORN = str(api_server.BIN / 'gunicorn')


@pytest.fixture
def gunicorn(tmp_path):
    """Makes a gunicorn server of the entry point for a config directory."""
    servers = []

    def make(config_dir: pathlib.Path) -> api_server.APIServer:
        port = api_server.free_port()
        # No control socket: its default path is shared by every run.
        command = [GUNICORN, '--workers', '1', '--bind', f'127.0.0.1:{port}',
                   '--no-control-socket', 'masakari.wsgi.api:application']
        env = dict(os.environ, OS_MASAKARI_CONFIG_DIR=str(config_dir))
        servers.append(api_server.APIServer(None, port, tmp_path / 'gunicorn.log',
                                            command=command, env=env))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def config_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    directory = tmp_path / 'etc-masakari'
    directory.mkdir()
    # The paste file of the directory, not the repository's, must be used:
    # its healthcheck is switched off by a file that exists.
    disable = tmp_path / 'healthcheck_disable'
    disable.touch()
    (directory / 'api-paste.ini').write_text(
        (api_server.REPO / 'etc/masakari/api-paste.ini').read_text().replace(
            '/etc/masakari/healthcheck_disable', str(disable)))
    # api_paste_config names a missing file: the entry point must not read it.
    api_server.write_config(directory / 'masakari.conf',
                            f'sqlite:///{tmp_path}/masakari.sqlite',
                            api_server.free_port(),
                            api_paste_config=tmp_path / 'missing.ini')
    api_server.db_sync(directory / 'masakari.conf')
    return directory


def test_application_serves_the_api(gunicorn, tmp_path):
    server = gunicorn(config_dir(tmp_path)).start()
    r = requests.get(server.url + '/', timeout=10)
    assert r.status_code == 200
    assert [v['id'] for v in r.json()['versions']] == ['v1.0']
    assert requests.get(server.url + '/healthcheck', timeout=10).status_code == 503

    # noauth2 and the database come from the directory's masakari.conf.
    r = requests.post(server.url + '/v1/segments', timeout=10, json={'segment': {
        'name': 'wsgi-seg', 'service_type': 'COMPUTE', 'recovery_method': 'auto'}})
    assert r.status_code == 201, r.text
    created = r.json()['segment']
    r = requests.get(server.url + '/v1/segments', timeout=10)
    assert r.status_code == 200
    assert [s['uuid'] for s in r.json()['segments']] == [created['uuid']]
    r = requests.get(f"{server.url}/v1/segments/{created['uuid']}", timeout=10)
    assert r.json()['segment'] == created


def test_missing_config_dir_fails_at_start(gunicorn, tmp_path):
    missing = tmp_path / 'no-such-dir'
    server = gunicorn(missing)
    with pytest.raises(RuntimeError, match='exited'):
        server.start()
    assert f'{missing}/' in server.log.read_text()


def test_config_dir_without_masakari_conf_fails_at_start(gunicorn, tmp_path):
    # Both files of the directory are required configuration, as upstream
    # hands both to oslo.config.
    directory = config_dir(tmp_path)
    (directory / 'masakari.conf').unlink()
    server = gunicorn(directory)
    with pytest.raises(RuntimeError, match='exited'):
        server.start()
    assert f'{directory}/masakari.conf' in server.log.read_text()
