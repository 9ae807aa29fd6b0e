"""Runs the real masakari-api console script on a loopback port."""
import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import requests

from tests.support.ports import free_port

BIN = pathlib.Path(sys.executable).parent
REPO = pathlib.Path(__file__).resolve().parents[2]
# What masakari-api logs when a request ends in a 500.
UNEXPECTED_ERRORS = ('Unexpected error while handling a request',
                     'Caught error in the API pipeline', 'Traceback')


def write_config(path: pathlib.Path, database_url: str, port: int,
                 extra: str = '', auth_strategy: str = 'noauth2',
                 workers: int = 2, transport_url: str = 'fake:/',
                 api_paste_config: pathlib.Path | None = None) -> pathlib.Path:
    paste = api_paste_config or REPO / 'etc/masakari/api-paste.ini'
    path.write_text(textwrap.dedent(f"""\
        [DEFAULT]
        auth_strategy = {auth_strategy}
        masakari_api_listen = 127.0.0.1
        masakari_api_listen_port = {port}
        masakari_api_workers = {workers}
        transport_url = {transport_url}
        notification_delay_max = 0
        recovery_workflow_details_timeout = 1
        [database]
        connection = {database_url}
        [taskflow]
        connection = {database_url}
        [wsgi]
        api_paste_config = {paste}
        """) + textwrap.dedent(extra))
    return path


def db_sync(config: pathlib.Path) -> None:
    subprocess.run([str(BIN / 'masakari-manage'), '--config-file',
                    str(config), 'db', 'sync'], check=True,
                   capture_output=True)


def sqlite_url(work: pathlib.Path) -> str:
    return f'sqlite:///{work}/masakari.sqlite'


@contextlib.contextmanager
def sqlite_server(work: pathlib.Path, extra: str = '', workers: int = 1):
    """A masakari-api (noauth2) on a new SQLite database in ``work``, its
    URL ``sqlite_url(work)``, stopped (and its log checked) on leaving."""
    port = free_port()
    config = write_config(work / 'masakari.conf', sqlite_url(work), port,
                          extra=extra, workers=workers)
    db_sync(config)
    server = APIServer(config, port, work / 'api.log').start()
    try:
        yield server
    finally:
        server.stop()


class APIServer:
    """masakari-api with ``config``, or any ``command`` serving the API on
    ``port`` (a WSGI server with the entry point, say)."""

    def __init__(self, config: pathlib.Path | None, port: int, log: pathlib.Path,
                 command: list[str] | None = None, env: dict | None = None):
        self.port, self.log, self.env = port, log, env
        self.command = command or [str(BIN / 'masakari-api'), '--config-file',
                                   str(config)]
        self.url = f'http://127.0.0.1:{port}'
        self.process = None

    def start(self, timeout: float = 30) -> 'APIServer':
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=self.log.open('ab'),
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('masakari-api exited:\n' +
                                   self.log.read_text()[-3000:])
            try:
                if requests.get(self.url + '/', timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('masakari-api did not answer in time')

    def stop(self) -> None:
        """Stops the server, then fails if it logged an unexpected error:
        no request of the suite may end in a 500 or a traceback."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        log = self.log.read_text(errors='replace')
        for marker in UNEXPECTED_ERRORS:
            if marker in log:
                at = log.index(marker)
                raise AssertionError(f'masakari-api logged {marker!r}:\n'
                                     + log[max(0, at - 500):at + 3000])
