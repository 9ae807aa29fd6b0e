"""masakari.fencing against real BMC emulators driving real libvirt domains:
sushy-tools' Redfish emulator and virtualbmc's IPMI BMC, each powering a
QEMU guest that stands for a compute host; the devices file and the nova
driver without any BMC.

The emulators and the guests are started once for the module; libvirtd is
started when it does not answer (the test fails instead of skipping with
CI=true).
"""
import http.server
import json
import logging
import os
import socket
import threading
import time

import pytest
import yaml

import novasim
from masakari import fencing
from tests.functional.fencing import emulators
from tests.functional.test_manage import run as manage
from tests.monitors import libvirt_guests
from tests.monitors.daemon import wait_for
from tests.support.ports import free_port

# verify: false is what the Redfish tests use with the emulator's
# self-signed certificate.
pytestmark = pytest.mark.filterwarnings(
    'ignore::urllib3.exceptions.InsecureRequestWarning')

USERNAME = 'fence-admin'
PASSWORD = 'Pa55-fence-7d1e'
WRONG_PASSWORD = 'Wr0ng-fence-9c2a'
# Seconds a power-off of the TCG guest may take (libvirt's destroy waits
# for QEMU to exit).
POWER_TIMEOUT = 20


@pytest.fixture(scope='module')
def libvirtd():
    libvirt_guests.require_libvirtd()
    libvirt_guests.remove_leftovers(emulators.PREFIX)


@pytest.fixture(scope='module')
def redfish(libvirtd, tmp_path_factory):
    """(emulator, host) with the host running."""
    host = emulators.Host('redfish')
    bmc = emulators.RedfishBmc(tmp_path_factory.mktemp('redfish'), USERNAME,
                               PASSWORD)
    yield bmc, host
    bmc.stop()
    host.remove()


@pytest.fixture(scope='module')
def ipmi(libvirtd, tmp_path_factory):
    """(vbmcd, host, BMC port) with the host running."""
    host = emulators.Host('ipmi')
    bmc = emulators.IpmiBmc(tmp_path_factory.mktemp('ipmi'))
    port = bmc.add(host, USERNAME, PASSWORD)
    yield bmc, host, port
    bmc.stop()
    host.remove()


def write_devices(directory, devices: dict, mode: int = 0o600):
    path = directory / 'fencing.yaml'
    path.write_text(yaml.safe_dump(devices))
    path.chmod(mode)
    return str(path)


def redfish_entry(bmc, host, password=PASSWORD, **fields):
    return {'driver': 'redfish', 'address': bmc.address,
            'system': bmc.system(host), 'username': USERNAME,
            'password': password, 'verify': False, **fields}


def ipmi_entry(port, password=PASSWORD, **fields):
    return {'driver': 'ipmi', 'address': '127.0.0.1', 'port': port,
            'username': USERNAME, 'password': password, **fields}


@pytest.fixture
def redfish_device(redfish, tmp_path):
    bmc, host = redfish
    host.ensure_running()
    path = write_devices(tmp_path, {'compute1': redfish_entry(bmc, host)})
    return fencing.device_for('compute1', path, bmc_timeout=5), host


@pytest.fixture
def ipmi_device(ipmi, tmp_path):
    _, host, port = ipmi
    host.ensure_running()
    path = write_devices(tmp_path, {'compute2': ipmi_entry(port)})
    device = fencing.device_for('compute2', path, bmc_timeout=5)
    # vbmc start returns before the BMC's process listens.
    wait_for(lambda: answers(device), 15, 'the virtual BMC', interval=0.1)
    return device, host


def power_off_confirmed(device, timeout: float, interval: float) -> bool:
    """What the engine's host flow does: power off, then read the power
    state until the host is off or ``timeout`` has passed."""
    device.power_off()
    started = time.monotonic()
    while not device.is_off():
        if time.monotonic() - started > timeout:
            return False
        time.sleep(interval)
    return True


def answers(device) -> bool:
    try:
        device.is_off()
    except fencing.FencingError:
        return False
    return True


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_credentials(*texts):
    for text in texts:
        for secret in (PASSWORD, WRONG_PASSWORD, f'{USERNAME}:'):
            assert secret not in text


# Power off and on ------------------------------------------------------------

@pytest.mark.parametrize('device_fixture', ['redfish_device', 'ipmi_device'])
def test_power_off_is_confirmed_then_power_on_brings_the_host_back(
        device_fixture, request, all_logs, capfd):
    device, host = request.getfixturevalue(device_fixture)
    assert host.running() and device.is_off() is False

    assert power_off_confirmed(device, POWER_TIMEOUT, 0.1)

    assert host.shut_off()
    assert device.is_off() is True
    device.power_on()
    wait_for(host.running, POWER_TIMEOUT, f'{host.name} running again')
    assert device.is_off() is False
    assert 'Powering off compute' in all_logs.text
    assert_no_credentials(all_logs.text, repr(device), *capfd.readouterr())


def test_describe_names_driver_and_address_only(redfish_device, ipmi_device):
    redfish_device, _ = redfish_device
    ipmi_device, _ = ipmi_device
    assert redfish_device.describe().startswith('redfish https://127.0.0.1:')
    assert ipmi_device.describe() == f'ipmi 127.0.0.1:{ipmi_device.port}'
    assert repr(ipmi_device) == (f'<IpmiDevice compute2: ipmi '
                                 f'127.0.0.1:{ipmi_device.port}>')
    assert_no_credentials(repr(redfish_device), str(redfish_device),
                          repr(ipmi_device))


def test_a_host_that_stays_on_is_not_confirmed_off(redfish_device):
    """The BMC takes no action: the host is still reported on."""
    device, host = redfish_device
    device._power_off = lambda: None
    assert not power_off_confirmed(device, 1, 0.2)
    assert host.running() and device.is_off() is False


def test_the_certificate_is_verified_by_default(redfish, tmp_path):
    bmc, host = redfish
    path = write_devices(tmp_path, {'compute1': redfish_entry(bmc, host,
                                                              verify=True)})
    device = fencing.device_for('compute1', path, bmc_timeout=5)
    with pytest.raises(fencing.FencingError,
                       match='cannot read the power state: cannot connect '
                             'to the BMC: .*CERTIFICATE_VERIFY_FAILED'):
        device.is_off()


class OddRedfishBmc(http.server.BaseHTTPRequestHandler):
    """A Redfish service whose only system is in a power state Redfish
    does not define."""

    DOCUMENTS = {
        '/redfish/v1/': {'@odata.id': '/redfish/v1/', 'Id': 'RootService',
                         'RedfishVersion': '1.5.0',
                         'Systems': {'@odata.id': '/redfish/v1/Systems'}},
        '/redfish/v1/Systems/1': {'@odata.id': '/redfish/v1/Systems/1',
                                  'Id': '1', 'PowerState': 'Dozing'},
    }

    def do_GET(self):
        document = self.DOCUMENTS.get(self.path)
        body = json.dumps(document or {}).encode()
        self.send_response(200 if document else 404)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_an_unknown_redfish_power_state():
    with http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                         OddRedfishBmc) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        device = fencing.RedfishDevice(
            'compute1', f'http://127.0.0.1:{server.server_port}', USERNAME,
            PASSWORD, timeout=5, system='/redfish/v1/Systems/1')
        try:
            with pytest.raises(fencing.FencingError) as error:
                device.is_off()
        finally:
            server.shutdown()
    assert str(error.value) == (
        f'compute1: redfish http://127.0.0.1:{server.server_port}: cannot '
        f"read the power state: the BMC reports an unknown power state "
        f"'Dozing'")


# BMCs that do not answer or refuse the credentials -----------------------------

@pytest.fixture
def silent_tcp_port():
    """A TCP port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_silent_redfish_bmc_fails_within_bmc_timeout(silent_tcp_port):
    device = fencing.RedfishDevice(
        'compute1', f'https://127.0.0.1:{silent_tcp_port}', USERNAME,
        PASSWORD, timeout=1, verify=False)
    started = time.monotonic()
    with pytest.raises(fencing.FencingError,
                       match=r'compute1: redfish https://127\.0\.0\.1:\d+: '
                             r'cannot power off: no answer from the BMC '
                             r'within 1 s'):
        device.power_off()
    assert time.monotonic() - started < 2


def test_a_silent_ipmi_bmc_fails_within_bmc_timeout():
    device = fencing.IpmiDevice('compute2', '127.0.0.1', USERNAME, PASSWORD,
                                timeout=1, port=emulators.free_udp_port())
    started = time.monotonic()
    with pytest.raises(fencing.FencingError,
                       match=r'compute2: ipmi 127\.0\.0\.1:\d+: cannot read '
                             r'the power state: no answer from the BMC '
                             r'within 1 s'):
        device.is_off()
    assert time.monotonic() - started < 2
    # The abandoned request is still retrying: no second one behind it.
    with pytest.raises(fencing.FencingError,
                       match='an earlier request to the BMC is still '
                             'unanswered'):
        device.is_off()


def test_a_closed_redfish_port_fails_at_once():
    device = fencing.RedfishDevice('compute1',
                                   f'https://127.0.0.1:{free_port()}',
                                   USERNAME, PASSWORD, timeout=5)
    started = time.monotonic()
    with pytest.raises(fencing.FencingError,
                       match='cannot read the power state: cannot connect to '
                             'the BMC: .*Connection refused'):
        device.is_off()
    assert time.monotonic() - started < 2


def test_redfish_wrong_credentials(redfish, tmp_path, all_logs, capfd):
    bmc, host = redfish
    path = write_devices(tmp_path, {'compute1': redfish_entry(
        bmc, host, password=WRONG_PASSWORD)})
    device = fencing.device_for('compute1', path, bmc_timeout=5)
    with pytest.raises(fencing.FencingError) as error:
        device.power_off()
    assert str(error.value) == (f'compute1: redfish {bmc.address}: cannot '
                                f'power off: the BMC refused the credentials '
                                f'(HTTP 401)')
    assert host.running()
    assert_no_credentials(str(error.value), repr(error.value), repr(device),
                          all_logs.text, *capfd.readouterr())


def test_ipmi_wrong_credentials(ipmi, tmp_path, all_logs, capfd):
    _, host, port = ipmi
    path = write_devices(tmp_path, {'compute2': ipmi_entry(
        port, password=WRONG_PASSWORD)})
    device = fencing.device_for('compute2', path, bmc_timeout=5)
    with pytest.raises(fencing.FencingError) as error:
        device.power_off()
    assert str(error.value) == (f'compute2: ipmi 127.0.0.1:{port}: cannot '
                                f'power off: the BMC refused the credentials '
                                f'(Incorrect password provided)')
    assert host.running()
    assert_no_credentials(str(error.value), repr(error.value), repr(device),
                          all_logs.text, *capfd.readouterr())


def test_an_ipmi_session_has_its_reason_once_it_is_broken():
    # pyghmi marks a session broken in logout(); a login waiting in another
    # thread must find the reason already there.
    seen = []

    class Session(fencing._IpmiSession):
        def logout(self, sessionok=True):
            seen.append(getattr(self, 'errormsg', 'no reason yet'))
            self.broken = True

    session = object.__new__(Session)
    session.__dict__.update(lastpayload=None, onlogpayload=None, bmc='127.0.0.1',
                            userid=b'u', password=b'p', port=623, kgo=None,
                            broken=False, socket=None, logonwaiters=[], logging=True)
    session._mark_broken('Incorrect password provided')
    assert seen == ['Incorrect password provided']
    assert session.broken and session.errormsg == 'Incorrect password provided'


# The nova driver --------------------------------------------------------------

def test_nova_device_is_off_once_the_service_is_down(tmp_path, all_logs):
    answers = iter([False, False, True])
    asked = []

    def service_down(host):
        asked.append(host)
        return next(answers)

    path = write_devices(tmp_path, {'compute3': {'driver': 'nova'}})
    device = fencing.device_for('compute3', path, service_down=service_down)
    assert isinstance(device, fencing.NovaDevice)
    assert device.describe() == 'nova nova-compute on compute3'
    assert power_off_confirmed(device, 5, 0.01)
    assert asked == ['compute3'] * 3
    device.power_on()
    assert 'compute3 has no power control' in all_logs.text


def test_nova_device_that_stays_up_is_not_confirmed_off():
    device = fencing.NovaDevice('compute3', lambda host: False)
    assert not power_off_confirmed(device, 0.1, 0.02)


def test_nova_errors_are_fencing_errors():
    def service_down(host):
        raise RuntimeError('Nova answered 503')

    device = fencing.NovaDevice('compute3', service_down)
    with pytest.raises(fencing.FencingError,
                       match='compute3: nova nova-compute on compute3: cannot '
                             'read the state of the service: Nova answered '
                             '503'):
        device.is_off()


# The devices file -------------------------------------------------------------

GOOD = {
    'compute1': {'driver': 'redfish', 'address': 'https://10.0.0.11:8000',
                 'system': '/redfish/v1/Systems/1', 'username': 'admin',
                 'password': PASSWORD, 'verify': False},
    'compute2': {'driver': 'ipmi', 'address': '10.0.0.12', 'port': 6230,
                 'username': 'ADMIN', 'password': PASSWORD},
    'compute3': {'driver': 'nova'},
    'compute4': {'driver': 'redfish', 'address': 'https://10.0.0.14',
                 'username': 'admin', 'password': PASSWORD},
    'compute5': {'driver': 'ipmi', 'address': 'bmc5.example.org',
                 'username': 'ADMIN', 'password': PASSWORD},
}


def test_load_devices(tmp_path):
    path = write_devices(tmp_path, GOOD)
    devices = fencing.load_devices(path, service_down=lambda host: True,
                                   bmc_timeout=3)
    assert {host: device.describe() for host, device in devices.items()} == {
        'compute1': 'redfish https://10.0.0.11:8000',
        'compute2': 'ipmi 10.0.0.12:6230',
        'compute3': 'nova nova-compute on compute3',
        'compute4': 'redfish https://10.0.0.14',
        'compute5': 'ipmi bmc5.example.org:623'}
    assert devices['compute1'].system == '/redfish/v1/Systems/1'
    assert devices['compute1'].verify is False
    assert devices['compute4'].system is None
    assert devices['compute4'].verify is True
    assert devices['compute1'].timeout == devices['compute2'].timeout == 3
    assert_no_credentials(repr(devices))


def test_defaults_come_from_the_options(tmp_path):
    path = write_devices(tmp_path, GOOD)
    fencing.CONF.set_override('devices_file', path, group='fencing')
    try:
        device = fencing.device_for('compute2')
    finally:
        fencing.CONF.clear_override('devices_file', group='fencing')
    assert device.timeout == fencing.CONF.fencing.bmc_timeout == 10


def test_an_empty_file_has_no_devices(tmp_path):
    path = write_devices(tmp_path, {})
    (tmp_path / 'fencing.yaml').write_text('')
    assert fencing.load_devices(path) == {}


@pytest.mark.parametrize('mode', [0o644, 0o640, 0o604, 0o660, 0o620])
def test_a_file_open_to_group_or_others_is_refused(tmp_path, mode):
    path = write_devices(tmp_path, GOOD, mode)
    with pytest.raises(fencing.FencingError) as error:
        fencing.load_devices(path)
    assert str(error.value) == (
        f'fencing devices file {path} has mode {mode:04o}: refused, as it '
        f'holds BMC passwords; it must be closed to group and others '
        f'(chmod 600 {path})')


def test_a_file_of_another_user_is_refused(tmp_path, monkeypatch):
    path = write_devices(tmp_path, GOOD, 0o400)
    owner = os.stat(path).st_uid
    monkeypatch.setattr(os, 'geteuid', lambda: owner + 1)
    with pytest.raises(fencing.FencingError) as error:
        fencing.device_for('compute1', path)
    assert str(error.value) == (
        f'fencing devices file {path} is owned by uid {owner}, not by the '
        f'service user (uid {owner + 1}): refused, as it holds BMC passwords')


def test_a_missing_file(tmp_path):
    path = str(tmp_path / 'absent.yaml')
    with pytest.raises(fencing.FencingError,
                       match=f'fencing devices file {path}: cannot read it: '
                             f'No such file or directory'):
        fencing.load_devices(path)


def test_invalid_yaml_is_reported_by_place_not_content(tmp_path):
    path = write_devices(tmp_path, {})
    (tmp_path / 'fencing.yaml').write_text(
        f'compute1: {{driver: ipmi, address: 10.0.0.1,\n'
        f'  password: {PASSWORD}: "x\n')
    with pytest.raises(fencing.FencingError) as error:
        fencing.load_devices(path)
    assert str(error.value).startswith(
        f'fencing devices file {path} is not valid YAML at line 2, column ')
    assert_no_credentials(str(error.value))


def test_a_host_without_device(tmp_path):
    path = write_devices(tmp_path, GOOD)
    with pytest.raises(fencing.FencingError) as error:
        fencing.device_for('compute9', path)
    assert str(error.value) == (f'fencing devices file {path}: no fence '
                                f'device for host compute9')


@pytest.mark.parametrize('entry, problem', [
    ({'driver': 'ilo'},
     "unknown driver 'ilo' (known: ipmi, nova, redfish)"),
    ({'address': '10.0.0.1'}, 'missing field driver'),
    ({'driver': 'ipmi', 'username': 'u', 'password': PASSWORD},
     'missing field address (driver ipmi)'),
    ({'driver': 'redfish', 'address': 'https://b', 'password': PASSWORD},
     'missing field username (driver redfish)'),
    ({'driver': 'redfish', 'address': 'https://b', 'username': 'u'},
     'missing field password (driver redfish)'),
    ({'driver': 'ipmi', 'address': 'b', 'username': 'u', 'pasword': PASSWORD},
     'unknown field pasword for driver ipmi'),
    ({'driver': 'nova', 'address': 'b'}, 'unknown field address for driver nova'),
    ({'driver': 'ipmi', 'address': 'b', 'username': 'u', 'password': 1234},
     'field password must be str'),
    ({'driver': 'ipmi', 'address': 'b', 'username': 'u', 'password': 'p',
      'port': '623'}, 'field port must be int'),
    ({'driver': 'ipmi', 'address': 'b', 'username': 'u', 'password': 'p',
      'port': True}, 'field port must be int'),
    ({'driver': 'ipmi', 'address': 'b', 'username': 'u', 'password': 'p',
      'port': 70000}, 'field port must be between 1 and 65535'),
    ({'driver': 'ipmi', 'address': '', 'username': 'u', 'password': 'p'},
     'field address is empty'),
    ({'driver': 'redfish', 'address': 'https://b', 'username': 'u',
      'password': 'p', 'verify': 0}, 'field verify must be bool or str'),
    ({'driver': 'redfish', 'address': '10.0.0.1', 'username': 'u',
      'password': 'p'}, 'field address must be an https:// or http:// URL'),
    ({'driver': 'redfish', 'address': f'https://u:{PASSWORD}@b',
      'username': 'u', 'password': 'p'},
     'field address must not hold credentials: use username and password'),
    ({'driver': 'nova'}, 'the nova driver needs a service_down callable'),
    ('redfish', 'expected a mapping of fields (driver, address, ...)'),
])
def test_bad_entries_name_host_and_field(tmp_path, entry, problem):
    path = write_devices(tmp_path, {'compute7': entry})
    with pytest.raises(fencing.FencingError) as error:
        fencing.device_for('compute7', path)
    assert str(error.value) == (f'fencing devices file {path}: host compute7: '
                                f'{problem}')
    assert_no_credentials(str(error.value))


def test_verify_may_name_a_ca_bundle(tmp_path):
    path = write_devices(tmp_path, {'compute1': {
        **GOOD['compute1'], 'verify': '/etc/masakari/bmc-ca.pem'}})
    assert fencing.device_for('compute1', path).verify == '/etc/masakari/bmc-ca.pem'


def test_load_devices_checks_every_entry(tmp_path):
    path = write_devices(tmp_path, {**GOOD, 'compute8': {'driver': 'ipmi'}})
    with pytest.raises(fencing.FencingError,
                       match='host compute8: missing field address'):
        fencing.load_devices(path, service_down=lambda host: True)


def test_a_file_that_is_not_a_mapping(tmp_path):
    path = write_devices(tmp_path, ['compute1'])
    with pytest.raises(fencing.FencingError,
                       match='must map host names to fence devices'):
        fencing.load_devices(path)


# masakari-manage host bring-back ---------------------------------------------------

def test_bring_back_powers_on_and_clears_forced_down(redfish, tmp_path):
    bmc, host = redfish
    host.ensure_running()
    devices = write_devices(tmp_path, {'compute1': redfish_entry(bmc, host)})
    assert power_off_confirmed(fencing.device_for('compute1', devices, bmc_timeout=5),
                               POWER_TIMEOUT, 0.1)
    sim = novasim.Simulator()
    for name in ('compute1', 'compute2'):
        sim.cloud.add_host(name)
    sim.cloud.set_service('compute1', disabled=True, forced_down=True,
                          disabled_reason='Masakari detected host failed.')
    with novasim.start(sim) as running:
        conf = tmp_path / 'masakari.conf'
        conf.write_text(f'[DEFAULT]\nos_privileged_user_auth_url = {running.identity_url}\n'
                        'os_privileged_user_name = masakari\n'
                        'os_privileged_user_password = masakari\n'
                        'os_privileged_user_tenant = service\n'
                        f'[fencing]\ndevices_file = {devices}\n')
        kept = manage('--config-file', str(conf), 'host', 'bring-back', 'compute1')
        service = sim.cloud.compute_service('compute1')
        assert kept.returncode == 0, kept.stderr
        assert (service.forced_down, service.disabled) == (False, True)
        wait_for(host.running, POWER_TIMEOUT, f'{host.name} running again')

        enabled = manage('--config-file', str(conf), 'host', 'bring-back', 'compute1',
                         '--enable-service')
        assert enabled.returncode == 0, enabled.stderr
        assert (service.forced_down, service.disabled) == (False, False)
    assert 'compute1: nova-compute enabled' in enabled.stdout
    assert_no_credentials(kept.stdout, kept.stderr, enabled.stdout, enabled.stderr)


def test_bring_back_of_a_host_without_device_says_so(tmp_path):
    devices = write_devices(tmp_path, {})
    conf = tmp_path / 'masakari.conf'
    conf.write_text(f'[fencing]\ndevices_file = {devices}\n')
    result = manage('--config-file', str(conf), 'host', 'bring-back', 'compute9')
    assert result.returncode == 1
    assert 'no fence device for host compute9' in result.stderr
