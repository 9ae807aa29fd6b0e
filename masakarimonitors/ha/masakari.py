"""The notification client every monitor uses (openstacksdk instance_ha)."""
import datetime
import threading
import time
from collections.abc import Callable

from keystoneauth1 import loading as ks_loading
from oslo_log import log as logging

from masakarimonitors.conf import CONF

LOG = logging.getLogger(__name__)

# The API's answers that no retry can change: a duplicate or a host under
# maintenance (409), a host in no failover segment (400).
_FINAL_STATUSES = (400, 409)

# Seconds a request to Keystone or Masakari may take when [api] timeout is
# unset (keystoneauth would wait for ever): a hung API then costs one failed
# try, and the retry and give-up logic goes on. Generous beside the API's
# usual answer in milliseconds, short beside the retry interval's scale.
DEFAULT_REQUEST_TIMEOUT = 30


def _wire_time(value) -> str:
    # Always with microseconds and no zone, whatever the value's microsecond.
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%S.%f')
    return value


def make_instance_ha_client():
    """An SDK instance_ha proxy authenticated from the [api] options.

    openstacksdk is imported here, at the first notification: importing it
    costs a monitor about 15 MB, a third of what it needs to watch.
    """
    from openstack import connection
    auth = ks_loading.load_auth_from_conf_options(CONF, 'api')
    timeout = CONF.api.timeout
    if timeout is None:
        timeout = DEFAULT_REQUEST_TIMEOUT
    session = ks_loading.load_session_from_conf_options(
        CONF, 'api', auth=auth, timeout=timeout)
    conn = connection.Connection(session=session,
                                 interface=CONF.api.api_interface,
                                 region_name=CONF.api.region)
    return conn.instance_ha


def _is_final(error: Exception) -> bool:
    # openstacksdk is loaded by now: the client was built, or failed to be.
    from openstack import exceptions as sdk_exc
    return (isinstance(error, sdk_exc.HttpException)
            and error.status_code in _FINAL_STATUSES)


class SendNotification:
    """Sends events to Masakari, retrying what may succeed later.

    The client is built on first use and kept until a retry loop is
    exhausted, so the next notification authenticates afresh.
    """

    def __init__(self, client_factory: Callable = make_instance_ha_client,
                 sleep: Callable[[float], None] = time.sleep):
        self._client_factory = client_factory
        self._sleep = sleep
        self._client = None
        self._lock = threading.Lock()

    def _get_client(self):
        with self._lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    def _drop_client(self) -> None:
        with self._lock:
            self._client = None

    def send_notification(self, retry_max: int, retry_interval: float,
                          event: dict) -> None:
        """Send ``event``; at most ``retry_max + 1`` attempts. Never raises."""
        LOG.info('Send a notification. %s', event)
        notification = event['notification']
        retried = 0
        while True:
            try:
                client = self._get_client()
                response = client.create_notification(
                    type=notification['type'],
                    hostname=notification['hostname'],
                    generated_time=_wire_time(notification['generated_time']),
                    payload=notification['payload'])
                LOG.info('Response: %s', response)
                return
            except Exception as e:
                if _is_final(e):
                    LOG.info(e)
                    return
                if retried < retry_max:
                    LOG.warning('Retry sending a notification. (%s)', e)
                    retried += 1
                    self._sleep(retry_interval)
                    continue
                LOG.exception('Exception caught: %s', e)
                self._drop_client()
                return
