"""A monitor's console script run as a child process, for the tests and the
benchmark: a generated config file, a log file, signals and the log's text.
"""
import os
import pathlib
import signal
import subprocess
import sys
import time

BIN = pathlib.Path(sys.executable).parent
REPO = pathlib.Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 10, what: str = 'condition',
             interval: float = 0.05):
    """Polls ``condition`` until it returns a true value, which it returns;
    AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for '
                                 f'{what}')
        time.sleep(interval)


def write_config(path: pathlib.Path, sections: dict[str, dict]
                 ) -> pathlib.Path:
    """An oslo.config file from {section: {option: value}}; the DEFAULT
    section, if any, comes first."""
    ordered = sorted(sections.items(), key=lambda item: item[0] != 'DEFAULT')
    lines = []
    for group, options in ordered:
        lines.append(f'[{group}]')
        lines.extend(f'{key} = {value}' for key, value in options.items())
    path.write_text('\n'.join(lines) + '\n')
    return path


class Daemon:
    """``script`` (a console script of ``bin_dir``) started in its own
    session with ``--config-file <workdir>/<script>.conf --log-file
    <workdir>/<script>.log``.

    ``debug = True`` goes into [DEFAULT] unless ``debug`` is False or the
    sections set it. ``env`` is set over this process's environment;
    ``repo_on_path`` puts this repository first on PYTHONPATH (for the
    test-only managers such as tests.monitors.broken_manager); it must be
    False for another installation's scripts, which it would shadow.
    """

    def __init__(self, script: str, workdir: pathlib.Path,
                 sections: dict[str, dict] | None = None, *,
                 env: dict[str, str] | None = None,
                 bin_dir: pathlib.Path = BIN, repo_on_path: bool = True,
                 debug: bool = True) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.script = script
        self.workdir = workdir
        self.debug = debug
        self.log = workdir / f'{script}.log'
        self.config = workdir / f'{script}.conf'
        self.write_config(sections or {})
        environ = dict(os.environ, **(env or {}))
        if repo_on_path:
            environ['PYTHONPATH'] = str(REPO)
        self.process = subprocess.Popen(
            [str(bin_dir / script), '--config-file', str(self.config),
             '--log-file', str(self.log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True, cwd=workdir,
            env=environ)

    @property
    def pid(self) -> int:
        return self.process.pid

    def write_config(self, sections: dict[str, dict]) -> None:
        """(Re)writes the config file: a SIGHUP makes the daemon read it."""
        sections = dict(sections)
        if self.debug:
            sections['DEFAULT'] = {'debug': 'True',
                                   **sections.get('DEFAULT', {})}
        write_config(self.config, sections)

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ''

    def count(self, message: str) -> int:
        return self.text().count(message)

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_log(self, needle: str, timeout: float = 15,
                     count: int = 1) -> None:
        """Until ``needle`` is ``count`` times in the log; fails at once if
        the process ends first."""
        deadline = time.monotonic() + timeout
        while self.count(needle) < count:
            if not self.alive():
                if self.count(needle) >= count:
                    return
                raise AssertionError(
                    f'{self.log.name}: exited ({self.process.returncode}) '
                    f'before {needle!r} x{count}\n{self.text()[-3000:]}')
            if time.monotonic() > deadline:
                raise AssertionError(
                    f'{self.log.name}: no {needle!r} x{count} within '
                    f'{timeout} s\n{self.text()[-3000:]}')
            time.sleep(0.05)

    def signal(self, signo: int) -> None:
        self.process.send_signal(signo)

    def wait(self, timeout: float) -> int:
        """The exit status; subprocess.TimeoutExpired if still running."""
        return self.process.wait(timeout)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout``;
        the exit status."""
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.close()
        return self.process.returncode

    def close(self) -> None:
        """SIGKILL, if still running."""
        if self.alive():
            self.process.kill()
            self.process.wait()
