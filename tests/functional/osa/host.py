"""A host prepared the way os_masakari prepares it, inside this machine
without changing it for good: the system user ``masakari``, the broker's
user and vhost, the database, the role's files under a temporary root seen
at their real /etc paths only by the processes started here (each in a
mount namespace of its own), and libvirtd's sockets opened to the
``libvirt`` group as Debian's libvirt-daemon-system opens them (here
libvirtd asks polkit, which does not run, about every user but root).
"""
import grp
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable

import sqlalchemy as sa

from tests.functional.osa.role import RenderedFile

USER = 'masakari'
HOME = pathlib.Path('/var/lib/masakari')
# libvirtd's read-write and read-only sockets.
LIBVIRT_SOCKETS = ('/run/libvirt/libvirt-sock', '/run/libvirt/libvirt-sock-ro')
# What systemd gives a unit: no inherited environment.
SERVICE_ENV = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
               'LANG': 'C.UTF-8', 'HOME': str(HOME), 'USER': USER,
               'LOGNAME': USER, 'SHELL': '/bin/false'}


def ensure_system_user() -> None:
    """The role's system user and group, member of ``libvirt`` as on its
    monitor hosts."""
    for group in ('libvirt', USER):
        try:
            grp.getgrnam(group)
        except KeyError:
            subprocess.run(['groupadd', '--system', group], check=True)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(['useradd', '--system', '--gid', USER, '--home-dir', str(HOME),
                        '--shell', '/bin/false', '--comment', 'masakari system user',
                        USER], check=True)
    if USER not in grp.getgrnam('libvirt').gr_mem:
        subprocess.run(['usermod', '--append', '--groups', 'libvirt', USER], check=True)
    HOME.mkdir(mode=0o755, exist_ok=True)
    shutil.chown(HOME, USER, USER)


class Root:
    """Files written under ``base`` for absolute paths such as
    /etc/masakari/masakari.conf; each directory that holds them is
    bind-mounted over the real one in the services' namespaces."""

    def __init__(self, base: pathlib.Path) -> None:
        self.base = base
        self.binds: dict[str, pathlib.Path] = {}
        self._made: list[pathlib.Path] = []

    def install(self, files: dict[str, RenderedFile]) -> None:
        for path, rendered in files.items():
            target = self.base / path.lstrip('/')
            directory = target.parent
            real = '/' + str(directory.relative_to(self.base))
            if real not in self.binds:
                directory.mkdir(parents=True, exist_ok=True)
                # /etc/masakari* are 0750 root:masakari; sudoers.d 0755.
                directory.chmod(0o750 if rendered.group else 0o755)
                shutil.chown(directory, 'root', rendered.group or 'root')
                self.binds[real] = directory
            target.write_text(rendered.content)
            target.chmod(rendered.mode)
            shutil.chown(target, 'root', rendered.group or 'root')

    def mountpoints(self) -> None:
        """Empty directories to mount on where the real ones are missing;
        ``remove_mountpoints`` takes them away again."""
        for real in self.binds:
            path = pathlib.Path(real)
            if not path.exists():
                path.mkdir(mode=0o755)
                self._made.append(path)

    def remove_mountpoints(self) -> None:
        for path in self._made:
            path.rmdir()
        self._made.clear()

    def bind(self, source: pathlib.Path, real: str) -> None:
        """Another path seen over a real one (a file or a directory)."""
        self.binds[real] = source


class Service:
    """A console script run as ``masakari`` with the environment of a
    systemd unit, in a mount namespace where the root's files are at
    their real paths; stdout and stderr go to ``log``."""

    def __init__(self, root: Root, argv: list[str], log: pathlib.Path) -> None:
        mounts = ''.join(f'mount --bind {source} {real} && '
                         for real, source in root.binds.items())
        self.log = log
        self.name = pathlib.Path(argv[0]).name
        with open(log, 'ab') as out:
            self.process = subprocess.Popen(
                ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                 mounts + 'exec "$@"', 'sh',
                 'setpriv', f'--reuid={USER}', f'--regid={USER}', '--init-groups',
                 '--', *argv],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=SERVICE_ENV, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors='replace')

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)



def stop_all(services: Iterable[Service], timeout: float = 10) -> None:
    """SIGTERM to every service at once, SIGKILL to those still running
    ``timeout`` seconds later."""
    running = [s.process for s in services if s.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SocketRelay:
    """A unix socket at ``path`` (root:``group``, 0660) that relays every
    connection to ``target``. libvirtd checks the peer of its own socket,
    which is this (root) process."""

    def __init__(self, path: pathlib.Path, target: str, group: str) -> None:
        self.path, self.target = path, target
        self.connections = 0
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        os.chmod(path, 0o660)
        shutil.chown(path, 'root', group)
        self._listener.listen(16)
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            self._open += [client, upstream]
            self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink),
                                 daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self._listener.close()
        for end in self._open:
            end.close()


def rabbitmqctl(*args: str, check: bool = True) -> None:
    subprocess.run(['rabbitmqctl', '-q', *args], check=check, capture_output=True,
                   timeout=60)


def create_vhost(vhost: str, user: str, password: str) -> None:
    """What the role's MQ setup does: a vhost, and a user allowed on it."""
    rabbitmqctl('add_vhost', vhost)
    rabbitmqctl('delete_user', user, check=False)
    rabbitmqctl('add_user', user, password)
    rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*')


def delete_vhost(vhost: str) -> None:
    rabbitmqctl('delete_vhost', vhost, check=False)


MYSQL_ADMIN = 'mysql+pymysql://root@127.0.0.1:3306/'


def create_database(name: str, user: str, password: str) -> None:
    """What the role's DB setup does: a database, and a user with all
    rights on it."""
    engine = sa.create_engine(MYSQL_ADMIN, isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE {name}'))
        conn.execute(sa.text(f"CREATE USER IF NOT EXISTS '{user}'@'%'"))
        conn.execute(sa.text(f"ALTER USER '{user}'@'%' IDENTIFIED BY '{password}'"))
        conn.execute(sa.text(f"GRANT ALL PRIVILEGES ON {name}.* TO '{user}'@'%'"))
    engine.dispose()


def drop_database(name: str) -> None:
    engine = sa.create_engine(MYSQL_ADMIN, isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS {name}'))
    engine.dispose()
