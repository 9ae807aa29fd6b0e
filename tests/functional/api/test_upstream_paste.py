"""masakari-api serves an api-paste.ini written for upstream Masakari, with
upstream's factory paths, and the variant OpenStack-Ansible renders (no
/healthcheck, no noauth2 pipeline)."""
import pathlib

import pytest
import requests

from tests.support import api_server
from tests.support import keystone as ks

# The sections and factories of upstream's etc/masakari/api-paste.ini.
UPSTREAM_PASTE = """\
[composite:masakari_api]
use = call:masakari.api.urlmap:urlmap_factory
/: apiversions
/v1: masakari_api_v1
/healthcheck: healthcheck

[composite:masakari_api_v1]
use = call:masakari.api.auth:pipeline_factory_v1
keystone = cors http_proxy_to_wsgi request_id faultwrap sizelimit authtoken keystonecontext osapi_masakari_app_v1
noauth2 = cors http_proxy_to_wsgi request_id faultwrap sizelimit noauth2 osapi_masakari_app_v1

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = masakari

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:faultwrap]
paste.filter_factory = masakari.api.openstack:FaultWrapper.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[filter:keystonecontext]
paste.filter_factory = masakari.api.auth:MasakariKeystoneContext.factory

[filter:noauth2]
paste.filter_factory = masakari.api.auth:NoAuthMiddleware.factory

[app:osapi_masakari_app_v1]
paste.app_factory = masakari.api.openstack.ha:APIRouterV1.factory

[pipeline:apiversions]
pipeline = faultwrap http_proxy_to_wsgi apiversionsapp

[app:apiversionsapp]
paste.app_factory = masakari.api.openstack.ha.versions:Versions.factory

[app:healthcheck]
paste.app_factory = oslo_middleware:Healthcheck.app_factory
backends = disable_by_file
disable_by_file_path = /etc/masakari/healthcheck_disable
"""  # noqa: E501


def osa_paste() -> str:
    """OpenStack-Ansible's variant: no /healthcheck route, no noauth2 key."""
    lines = UPSTREAM_PASTE.splitlines(keepends=True)
    return ''.join(line for line in lines
                   if not line.startswith(('/healthcheck:', 'noauth2 =')))


def _start(tmp_path: pathlib.Path, paste: str, auth_strategy: str,
           extra: str = '', port: int | None = None) -> api_server.APIServer:
    paste_file = tmp_path / 'api-paste.ini'
    paste_file.write_text(paste)
    port = port or api_server.free_port()
    config = api_server.write_config(
        tmp_path / 'masakari.conf', f'sqlite:///{tmp_path}/masakari.sqlite',
        port, extra=extra, auth_strategy=auth_strategy, workers=1,
        api_paste_config=paste_file)
    api_server.db_sync(config)
    return api_server.APIServer(config, port, tmp_path / 'api.log')


def _authtoken(keystone) -> str:
    return '[keystone_authtoken]\n' + ''.join(
        f'{key} = {value}\n'
        for key, value in keystone.authtoken_options().items())


def test_upstream_paste_with_noauth2(servers, tmp_path):
    server = _start(tmp_path, UPSTREAM_PASTE, 'noauth2').start()
    servers.append(server)

    r = requests.get(server.url + '/', timeout=10)
    assert r.status_code == 200
    assert [(v['id'], v['version']) for v in r.json()['versions']] == [
        ('v1.0', '1.3')]
    r = requests.get(server.url + '/v1', timeout=10)
    assert r.json()['version']['id'] == 'v1.0'
    assert requests.get(server.url + '/healthcheck',
                        timeout=10).status_code == 200

    r = requests.post(server.url + '/v1/segments', timeout=10, json={
        'segment': {'name': 'paste-seg', 'service_type': 'COMPUTE',
                    'recovery_method': 'auto'}})
    assert r.status_code == 201, r.text
    r = requests.get(server.url + '/v1/segments', timeout=10)
    assert [s['name'] for s in r.json()['segments']] == ['paste-seg']
    assert r.headers['x-openstack-request-id'].startswith('req-')
    # Faults pass through upstream's faultwrap name.
    r = requests.get(server.url + '/v1/segments/missing', timeout=10)
    assert r.status_code == 404
    assert r.json()['itemNotFound']['code'] == 404


@pytest.mark.parametrize('paste', [UPSTREAM_PASTE, osa_paste()],
                         ids=['upstream', 'openstack-ansible'])
def test_paste_with_keystone(servers, tmp_path, keystone, masakari_api_port,
                             paste):
    server = _start(tmp_path, paste, 'keystone', extra=_authtoken(keystone),
                    port=masakari_api_port).start()
    servers.append(server)

    assert requests.get(server.url + '/', timeout=10).status_code == 200
    r = requests.get(server.url + '/v1/segments', timeout=10)
    assert r.status_code == 401
    assert r.headers['WWW-Authenticate'].startswith('Keystone uri=')
    r = requests.get(server.url + '/v1/segments', timeout=30,
                     headers={'X-Auth-Token': keystone.token(ks.ADMIN)})
    assert (r.status_code, r.json()) == (200, {'segments': []})


def test_osa_paste_has_no_healthcheck(servers, tmp_path):
    # noauth2 is not in the file: the keystone pipeline without Keystone
    # still serves the version documents.
    server = _start(tmp_path, osa_paste(), 'keystone').start()
    servers.append(server)
    r = requests.get(server.url + '/healthcheck', timeout=10)
    assert r.status_code == 300   # the version choices, as upstream
    assert 'choices' in r.json()


def test_missing_pipeline_for_auth_strategy_is_named(tmp_path):
    server = _start(tmp_path, osa_paste(), 'noauth2')
    with pytest.raises(RuntimeError, match='exited') as error:
        server.start()
    assert ('api-paste.ini has no noauth2 pipeline for [DEFAULT] '
            'auth_strategy = noauth2') in str(error.value)
