# masakari selects oslo.service's threading backend; it must be imported
# before any test module imports oslo.messaging.
import pytest

import masakari  # noqa: F401
from tests.support import databases

pytest_plugins = ['tests.support.keystone_fixture']


@pytest.fixture(params=databases.BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database on each of SQLite, MariaDB and PostgreSQL."""
    url = databases.create(request.param, tmp_path)
    yield url
    databases.drop(url)
