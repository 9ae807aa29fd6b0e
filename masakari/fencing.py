"""Fencing: power a failed compute host off through its BMC, and confirm
the power-off, before any of its instances is evacuated.

The fence device of each compute host is described in a YAML file,
``[fencing] devices_file`` (``/etc/masakari/fencing.yaml`` by default),
keyed by the host's name as Nova knows it::

    compute1: {driver: redfish, address: https://10.0.0.11:8000,
               system: /redfish/v1/Systems/1, username: admin,
               password: secret, verify: false}
    compute2: {driver: ipmi, address: 10.0.0.12, port: 623,
               username: ADMIN, password: secret}
    compute3: {driver: nova}

Fields of each driver (anything else is refused, to catch typos):

``redfish`` (through sushy)
    ``address`` (required): ``https://`` or ``http://`` URL of the BMC,
    without credentials; ``username``, ``password`` (required);
    ``system``: path of the host's ComputerSystem, needed when the BMC
    manages more than one; ``verify``: ``true`` (default), ``false``, or
    the path of a CA bundle. Power-off is the ``ForceOff`` reset,
    power-on ``On``.
``ipmi`` (IPMI 2.0 over LAN, through pyghmi)
    ``address`` (required): host name or IP address of the BMC; ``port``
    (623); ``username``, ``password`` (required). Power-off is a hard
    chassis power down, power-on a chassis power up.
``nova``
    No power control: the host counts as off once Nova reports its
    nova-compute service down. This only says that the host stopped
    reporting, not that it cannot still write to shared storage.

The file holds BMC passwords: it is refused, as ssh refuses a private key,
unless it is owned by the service's effective user and closed to group and
others (mode 0600 or 0400). No credential ever appears in a log line, an
error or the repr of a device.

:func:`load_devices` reads every device (to check the file),
:func:`device_for` the one of a host; :func:`fence` powers a host off and
waits until its device reports it off. Every request to a BMC returns or
fails within ``[fencing] bmc_timeout`` seconds.
"""
import hashlib
import os
import stat
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

import sushy
import yaml
from oslo_log import log as logging
from pyghmi import exceptions as ipmi_exceptions
from pyghmi.ipmi.private import session as ipmi_session
from sushy import exceptions as sushy_exceptions

from masakari import conf
from masakari import exception

CONF = conf.CONF
LOG = logging.getLogger(__name__)

REQUIRED = object()


class FencingError(exception.MasakariException):
    """A fence device that cannot be loaded, or that does not power its
    host off, on or tell its power state."""


class FenceDevice:
    """The power switch of one compute host."""

    driver = ''
    # name: (accepted types, default or REQUIRED), besides 'driver'.
    FIELDS: dict[str, tuple[tuple[type, ...], Any]] = {}

    def __init__(self, host: str) -> None:
        self.host = host

    def power_off(self) -> None:
        """Ask for a hard power-off; :meth:`is_off` tells when it is done."""
        raise NotImplementedError

    def power_on(self) -> None:
        raise NotImplementedError

    def is_off(self) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """Driver and address, for logs: never credentials."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'<{type(self).__name__} {self.host}: {self.describe()}>'


class BmcDevice(FenceDevice):
    """A host powered through its baseboard management controller.

    Each request runs in a thread of its own that the caller waits for at
    most ``timeout`` seconds: the libraries' own timeouts bound a single
    exchange, not the retries and re-logins around it (pyghmi takes 5 s to
    give up on a login and up to 30 s on an established session whose BMC
    went silent). Until an abandoned request ends, the next ones fail at
    once instead of piling up behind it.
    """

    FIELDS = {'address': ((str,), REQUIRED),
              'username': ((str,), REQUIRED),
              'password': ((str,), REQUIRED)}

    def __init__(self, host: str, address: str, username: str, password: str,
                 timeout: float) -> None:
        super().__init__(host)
        self.address = address
        self.timeout = timeout
        self._username = username
        self._password = password
        self._unanswered: threading.Thread | None = None

    def power_off(self) -> None:
        LOG.info('Powering off %s through %s', self.host, self.describe())
        self._request('power off', self._power_off)

    def power_on(self) -> None:
        LOG.info('Powering on %s through %s', self.host, self.describe())
        self._request('power on', self._power_on)

    def is_off(self) -> bool:
        off = self._request('read the power state', self._is_off)
        LOG.debug('%s reports %s %s', self.describe(), self.host,
                  'off' if off else 'on')
        return off

    def _request(self, action: str, request: Callable[[], Any]) -> Any:
        if self._unanswered is not None and self._unanswered.is_alive():
            raise self._error(action, 'an earlier request to the BMC is '
                                      'still unanswered')
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome['result'] = request()
            except Exception as error:  # a FencingError in the caller
                outcome['error'] = error

        thread = threading.Thread(target=run, daemon=True,
                                  name=f'fencing-{self.host}')
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            self._unanswered = thread
            self._forget_connection()
            raise self._error(action, f'no answer from the BMC within '
                                      f'{self.timeout:g} s')
        if 'error' in outcome:
            self._forget_connection()
            raise self._error(action, self._reason(outcome['error']))
        return outcome['result']

    def _error(self, action: str, reason: str) -> FencingError:
        # The libraries' texts are quoted in reasons: the password is
        # masked should a BMC ever echo it back.
        if self._password:
            reason = reason.replace(self._password, '***')
        return FencingError(f'{self.host}: {self.describe()}: cannot {action}: '
                            f'{reason}')

    def _forget_connection(self) -> None:
        """Drop what the driver keeps between requests, after a failure."""

    def _reason(self, error: Exception) -> str:
        return f'{type(error).__name__}: {error}'

    def _power_off(self) -> None:
        raise NotImplementedError

    def _power_on(self) -> None:
        raise NotImplementedError

    def _is_off(self) -> bool:
        raise NotImplementedError


class RedfishDevice(BmcDevice):
    driver = 'redfish'
    FIELDS = {**BmcDevice.FIELDS,
              'system': ((str,), None),
              'verify': ((bool, str), True)}

    def __init__(self, host: str, address: str, username: str, password: str,
                 timeout: float, system: str | None = None,
                 verify: bool | str = True) -> None:
        super().__init__(host, address, username, password, timeout)
        self.system = system
        self.verify = verify
        self._connection: sushy.Sushy | None = None

    def describe(self) -> str:
        return f'redfish {self.address}'

    def _system(self):
        if self._connection is None:
            # One connection (one Redfish session) for all the requests of
            # this device: BMCs allow few sessions at a time. One attempt
            # per request: retries are the caller's polling. The deadline
            # of _request decides when a BMC is silent; sushy's own
            # timeouts, a little longer, end an abandoned request soon after.
            self._connection = sushy.Sushy(
                self.address, username=self._username,
                password=self._password, verify=self.verify,
                server_side_retries=1, server_side_retries_delay=1,
                connect_timeout=self.timeout + 1,
                read_timeout=self.timeout + 1)
        # get_system reads the system afresh; without a path it takes the
        # only system of the BMC.
        return self._connection.get_system(self.system)

    def _forget_connection(self) -> None:
        self._connection = None

    def _power_off(self) -> None:
        self._system().reset_system(sushy.ResetType.FORCE_OFF)

    def _power_on(self) -> None:
        self._system().reset_system(sushy.ResetType.ON)

    def _is_off(self) -> bool:
        system = self._system()
        state = system.power_state
        if state is None:
            raw = (system.json or {}).get('PowerState')
            raise FencingError(f'the BMC reports an unknown power state '
                               f'{raw!r}')
        return state == sushy.PowerState.OFF

    def _reason(self, error: Exception) -> str:
        if isinstance(error, sushy_exceptions.AccessError):
            return (f'the BMC refused the credentials (HTTP '
                    f'{error.status_code})')
        if isinstance(error, sushy_exceptions.ConnectionError):
            return f'cannot connect to the BMC: {error}'
        if isinstance(error, (sushy_exceptions.SushyError, FencingError)):
            return str(error)
        return super()._reason(error)


# IPMI chassis commands (IPMI 2.0, section 28).
CHASSIS_NETFN = 0x00
GET_CHASSIS_STATUS = 0x01
CHASSIS_CONTROL = 0x02
POWER_DOWN = 0x00
POWER_UP = 0x01
POWER_IS_ON = 0x01  # bit 0 of the current power state byte
# RMCP+ authentication and integrity algorithms (IPMI 2.0, tables 13-17
# and 13-18).
RAKP_HMAC_SHA1 = 0x01
HMAC_SHA1_96 = 0x01
# pyghmi's errors that mean the user name or the password was refused.
IPMI_CREDENTIALS_REFUSED = ('Incorrect password provided', 'Unauthorized name',
                            'Invalid RAKP4 integrity code')


class _IpmiSession(ipmi_session.Session):
    """pyghmi's client session, that follows the BMC's choice of hash.

    pyghmi 1.6.19 proposes RAKP-HMAC-SHA256 with HMAC-SHA256-128 integrity
    (cipher suite 17) in its RMCP+ Open Session Request, and falls back to
    SHA-1 (cipher suite 3) only when the BMC answers with an error status.
    A BMC may instead accept the request and name the algorithms it picked
    in its Open Session Response: pyghmi's own BMC side, which virtualbmc
    runs, always picks SHA-1. pyghmi ignores that answer, keeps computing
    SHA-256 and fails on the 20-byte SHA-1 key exchange code of RAKP
    message 2 with a struct.error. Here the session reads the algorithms
    from the response and switches to SHA-1 before RAKP message 1, as
    pyghmi does after a refusal: one login works with both kinds of BMC.
    The change lives in this subclass, so other pyghmi sessions of the
    process are untouched; each login starts again from SHA-256
    (``_initsession``).
    """

    def _got_rmcp_response(self, data):
        # Response layout (table 13-10): tag, status, ..., the
        # authentication payload at 12..19 (algorithm at 16), the
        # integrity payload at 20..27 (algorithm at 24).
        if (len(data) >= 28 and data[0] == self.rmcptag and data[1] == 0
                and self.attemptedhash == 256
                and data[16] & 0x3f == RAKP_HMAC_SHA1
                and data[24] & 0x3f == HMAC_SHA1_96):
            self.attemptedhash = 1
            self.currhashlib = hashlib.sha1
            self.currhashlen = 12
        return super()._got_rmcp_response(data)

    def _mark_broken(self, error=None):
        # pyghmi's version marks the session broken (through logout) before
        # it records why; a login waiting on the session in another thread
        # could then read the reason before it exists (AttributeError).
        self.errormsg = error
        super()._mark_broken(error)


class IpmiDevice(BmcDevice):
    driver = 'ipmi'
    FIELDS = {**BmcDevice.FIELDS, 'port': ((int,), 623)}

    def __init__(self, host: str, address: str, username: str, password: str,
                 timeout: float, port: int = 623) -> None:
        super().__init__(host, address, username, password, timeout)
        self.port = port

    def describe(self) -> str:
        return f'ipmi {self.address}:{self.port}'

    def _chassis(self, command: int, data: tuple[int, ...] = ()) -> bytes:
        # pyghmi shares one logged-in session per BMC and credentials
        # between callers and keeps it alive. The credentials go in as
        # bytes: pyghmi files a session being set up under the values it
        # is given but removes it under their encoded form, so with str a
        # failed login would stay filed and be handed out again.
        session = _IpmiSession(self.address, self._username.encode(),
                               self._password.encode(), port=self.port)
        if session.broken:
            # pyghmi gives a reason for a refused login, none for a BMC that
            # stopped answering during it.
            raise ipmi_exceptions.IpmiException(getattr(session, 'errormsg', None))
        response = session.raw_command(netfn=CHASSIS_NETFN, command=command,
                                       data=data)
        if 'error' in response:
            raise ipmi_exceptions.IpmiException(response['error'])
        return response['data']

    def _power_off(self) -> None:
        self._chassis(CHASSIS_CONTROL, (POWER_DOWN,))

    def _power_on(self) -> None:
        self._chassis(CHASSIS_CONTROL, (POWER_UP,))

    def _is_off(self) -> bool:
        status = self._chassis(GET_CHASSIS_STATUS)
        if not status:
            raise FencingError('the BMC reports no power state')
        return not status[0] & POWER_IS_ON

    def _reason(self, error: Exception) -> str:
        if isinstance(error, ipmi_exceptions.IpmiException):
            message = str(error.args[0]) if error.args else ''
            if not message or message in ('None', 'timeout'):
                return 'the BMC does not answer'
            if message.startswith(IPMI_CREDENTIALS_REFUSED):
                return f'the BMC refused the credentials ({message})'
            return message
        if isinstance(error, FencingError):
            return str(error)
        return super()._reason(error)


class NovaDevice(FenceDevice):
    """No power control: the host counts as off once Nova reports its
    nova-compute service down."""

    driver = 'nova'

    def __init__(self, host: str, service_down: Callable[[str], bool]) -> None:
        super().__init__(host)
        self._service_down = service_down

    def describe(self) -> str:
        return f'nova nova-compute on {self.host}'

    def power_off(self) -> None:
        LOG.info('%s has no power control (nova driver): it counts as off '
                 'once Nova reports its nova-compute service down', self.host)

    def power_on(self) -> None:
        LOG.info('%s has no power control (nova driver): not powered on',
                 self.host)

    def is_off(self) -> bool:
        try:
            return bool(self._service_down(self.host))
        except Exception as error:
            raise FencingError(f'{self.host}: {self.describe()}: cannot read '
                               f'the state of the service: {error}') from error


DRIVERS = {device.driver: device
           for device in (RedfishDevice, IpmiDevice, NovaDevice)}


def read_devices_file(path: str) -> dict[str, dict]:
    """The host entries of a devices file, once its ownership and mode are
    checked. Errors name the path, never the content."""
    try:
        with open(path, 'rb') as file:
            # fstat of the open file: what is checked is what is read.
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FencingError(f'fencing devices file {path} is not a '
                                   f'regular file')
            if info.st_uid != os.geteuid():
                raise FencingError(
                    f'fencing devices file {path} is owned by uid '
                    f'{info.st_uid}, not by the service user (uid '
                    f'{os.geteuid()}): refused, as it holds BMC passwords')
            if info.st_mode & 0o077:
                raise FencingError(
                    f'fencing devices file {path} has mode '
                    f'{stat.S_IMODE(info.st_mode):04o}: refused, as it holds '
                    f'BMC passwords; it must be closed to group and others '
                    f'(chmod 600 {path})')
            text = file.read()
    except OSError as error:
        raise FencingError(f'fencing devices file {path}: cannot read it: '
                           f'{error.strerror}') from None
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as error:
        # PyYAML's message quotes the offending line: only its place.
        mark = getattr(error, 'problem_mark', None)
        where = (f' at line {mark.line + 1}, column {mark.column + 1}'
                 if mark is not None else '')
        raise FencingError(f'fencing devices file {path} is not valid '
                           f'YAML{where}') from None
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise FencingError(f'fencing devices file {path} must map host names '
                           f'to fence devices')
    return {str(host): entry for host, entry in entries.items()}


def make_device(host: str, entry: Any, path: str,
                service_down: Callable[[str], bool] | None = None,
                bmc_timeout: float | None = None) -> FenceDevice:
    """The device of one entry of the devices file at ``path``."""
    def invalid(problem: str) -> FencingError:
        return FencingError(f'fencing devices file {path}: host {host}: '
                            f'{problem}')

    if not isinstance(entry, dict):
        raise invalid('expected a mapping of fields (driver, address, ...)')
    driver = entry.get('driver')
    if driver is None:
        raise invalid('missing field driver')
    if driver not in DRIVERS:
        raise invalid(f'unknown driver {driver!r} (known: '
                      f'{", ".join(sorted(DRIVERS))})')
    device_class = DRIVERS[driver]
    fields = {}
    for name in entry:
        if name != 'driver' and name not in device_class.FIELDS:
            raise invalid(f'unknown field {name} for driver {driver}')
    for name, (types, default) in device_class.FIELDS.items():
        if name not in entry:
            if default is REQUIRED:
                raise invalid(f'missing field {name} (driver {driver})')
            fields[name] = default
            continue
        value = entry[name]
        # YAML's true is an int too: no bool where only int is accepted.
        if not isinstance(value, types) or (
                isinstance(value, bool) and bool not in types):
            # The value is not quoted: it may be a password.
            raise invalid(f'field {name} must be '
                          f'{" or ".join(t.__name__ for t in types)}')
        fields[name] = value
    if driver == 'nova':
        if service_down is None:
            raise invalid('the nova driver needs a service_down callable')
        return NovaDevice(host, service_down)
    _check_address(driver, fields, invalid)
    timeout = CONF.fencing.bmc_timeout if bmc_timeout is None else bmc_timeout
    return device_class(host, timeout=timeout, **fields)


def _check_address(driver: str, fields: dict,
                   invalid: Callable[[str], FencingError]) -> None:
    address = fields['address']
    if driver == 'redfish':
        url = urllib.parse.urlsplit(address)
        if url.scheme not in ('http', 'https') or not url.hostname:
            raise invalid('field address must be an https:// or http:// URL')
        if url.username is not None or url.password is not None:
            raise invalid('field address must not hold credentials: use '
                          'username and password')
    elif not address:
        raise invalid('field address is empty')
    if driver == 'ipmi' and not 0 < fields['port'] < 65536:
        raise invalid('field port must be between 1 and 65535')


def load_devices(path: str | None = None,
                 service_down: Callable[[str], bool] | None = None,
                 bmc_timeout: float | None = None) -> dict[str, FenceDevice]:
    """Every device of the devices file (``[fencing] devices_file`` by
    default), by host name; a FencingError for the first bad entry."""
    path = path or CONF.fencing.devices_file
    return {host: make_device(host, entry, path, service_down, bmc_timeout)
            for host, entry in read_devices_file(path).items()}


def device_for(host: str, path: str | None = None,
               service_down: Callable[[str], bool] | None = None,
               bmc_timeout: float | None = None) -> FenceDevice:
    """The device of ``host``, read afresh from the devices file: edits
    apply without a restart."""
    path = path or CONF.fencing.devices_file
    entries = read_devices_file(path)
    if host not in entries:
        raise FencingError(f'fencing devices file {path}: no fence device '
                           f'for host {host}')
    return make_device(host, entries[host], path, service_down, bmc_timeout)
