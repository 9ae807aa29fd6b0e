"""A real systemd-journald for tests of ``use_journal``, in a private mount
namespace so that it neither needs nor touches the machine's own journal.

``Journald.command(argv)`` runs a command in that namespace (its
/run/systemd/journal/socket is this journald's); ``entries()`` reads what the
journal stored, as journalctl's JSON. ``without_journald(argv)`` runs a
command where journald's socket is missing. Needs root, util-linux's unshare
and nsenter, and the systemd package.
"""
import json
import pathlib
import subprocess
import time

JOURNALD = '/lib/systemd/systemd-journald'
SOCKET = '/run/systemd/journal/socket'
# Private, empty /run/systemd and /run/log: journald's sockets and its
# runtime journal live there.
_PRIVATE_RUN = ('mount -t tmpfs tmpfs /run/systemd && '
                'mkdir -p /run/log && mount -t tmpfs tmpfs /run/log')


def without_journald(argv: list[str]) -> list[str]:
    """``argv`` run where /run/systemd holds no journald socket."""
    return ['unshare', '--mount', '--propagation', 'private', '--',
            'sh', '-c', _PRIVATE_RUN + ' && exec "$@"', 'sh', *argv]


class Journald:
    def __init__(self, log: pathlib.Path):
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> 'Journald':
        # unshare execs the shell, which execs journald: its pid is the
        # namespace's holder.
        self.process = subprocess.Popen(
            ['unshare', '--mount', '--propagation', 'private', '--',
             'sh', '-c', f'{_PRIVATE_RUN} && exec {JOURNALD}'],
            stdout=self.log.open('ab'), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('systemd-journald exited:\n'
                                   + self.log.read_text())
            if subprocess.run(self.command(['test', '-S', SOCKET])
                              ).returncode == 0:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('systemd-journald did not open its socket')

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run in journald's mount namespace."""
        return ['nsenter', '--target', str(self.process.pid), '--mount',
                '--', *argv]

    def entries(self, *matches: str) -> list[dict]:
        """The stored entries that match ``FIELD=value`` matches."""
        out = subprocess.run(
            self.command(['journalctl', '--directory', '/run/log/journal',
                          '--output', 'json', '--all', '--no-pager', *matches]),
            check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line]

    def wait_for(self, predicate, *matches: str,
                 timeout: float = 10) -> list[dict]:
        """The entries, once ``predicate(entries)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            entries = self.entries(*matches)
            if predicate(entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
