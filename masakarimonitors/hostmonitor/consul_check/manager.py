"""The consul hostmonitor driver."""
import collections
import socket

from oslo_log import log as logging

from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.hostmonitor import driver
from masakarimonitors.hostmonitor.consul_check import consul_helper

LOG = logging.getLogger(__name__)


def combine(window) -> list:
    """Column by column: the common value, or None where up and down mix."""
    return [column[0] if all(v == column[0] for v in column) else None
            for column in zip(*window)]


class ConsulCheck(driver.DriverBase):
    def __init__(self, notifier=None) -> None:
        super().__init__(notifier)
        self.consul = consul_helper.ConsulManager(CONF)
        self.sequence, self.matrix = consul_helper.load_matrix(
            CONF.consul.matrix_config_file)
        self.windows: dict[str, collections.deque] = {}
        self.last: dict[str, list] = {}

    def monitor_once(self) -> None:
        try:
            self._update()
            self._poll()
        except Exception as e:
            LOG.exception('Exception when host-monitor by consul: %s', e)

    def _update(self) -> None:
        LOG.debug('update monitoring data from consul.')
        state = self.consul.get_health(self.sequence)
        LOG.debug('Current cluster state: %s.', state)
        samples = CONF.host.monitoring_samples
        for host, health in state.items():
            window = self.windows.setdefault(
                host, collections.deque(maxlen=samples))
            window.append(health)

    def _format(self, health: list) -> dict:
        return {f'{name}-interface': value
                for name, value in zip(self.sequence, health)}

    def _poll(self) -> None:
        me = socket.gethostname()
        samples = CONF.host.monitoring_samples
        for host, window in list(self.windows.items()):
            if host == me:
                continue
            if len(window) < samples:
                LOG.debug('Not enough monitoring data for host %s', host)
                continue
            health = combine(window)
            if host not in self.last:
                self.last[host] = health
                continue
            if self.last[host] == health:
                continue
            self.last[host] = health
            if None in health:
                LOG.debug('Host %s has unstable health state %s, skipping '
                          'notification.', host, self._format(health))
                continue
            if 'down' not in health:
                # Also after a down pattern that never asked for recovery:
                # upstream masakari-monitors sends STARTED on any change to
                # all-up; kept so Masakari sees the same notifications.
                self.send(events.compute_host(
                    host, events.EVENT_STARTED, events.HOST_STATUS_NORMAL,
                    events.CLUSTER_STATUS_ONLINE))
                continue
            actions = next((row.get('action') or [] for row in self.matrix
                            if row.get('health') == health), [])
            if 'recovery' in actions:
                LOG.info('Host %s needs recovery, health status: %s.',
                         host, self._format(health))
                self.send(events.compute_host(
                    host, events.EVENT_STOPPED, events.HOST_STATUS_NORMAL,
                    events.CLUSTER_STATUS_OFFLINE))
