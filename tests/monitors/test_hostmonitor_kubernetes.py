"""The hostmonitor's kubernetes driver against a stdlib HTTPS stub of the
Kubernetes API, with a fake in-cluster service account."""
import collections
import datetime
import ipaddress
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from masakarimonitors.ha import masakari
from masakarimonitors.hostmonitor import host
from masakarimonitors.hostmonitor.kubernetes_check import k8s_client
from masakarimonitors.hostmonitor.kubernetes_check import manager
from tests.monitors.logs import log_messages
from tests.support import json_http

DRIVER_LOG = 'masakarimonitors.hostmonitor.kubernetes_check.manager'
HOST_LOG = 'masakarimonitors.hostmonitor.host'
ME = socket.gethostname()
TOKEN = 'sa-token-1'


def _self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'kubernetes')])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = directory / 'server.crt'
    key_path = directory / 'server.key'
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


class KubeAPIStub:
    """``GET /api/v1/nodes`` over TLS: node name → Ready status (or None
    for a node without a Ready condition), with labels."""

    def __init__(self, directory) -> None:
        self.nodes: dict[str, str | None] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.requests: list[tuple[str, dict, str]] = []
        self.cert_path, key_path = _self_signed(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self._server = json_http.JSONServer(self._answer, tls=context).start()
        self.port = self._server.port

    def _answer(self, request: json_http.Request) -> json_http.Reply:
        auth = request.headers.get('Authorization', '')
        self.requests.append((request.path, request.query, auth))
        if auth != f'Bearer {TOKEN}':
            return json_http.Reply(401, {'kind': 'Status', 'code': 401})
        if request.path != '/api/v1/nodes':
            return json_http.Reply(404, {'kind': 'Status', 'code': 404})
        selector = request.query.get('labelSelector', [''])[0]
        return json_http.Reply(200, self.node_list(selector))

    def node_list(self, selector: str) -> dict:
        wanted = dict(term.split('=', 1)
                      for term in selector.split(',') if term)
        items = []
        for name, ready in self.nodes.items():
            labels = self.labels.get(name, {})
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            conditions = [{'type': 'MemoryPressure', 'status': 'False'}]
            if ready is not None:
                conditions.append({'type': 'Ready', 'status': ready,
                                   'reason': 'KubeletReady'})
            items.append({'metadata': {'name': name, 'labels': labels},
                          'status': {'conditions': conditions}})
        return {'kind': 'NodeList', 'apiVersion': 'v1', 'items': items}

    def close(self) -> None:
        self._server.stop()


@pytest.fixture
def kube(tmp_path, monkeypatch):
    """The API stub, and a pod's in-cluster environment pointing at it."""
    api = KubeAPIStub(tmp_path)
    account = tmp_path / 'serviceaccount'
    account.mkdir()
    (account / 'token').write_text(TOKEN + '\n')
    (account / 'ca.crt').write_bytes(api.cert_path.read_bytes())
    monkeypatch.setenv('KUBERNETES_SERVICE_HOST', '127.0.0.1')
    monkeypatch.setenv('KUBERNETES_SERVICE_PORT', str(api.port))
    monkeypatch.setattr(k8s_client, 'SERVICE_ACCOUNT_DIR', str(account))
    yield api
    api.close()


@pytest.fixture
def k8s(monitors_conf, stub, kube):
    def configure(samples=1, labels='', **host_options):
        options = {'monitoring_interval': 0, 'monitoring_samples': samples,
                   'api_retry_max': 0, 'api_retry_interval': 0}
        options.update(host_options)
        monitors_conf({'host': options,
                       'kubernetes': {'monitoring_node_labels': labels},
                       'api': stub.api_options()})
        return manager.KubernetesCheck(notifier=masakari.SendNotification())
    return configure


def _stopped(notification) -> tuple:
    body = notification['notification']
    assert body['type'] == 'COMPUTE_HOST'
    return body['hostname'], body['payload']


def test_ready_false_after_alive_sends_one_stopped(k8s, kube, stub,
                                                    monitor_logs):
    kube.nodes = {'node01': 'True', 'node02': 'True', ME: 'True'}
    driver = k8s()
    driver.monitor_once()
    assert stub.notifications == []

    kube.nodes['node02'] = 'False'
    kube.nodes[ME] = 'False'              # never about itself
    driver.monitor_once()
    [stopped] = stub.wait_for(1)
    assert _stopped(stopped) == ('node02', {'event': 'STOPPED',
                                            'host_status': 'NORMAL'})

    driver.monitor_once()                 # still down: nothing more
    kube.nodes['node02'] = 'True'
    driver.monitor_once()                 # back: no STARTED
    assert len(stub.notifications) == 1

    logged = log_messages(monitor_logs, DRIVER_LOG)
    assert ('INFO', 'Host node02 needs recovery, health status: False.') \
        in logged
    assert logged.count(('DEBUG', 'update monitoring data from k8s.')) == 4
    assert ('DEBUG', "hostname: node02, condition: "
            "deque(['False'], maxlen=1)") in logged
    data = {'node01': collections.deque(['True'], maxlen=1),
            'node02': collections.deque(['False'], maxlen=1),
            ME: collections.deque(['False'], maxlen=1)}
    assert ('INFO', f'Monitoring data: {data}') in logged
    assert [auth for _, _, auth in kube.requests] == [f'Bearer {TOKEN}'] * 4


def test_samples_window_prepends_and_waits(k8s, kube, stub, monitor_logs):
    kube.nodes = {'node01': 'True', 'node02': 'True'}
    driver = k8s(samples=2)
    driver.monitor_once()
    driver.monitor_once()
    kube.nodes['node02'] = 'False'
    driver.monitor_once()                 # ['False', 'True']: alive
    assert stub.notifications == []
    assert ('DEBUG', "hostname: node02, condition: "
            "deque(['False', 'True'], maxlen=2)") in \
        log_messages(monitor_logs, DRIVER_LOG)
    kube.nodes['node02'] = 'Unknown'
    driver.monitor_once()                 # ['Unknown', 'False']: dead
    [stopped] = stub.wait_for(1)
    assert _stopped(stopped) == ('node02', {'event': 'STOPPED',
                                            'host_status': 'NORMAL'})


def test_never_seen_alive_is_silent_except_the_seeded_node(
        k8s, kube, stub, monitor_logs):
    kube.nodes = {'node01': 'False', 'node02': 'False'}
    driver = k8s()
    driver.monitor_once()
    # node01 was seeded with the raw 'False', which is truthy.
    [stopped] = stub.wait_for(1)
    assert _stopped(stopped)[0] == 'node01'
    driver.monitor_once()
    assert len(stub.notifications) == 1
    assert driver.last == {'node01': False, 'node02': False}


def test_label_selector_and_vanished_nodes(k8s, kube, stub):
    kube.nodes = {'node01': 'True', 'node02': 'True', 'node03': None}
    kube.labels = {'node01': {'ha': 'on'}, 'node02': {'ha': 'on'},
                   'node03': {'ha': 'on'}}
    driver = k8s(labels='ha=on')
    driver.monitor_once()
    assert kube.requests[0][1] == {'labelSelector': ['ha=on']}
    assert list(driver.windows) == ['node01', 'node02']   # no Ready: none
    kube.labels['node02'] = {}
    driver.monitor_once()
    assert list(driver.windows) == ['node01']
    assert stub.notifications == []


def test_api_error_is_logged_and_the_loop_continues(k8s, kube, stub,
                                                    monitor_logs, tmp_path):
    kube.nodes = {'node01': 'True'}
    driver = k8s()
    (tmp_path / 'serviceaccount' / 'token').write_text('stale\n')
    driver.monitor_once()
    errors = [r for r in monitor_logs.records
              if r.name == DRIVER_LOG and r.levelname == 'ERROR']
    assert len(errors) == 1
    assert errors[0].getMessage().startswith(
        'Exception when host-monitor by k8s: 401 Client Error')
    assert errors[0].exc_info is not None
    (tmp_path / 'serviceaccount' / 'token').write_text(TOKEN)
    driver.monitor_once()
    assert list(driver.windows) == ['node01']


def test_manager_runs_the_kubernetes_driver_until_stopped(
        k8s, kube, stub, monitor_logs):
    kube.nodes = {'node01': 'True', 'node02': 'True'}
    k8s(monitoring_driver='kubernetes')
    hostmonitor = host.HostmonitorManager(host=ME)
    hostmonitor.init_host()
    assert isinstance(hostmonitor.driver, manager.KubernetesCheck)
    thread = threading.Thread(target=hostmonitor.main, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        kube.nodes['node02'] = 'False'
        [stopped] = stub.wait_for(1, timeout=10)
        assert _stopped(stopped)[0] == 'node02'
    finally:
        hostmonitor.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert log_messages(monitor_logs, HOST_LOG) == []


def test_outside_a_pod_the_manager_exits_1(monitors_conf, hostmonitor_init_failure,
                                           monkeypatch):
    monkeypatch.delenv('KUBERNETES_SERVICE_HOST', raising=False)
    monkeypatch.delenv('KUBERNETES_SERVICE_PORT', raising=False)
    monitors_conf({'host': {'monitoring_driver': 'kubernetes'}})
    record = hostmonitor_init_failure(ME)
    assert record.getMessage() == ('Exception caught during initializing hostmonitor: '
                                   'Service host/port is not set.')


def test_in_cluster_config_requires_token_and_ca(tmp_path):
    env = {'KUBERNETES_SERVICE_HOST': '127.0.0.1',
           'KUBERNETES_SERVICE_PORT': '6443'}
    with pytest.raises(k8s_client.ConfigException):
        k8s_client.InClusterClient(str(tmp_path), env)
    (tmp_path / 'token').write_text('t')
    with pytest.raises(k8s_client.ConfigException):
        k8s_client.InClusterClient(str(tmp_path), env)
    (tmp_path / 'ca.crt').write_text('x')
    client = k8s_client.InClusterClient(
        str(tmp_path), dict(env, KUBERNETES_SERVICE_HOST='fd00::1'))
    assert client.url == 'https://[fd00::1]:6443'
