"""The few Kubernetes API calls the driver makes, over plain HTTPS with
the pod's in-cluster service-account configuration."""
import os

import requests

SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
HTTP_TIMEOUT = 30


class ConfigException(Exception):
    pass


class InClusterClient:
    """Reads ``KUBERNETES_SERVICE_HOST``/``_PORT`` and the service account's
    token and CA; raises ``ConfigException`` outside a pod."""

    def __init__(self, service_account_dir: str | None = None,
                 environ=None) -> None:
        environ = os.environ if environ is None else environ
        service_account_dir = service_account_dir or SERVICE_ACCOUNT_DIR
        host = environ.get('KUBERNETES_SERVICE_HOST')
        port = environ.get('KUBERNETES_SERVICE_PORT')
        if not host or not port:
            raise ConfigException('Service host/port is not set.')
        self.token_file = os.path.join(service_account_dir, 'token')
        self.ca_file = os.path.join(service_account_dir, 'ca.crt')
        if not os.path.isfile(self.token_file):
            raise ConfigException('Service token file does not exist.')
        if not os.path.isfile(self.ca_file):
            raise ConfigException('Service certification file does not '
                                  'exist.')
        self._read_token()
        if ':' in host and not host.startswith('['):
            host = f'[{host}]'
        self.url = f'https://{host}:{port}'
        self.session = requests.Session()

    def _read_token(self) -> str:
        with open(self.token_file) as f:
            token = f.read().strip()
        if not token:
            raise ConfigException('Token file exists but empty.')
        return token

    def list_node(self, label_selector: str = '') -> list[dict]:
        params = {'labelSelector': label_selector} if label_selector else {}
        # Re-read on every call: the kubelet rotates projected tokens.
        headers = {'Authorization': 'Bearer ' + self._read_token(),
                   'Accept': 'application/json'}
        response = self.session.get(self.url + '/api/v1/nodes',
                                    params=params, headers=headers,
                                    timeout=HTTP_TIMEOUT,
                                    # Per request: a session's verify loses
                                    # to REQUESTS_CA_BUNDLE in the env.
                                    verify=self.ca_file)
        response.raise_for_status()
        return response.json().get('items') or []
