"""BMC emulators in front of libvirt domains, for the fencing tests.

A :class:`Host` is a persistent QEMU domain (the small guest of
tests/monitors/libvirt_guests.py) standing for a compute host: persistent,
so that a BMC can power it off and on again. :class:`RedfishBmc` is
sushy-tools' ``sushy-emulator`` over HTTPS with a self-signed certificate
and HTTP Basic credentials; :class:`IpmiBmc` is virtualbmc's ``vbmcd``
with one BMC added and started by ``vbmc``, answering IPMI over UDP.
Both drive every domain of qemu:///system.
"""
import datetime
import os
import pathlib
import signal
import socket
import subprocess
import sys

import bcrypt
import libvirt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.monitors import libvirt_guests
from tests.monitors.daemon import wait_for
from tests.support.ports import free_port

BIN = pathlib.Path(sys.executable).parent
PREFIX = f'{libvirt_guests.PREFIX}fence-'


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Host:
    """A running persistent domain; ``remove`` destroys and undefines it."""

    def __init__(self, tag: str) -> None:
        self.name = f'{PREFIX}{tag}-{os.urandom(4).hex()}'
        self.conn = libvirt_guests.connect()
        self.domain = self.conn.defineXML(
            libvirt_guests.GUEST_XML.format(name=self.name, devices=''))
        self.domain.create()
        self.uuid = self.domain.UUIDString()

    def running(self) -> bool:
        return self.domain.state()[0] == libvirt.VIR_DOMAIN_RUNNING

    def shut_off(self) -> bool:
        return self.domain.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF

    def ensure_running(self) -> None:
        if not self.domain.isActive():
            self.domain.create()

    def remove(self) -> None:
        # Not libvirt_guests.destroy: after a power-off through a BMC the
        # domain may stop while it is being destroyed, and that error must
        # not leave it defined.
        try:
            if self.domain.isActive():
                self.domain.destroy()
        except libvirt.libvirtError:
            pass
        self.domain.undefine()
        self.conn.close()


class Emulator:
    """A child process in its own session, stopped with its children."""

    process: subprocess.Popen

    def start(self, command: list[str], log: pathlib.Path,
              env: dict[str, str] | None = None) -> None:
        self.log = log
        with open(log, 'wb') as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                env={**os.environ, **(env or {})})

    def stop(self) -> None:
        # vbmcd runs each BMC in a child process of its own.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def self_signed_certificate(directory: pathlib.Path
                            ) -> tuple[pathlib.Path, pathlib.Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'bmc.test')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name)
                   .issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / 'bmc.crt', directory / 'bmc.key'
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


class RedfishBmc(Emulator):
    """sushy-emulator on https://127.0.0.1:<port>, libvirt driver."""

    def __init__(self, workdir: pathlib.Path, username: str,
                 password: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
        auth_file = workdir / 'htpasswd'
        auth_file.write_text(f'{username}:{digest}\n')
        cert, key = self_signed_certificate(workdir)
        config = workdir / 'emulator.conf'
        config.write_text(f'SUSHY_EMULATOR_AUTH_FILE = {str(auth_file)!r}\n')
        self.port = free_port()
        self.address = f'https://127.0.0.1:{self.port}'
        self.start([str(BIN / 'sushy-emulator'), '--config', str(config),
                    '--interface', '127.0.0.1', '--port', str(self.port),
                    '--libvirt-uri', libvirt_guests.URI,
                    '--ssl-certificate', str(cert), '--ssl-key', str(key)],
                   workdir / 'sushy-emulator.log')
        wait_for(self.answers, 30, f'sushy-emulator on {self.address}',
                 interval=0.1)

    def answers(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            requests.get(f'{self.address}/redfish/v1/', verify=False,
                         timeout=2)
        except requests.RequestException:
            return False
        return True

    @staticmethod
    def system(host: Host) -> str:
        return f'/redfish/v1/Systems/{host.uuid}'


class IpmiBmc(Emulator):
    """vbmcd with its own configuration, and a BMC on a UDP port per added
    domain."""

    def __init__(self, workdir: pathlib.Path) -> None:
        (workdir / 'bmcs').mkdir(parents=True, exist_ok=True)
        config = workdir / 'virtualbmc.conf'
        config.write_text(
            f'[default]\nconfig_dir = {workdir / "bmcs"}\n'
            f'pid_file = {workdir / "vbmcd.pid"}\n'
            f'server_port = {free_port()}\n'
            f'[log]\nlogfile = {workdir / "vbmcd.log"}\n')
        self.env = {'VIRTUALBMC_CONFIG': str(config)}
        self.start([str(BIN / 'vbmcd'), '--foreground'], workdir / 'vbmcd.out',
                   self.env)
        wait_for(lambda: self.vbmc('list', check=False).returncode == 0, 30,
                 'vbmcd answering vbmc', interval=0.1)

    def vbmc(self, *args: str, check: bool = True
             ) -> subprocess.CompletedProcess:
        assert self.process.poll() is None, self.log.read_text()
        result = subprocess.run([str(BIN / 'vbmc'), '--no-daemon', *args],
                                capture_output=True, text=True, timeout=30,
                                env={**os.environ, **self.env})
        if check and result.returncode != 0:
            raise AssertionError(f'vbmc {" ".join(args)}: {result.stderr}')
        return result

    def add(self, host: Host, username: str, password: str) -> int:
        """Add and start a BMC for ``host``; its UDP port."""
        port = free_udp_port()
        self.vbmc('add', host.name, '--address', '127.0.0.1', '--port',
                  str(port), '--username', username, '--password', password,
                  '--libvirt-uri', libvirt_guests.URI)
        self.vbmc('start', host.name)
        return port
