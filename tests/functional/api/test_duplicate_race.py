"""Identical notifications sent at once to several API workers: exactly one
is stored, whatever the database."""
import concurrent.futures

import requests

from tests.support import api_server
from tests.support import seed

BODY = {'notification': {
    'type': 'COMPUTE_HOST', 'hostname': 'compute01',
    'generated_time': '2026-11-25T10:00:00',
    'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                'cluster_status': 'OFFLINE'}}}


def test_fifty_identical_notifications_store_one(database_url, tmp_path):
    port = api_server.free_port()
    config = api_server.write_config(tmp_path / 'masakari.conf', database_url,
                                     port, workers=8)
    api_server.db_sync(config)
    seed.segment_with_hosts(database_url, 'seg', ['compute01'])
    server = api_server.APIServer(config, port, tmp_path / 'api.log').start()
    try:
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(
                lambda _: requests.post(server.url + '/v1/notifications',
                                        json=BODY, timeout=60).status_code,
                range(50)))
        stored = requests.get(server.url + '/v1/notifications',
                              timeout=30).json()['notifications']
    finally:
        server.stop()
    assert sorted(statuses) == [202] + [409] * 49
    assert len(stored) == 1
