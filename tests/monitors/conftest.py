"""Fixtures of the monitors' tests: a parsed masakarimonitors config, the
stub Masakari API and captured log records."""
import logging
import pathlib
import sys

import pytest

from masakarimonitors.conf import CONF
from tests.monitors import stub_api
from tests.monitors.daemon import write_config
from tests.support import api_server
from tests.support import seed

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


@pytest.fixture(scope='session')
def stub_server():
    """One Keystone + Masakari stub for the whole run: stopping one takes
    half a second. Module-scoped monitors post to it directly."""
    with stub_api.StubAPI() as server:
        yield server


@pytest.fixture
def stub(stub_server):
    """The stub Masakari the monitors post to, emptied for each test."""
    stub_server.reset()
    return stub_server


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


@pytest.fixture
def real_api(keystone, masakari_api_port, tmp_path):
    """The project's masakari-api with the keystone pipeline and one host,
    compute-1, in a segment."""
    url = f'sqlite:///{tmp_path}/masakari.sqlite'
    authtoken = ''.join(f'{key} = {value}\n' for key, value
                        in keystone.authtoken_options().items())
    config = api_server.write_config(
        tmp_path / 'masakari.conf', url, masakari_api_port,
        extra='[keystone_authtoken]\n' + authtoken, auth_strategy='keystone')
    api_server.db_sync(config)
    seed.segment_with_hosts(url, 'seg', ['compute-1'])
    server = api_server.APIServer(config, masakari_api_port,
                                  tmp_path / 'api.log').start()
    yield server
    server.stop()


@pytest.fixture
def privsep_helper(tmp_path, monkeypatch):
    """Makes this (root) test process look unprivileged to
    masakarimonitors.command, with [masakarimonitors_privileged]
    helper_command set to a wrapper of the real privsep-helper that records
    its arguments in ``<tmp_path>/privsep-helper.calls``; returns those
    settings. The daemon started meanwhile is stopped afterwards."""
    from masakarimonitors import command
    from masakarimonitors import privsep
    calls = tmp_path / 'privsep-helper.calls'
    wrapper = tmp_path / 'privsep-helper'
    helper = pathlib.Path(sys.executable).parent / 'privsep-helper'
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {helper} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(command.os, 'geteuid', lambda: 1000)
    yield {'helper_command': str(wrapper)}
    privsep.monitors_priv.stop()
