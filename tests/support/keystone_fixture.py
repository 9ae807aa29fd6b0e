"""pytest fixtures for a real Keystone (see tests/support/keystone.py).

Load them with ``pytest_plugins = ['tests.support.keystone_fixture']`` in the
root conftest.py (or in a test module).

``keystone`` is one started Keystone for the whole session, with
admin/admin (project admin), masakari/masakari (project service, roles admin
and service) and demo/demo (project demo, role member), and a public
``instance-ha`` endpoint at ``instance_ha_endpoint``. Override the
``masakari_api_port`` or ``instance_ha_endpoint`` fixtures to change that
URL, or call ``keystone.set_instance_ha_endpoint(url)``.

Without .venv-cloud (tools/cloud-venv.sh) the tests are skipped, or
fail when CI=true.
"""
import os

import pytest

from tests.support import keystone as ks
from tests.support.ports import free_port


@pytest.fixture(scope='session')
def masakari_api_port() -> int:
    """A free loopback port for a masakari-api that tests start themselves."""
    return free_port()


@pytest.fixture(scope='session')
def instance_ha_endpoint(masakari_api_port) -> str:
    return f'http://127.0.0.1:{masakari_api_port}/v1/%(tenant_id)s'


@pytest.fixture(scope='session')
def keystone(tmp_path_factory, instance_ha_endpoint):
    try:
        ks.check_venv(ks.venv_path())
    except ks.KeystoneUnavailable as error:
        if os.environ.get('CI') == 'true':
            pytest.fail(str(error), pytrace=False)
        pytest.skip(str(error))
    server = ks.Keystone(tmp_path_factory.mktemp('keystone'),
                         instance_ha_url=instance_ha_endpoint)
    server.start()
    yield server
    server.stop()
