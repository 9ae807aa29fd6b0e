"""Real detached processes for the processmonitor tests."""
import os
import pathlib
import random
import signal
import time

import psutil


class Sleeper:
    """``/bin/sleep <unique number>`` started detached by a script, so the
    monitor's command returns at once and the process outlives it."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.seconds = random.randrange(1_000_000, 9_000_000)
        self.process_name = f'/bin/sleep {self.seconds}'
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.start_script = self.script('start.sh', f"""\
            setsid /bin/sleep {self.seconds} </dev/null >/dev/null 2>&1 &
            echo started >> {directory}/starts
            """)

    def script(self, name: str, body: str) -> pathlib.Path:
        path = self.directory / name
        lines = [line.strip() for line in body.splitlines()]
        path.write_text('#!/bin/sh\n' + '\n'.join(lines) + '\n')
        path.chmod(0o755)
        return path

    def entry(self, **overrides) -> dict:
        entry = {'process_name': self.process_name,
                 'start_command': str(self.start_script),
                 'pre_start_command': None, 'post_start_command': None,
                 'restart_command': str(self.start_script),
                 'pre_restart_command': None, 'post_restart_command': None,
                 'run_as_root': False}
        entry.update(overrides)
        return entry

    def pids(self) -> list[int]:
        found = []
        for proc in psutil.process_iter(['pid', 'cmdline', 'status']):
            if (proc.info['status'] != psutil.STATUS_ZOMBIE
                    and proc.info['cmdline'] == ['/bin/sleep',
                                                 str(self.seconds)]):
                found.append(proc.info['pid'])
        return found

    def wait_for_pid(self, other_than: set[int] = frozenset(),
                     timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fresh = set(self.pids()) - set(other_than)
            if fresh:
                return fresh.pop()
            time.sleep(0.02)
        raise AssertionError(f'no {self.process_name} within {timeout}s')

    def kill(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
