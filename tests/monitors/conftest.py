"""Fixtures of the monitors' tests: a parsed masakarimonitors config."""
import logging
import pathlib

import pytest

from masakarimonitors.conf import CONF
from tests.monitors.daemon import write_config
from tests.support import api_server

# Once the client has loaded the password plugin, its options (auth_url is
# required) stay registered on the monitors' ConfigOpts: every parse needs
# them. By default they point at a closed port.
UNREACHABLE_API = {
    'auth_url': f'http://127.0.0.1:{api_server.free_port()}/identity',
    'username': 'u', 'password': 'p', 'project_name': 'p',
    'user_domain_name': 'Default', 'project_domain_name': 'Default'}


@pytest.fixture
def monitors_conf(tmp_path):
    """Parses a config file built from {group: {option: value}}."""
    def configure(sections: dict[str, dict]) -> pathlib.Path:
        sections = {'api': UNREACHABLE_API, **sections}
        path = write_config(tmp_path / 'masakarimonitors.conf', sections)
        CONF(['--config-file', str(path)], project='masakarimonitors',
             default_config_files=[], default_config_dirs=[])
        return path
    yield configure
    CONF.reset()
    CONF.clear()


@pytest.fixture
def monitor_logs(caplog):
    caplog.set_level(logging.DEBUG, logger='masakarimonitors')
    return caplog


@pytest.fixture
def hostmonitor_init_failure(monkeypatch, monitor_logs):
    """Runs HostmonitorManager.init_host(), which must end the process with
    status 1 (os._exit); returns the ERROR record it logged."""
    from masakarimonitors.hostmonitor import host

    def fake_exit(code):
        raise SystemExit(code)

    def run(hostname: str):
        monkeypatch.setattr(host.os, '_exit', fake_exit)
        with pytest.raises(SystemExit) as exited:
            host.HostmonitorManager(host=hostname).init_host()
        assert exited.value.code == 1
        [record] = [r for r in monitor_logs.records
                    if r.name == 'masakarimonitors.hostmonitor.host']
        assert record.levelname == 'ERROR' and record.exc_info is not None
        return record
    return run
