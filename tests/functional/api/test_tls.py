"""Backend TLS of masakari-api: ``[DEFAULT] use_ssl`` with the certificate
options in [wsgi] or, as OpenStack-Ansible renders them, in [DEFAULT]. A
certificate that cannot be served stops masakari-api at start: never plain
HTTP while TLS is configured."""
import datetime
import ipaddress
import pathlib
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support import api_server


def _self_signed(directory: pathlib.Path, name: str) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / f'{name}.crt', directory / f'{name}.key'
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def _config(tmp_path: pathlib.Path, port: int, tls: str,
            db_sync: bool = True) -> pathlib.Path:
    # Logs to a file: stderr holds only what masakari-api says at start.
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, workers=1,
        extra=f'[DEFAULT]\nlog_file = {tmp_path}/api.log\n{tls}')
    if db_sync:
        api_server.db_sync(config)
    return config


@pytest.fixture
def https_api(tmp_path):
    processes = []

    def start(tls: str) -> str:
        port = api_server.free_port()
        config = _config(tmp_path, port, tls)
        processes.append(subprocess.Popen(
            [str(api_server.BIN / 'masakari-api'), '--config-file',
             str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True))
        return f'127.0.0.1:{port}'

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)   # gunicorn's quick shutdown
        process.wait(timeout=30)


def _wait_https(address: str, cert: str, timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(f'https://{address}/', verify=cert, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _served_certificate(address: str) -> bytes:
    host, port = address.split(':')
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with context.wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)


@pytest.mark.parametrize('group', ['DEFAULT', 'wsgi'])
def test_certificate_is_served(https_api, tmp_path, group):
    cert, key = _self_signed(tmp_path, 'api')
    address = https_api(f'[DEFAULT]\nuse_ssl = true\n'
                        f'[{group}]\nssl_cert_file = {cert}\n'
                        f'ssl_key_file = {key}\n')
    r = _wait_https(address, cert)
    assert r.status_code == 200
    assert r.json()['versions'][0]['id'] == 'v1.0'
    r = requests.get(f'https://{address}/v1/segments', verify=cert, timeout=10)
    assert (r.status_code, r.json()) == (200, {'segments': []})
    expected = ssl.PEM_cert_to_DER_cert(pathlib.Path(cert).read_text())
    assert _served_certificate(address) == expected
    # No plain HTTP on the same port.
    with pytest.raises(requests.ConnectionError):
        requests.get(f'http://{address}/', timeout=10)


def test_client_certificate_required_with_ca_file(https_api, tmp_path):
    cert, key = _self_signed(tmp_path, 'api')
    client_cert, client_key = _self_signed(tmp_path, 'client')
    address = https_api(f'[DEFAULT]\nuse_ssl = true\n[wsgi]\n'
                        f'ssl_cert_file = {cert}\nssl_key_file = {key}\n'
                        f'ssl_ca_file = {client_cert}\n')
    deadline = time.monotonic() + 30
    while True:
        try:
            r = requests.get(f'https://{address}/', verify=cert, timeout=5,
                             cert=(client_cert, client_key))
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert r.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f'https://{address}/', verify=cert, timeout=10)


def _refusal(tmp_path: pathlib.Path, tls: str) -> tuple[str, str]:
    """masakari-api's stderr and log when it must refuse to start."""
    config = _config(tmp_path, api_server.free_port(), tls, db_sync=False)
    result = subprocess.run(
        [str(api_server.BIN / 'masakari-api'), '--config-file', str(config)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    return result.stderr, (tmp_path / 'api.log').read_text()


def _invalid_files(tmp_path: pathlib.Path) -> dict[str, tuple[str, str]]:
    cert, key = _self_signed(tmp_path, 'api')
    _, other_key = _self_signed(tmp_path, 'other')
    not_pem = tmp_path / 'not-a-certificate.pem'
    not_pem.write_text('not a certificate\n')
    missing = str(tmp_path / 'missing.crt')
    return {
        'no key': (f'ssl_cert_file = {cert}\n',
                   'use_ssl is true but [wsgi] ssl_key_file is not set'),
        'missing file': (
            f'ssl_cert_file = {missing}\nssl_key_file = {key}\n',
            f'use_ssl is true but [wsgi] ssl_cert_file {missing} cannot be '
            f'read: No such file or directory'),
        'not a certificate': (
            f'ssl_cert_file = {not_pem}\nssl_key_file = {key}\n',
            f'use_ssl is true but the certificate {not_pem}, key {key} '
            f'cannot be used: '),
        'key of another certificate': (
            f'ssl_cert_file = {cert}\nssl_key_file = {other_key}\n',
            f'use_ssl is true but the certificate {cert}, key {other_key} '
            f'cannot be used: KEY_VALUES_MISMATCH'),
    }


@pytest.mark.parametrize('case', ['no key', 'missing file',
                                  'not a certificate',
                                  'key of another certificate'])
def test_unusable_certificate_refuses_to_start(tmp_path, case):
    options, message = _invalid_files(tmp_path)[case]
    stderr, log = _refusal(tmp_path,
                           f'[DEFAULT]\nuse_ssl = true\n{options}')
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith(f'masakari-api: ERROR: Cannot start: {message}')
    assert f'ERROR masakari.cmd.api [-] Cannot start: {message}' in log
    assert 'Traceback' not in stderr + log
