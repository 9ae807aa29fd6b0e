"""masakari-api logs one line per request in upstream's format
(``[wsgi] wsgi_log_format``) through oslo.log, under upstream's logger name,
with the request's id when it has one: to a log file and to journald."""
import re
import subprocess

import requests

from tests.support import api_server
from tests.support import journald as jd

LOGGER = 'masakari.masakari_api.wsgi.server'
# upstream 22.0.0 (eventlet), for example:
# INFO masakari.masakari_api.wsgi.server [None req-<id> - - - - - -]
#   127.0.0.1 "GET /v1/segments HTTP/1.1" status: 200 len: 259 time: 0.3545635
LINE = re.compile(
    rf' INFO {re.escape(LOGGER)} \[(?P<context>[^\]]*)\] '
    r'(?P<client>\S+) "(?P<request>[^"]*)" status: (?P<status>\d+) '
    r'len: (?P<len>\d+) time: (?P<time>\d+\.\d{7})$')


def _start(tmp_path, extra: str = '', command=None) -> api_server.APIServer:
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, workers=1, extra=extra)
    api_server.db_sync(config)
    argv = [str(api_server.BIN / 'masakari-api'), '--config-file', str(config)]
    return api_server.APIServer(config, port, tmp_path / 'api.out',
                                command=command(argv) if command else None)


def _access_lines(log: str) -> list[re.Match]:
    return [match for match in map(LINE.search, log.splitlines()) if match]


def test_one_line_per_request_in_upstreams_format(servers, tmp_path):
    log_file = tmp_path / 'api.log'
    server = _start(tmp_path, f'[DEFAULT]\nlog_file = {log_file}\n').start()
    servers.append(server)
    version = requests.get(server.url + '/', timeout=10)
    listed = requests.get(server.url + '/v1/segments?limit=5', timeout=10,
                          headers={'X-Forwarded-For': '192.0.2.7'})
    missing = requests.delete(server.url + '/v1/segments/nope', timeout=10)
    server.stop()

    lines = _access_lines(log_file.read_text())
    # The start-up probes of the test's server helper come first.
    lines = lines[-3:]
    assert [(m['client'], m['request'], m['status'], m['len'])
            for m in lines] == [
        ('127.0.0.1', 'GET / HTTP/1.1', '200', str(len(version.content))),
        ('192.0.2.7,127.0.0.1', 'GET /v1/segments?limit=5 HTTP/1.1', '200',
         str(len(listed.content))),
        ('127.0.0.1', 'DELETE /v1/segments/nope HTTP/1.1', '404',
         str(len(missing.content))),
    ]
    # The version document has no request context; /v1 requests log theirs.
    assert lines[0]['context'] == '-'
    assert lines[1]['context'].startswith(
        'None ' + listed.headers['x-openstack-request-id'])
    assert lines[2]['context'].startswith(
        'None ' + missing.headers['x-openstack-request-id'])
    assert all(0 < float(m['time']) < 10 for m in lines)


def test_custom_format(servers, tmp_path):
    log_file = tmp_path / 'api.log'
    server = _start(tmp_path, f'[DEFAULT]\nlog_file = {log_file}\n[wsgi]\n'
                              'wsgi_log_format = %(request_line)s -> '
                              '%(status_code)s\n').start()
    servers.append(server)
    requests.get(server.url + '/v1/segments', timeout=10)
    server.stop()
    assert f'{LOGGER} [None req-' in log_file.read_text()
    assert re.search(r'\] GET /v1/segments HTTP/1.1 -> 200$',
                     log_file.read_text(), re.M)


def test_invalid_format_refuses_to_start(tmp_path):
    port = api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, extra='[wsgi]\nwsgi_log_format = %(client)s\n')
    result = subprocess.run(
        [str(api_server.BIN / 'masakari-api'), '--config-file', str(config)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert ("Cannot start: [wsgi] wsgi_log_format '%(client)s' is invalid: "
            "KeyError('client')") in result.stdout + result.stderr


def test_access_lines_reach_journald(servers, tmp_path):
    journald = jd.Journald(tmp_path / 'journald.log').start()
    try:
        server = _start(tmp_path, '[DEFAULT]\nuse_journal = true\n',
                        command=journald.command).start()
        servers.append(server)
        r = requests.get(server.url + '/v1/segments', timeout=10)
        request_id = r.headers['x-openstack-request-id']
        entries = journald.wait_for(bool, f'REQUEST_ID={request_id}',
                                    f'LOGGER_NAME={LOGGER}')
    finally:
        journald.stop()
    assert len(entries) == 1
    entry = entries[0]
    assert entry['SYSLOG_IDENTIFIER'] == 'masakari-api'
    assert entry['PRIORITY'] == '6'
    assert LINE.search(entry['MESSAGE'])['request'] == \
        'GET /v1/segments HTTP/1.1'
