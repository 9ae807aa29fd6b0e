"""Runs the real masakari-engine console script."""
import os
import pathlib
import signal
import subprocess
import time

from tests.support.api_server import BIN

READY = 'masakari-engine listening on topic'


class EngineServer:
    def __init__(self, config: pathlib.Path, log: pathlib.Path):
        self.config, self.log = config, log
        self.process = None

    def start(self, timeout: float = 30) -> 'EngineServer':
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = subprocess.Popen(
            [str(BIN / 'masakari-engine'), '--config-file', str(self.config)],
            stdout=self.log.open('ab'), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('masakari-engine exited:\n' + self.log_text()[-3000:])
            if READY in self.log.read_text(errors='replace')[offset:]:
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError('masakari-engine did not start in time')

    def log_text(self) -> str:
        return self.log.read_text(errors='replace')

    def kill(self) -> None:
        """SIGKILL: the engine dies wherever it is."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, check_log: bool = True) -> None:
        """SIGTERM, then fail if the engine logged a traceback."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError('masakari-engine did not stop on SIGTERM')
        log = self.log_text()
        if check_log and 'Traceback' in log:
            at = log.index('Traceback')
            raise AssertionError('masakari-engine logged a traceback:\n'
                                 + log[max(0, at - 500):at + 3000])
