"""The kubernetes hostmonitor driver: node Ready conditions."""
import collections
import socket

from oslo_log import log as logging

from masakarimonitors.conf import CONF
from masakarimonitors.ha import events
from masakarimonitors.hostmonitor import driver
from masakarimonitors.hostmonitor.kubernetes_check import k8s_client

LOG = logging.getLogger(__name__)


def ready_status(node: dict) -> str | None:
    for condition in (node.get('status') or {}).get('conditions') or []:
        if condition.get('type') == 'Ready':
            return condition.get('status')
    return None


class KubernetesCheck(driver.DriverBase):
    def __init__(self, notifier=None, client=None) -> None:
        super().__init__(notifier)
        self.client = client or k8s_client.InClusterClient()
        self.windows: dict[str, collections.deque] = {}
        self.last: dict = {}

    def monitor_once(self) -> None:
        try:
            self._update()
            self._poll()
        except Exception as e:
            LOG.exception('Exception when host-monitor by k8s: %s', e)

    def _update(self) -> None:
        LOG.debug('update monitoring data from k8s.')
        nodes = self.client.list_node(CONF.kubernetes.monitoring_node_labels)
        names = {node['metadata']['name'] for node in nodes}
        for name in list(self.windows):
            if name not in names:
                del self.windows[name]
        samples = CONF.host.monitoring_samples
        for node in nodes:
            name = node['metadata']['name']
            status = ready_status(node)
            if status is None:
                continue
            window = self.windows.setdefault(
                name, collections.deque(maxlen=samples))
            window.appendleft(status)
            # Rendered now: the deques change after the record is made.
            LOG.debug('hostname: %s, condition: %s', name, str(window))
        LOG.info('Monitoring data: %s', str(self.windows))

    def _poll(self) -> None:
        me = socket.gethostname()
        samples = CONF.host.monitoring_samples
        for name, window in self.windows.items():
            if not self.last:
                # Seeds only the first node of the first poll, with the raw
                # string, which is truthy even when 'False'. Upstream
                # masakari-monitors does so; kept so the first notifications
                # after a start are the same.
                self.last[name] = window[0]
            if name == me:
                continue
            if len(window) < samples:
                continue
            alive = 'True' in window
            if not alive and self.last.get(name):
                LOG.info('Host %s needs recovery, health status: False.',
                         name)
                self.send(events.compute_host(
                    name, events.EVENT_STOPPED, events.HOST_STATUS_NORMAL))
            self.last[name] = alive
