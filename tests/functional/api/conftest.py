import pytest

from tests.support import api_server as server_support
from tests.support import nova


@pytest.fixture
def nova_standin():
    with nova.running(hosts=['node1', 'node2', 'n3', 'hx', 'hy', 'hz']) as sim:
        yield sim


@pytest.fixture
def api_server_on(nova_standin, tmp_path):
    """Starts masakari-api (noauth2, two workers) on a database URL, with
    the Nova stand-in as its Nova."""
    servers = []

    def start(database_url: str):
        port = server_support.free_port()
        config = server_support.write_config(
            tmp_path / 'masakari.conf', database_url, port,
            extra=nova.masakari_options(nova_standin))
        server_support.db_sync(config)
        server = server_support.APIServer(config, port, tmp_path / 'api.log')
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def api_server(api_server_on, database_url):
    return api_server_on(database_url)


@pytest.fixture
def servers():
    """API servers a test starts; each is stopped (and its log checked)
    when the test ends."""
    started = []
    yield started
    for server in started:
        server.stop()
