"""The devstack plugin, phase by phase, as devstack runs it.

tests/support/devstack_harness.sh sources devstack/settings and
devstack/plugin.sh with stand-ins of devstack's functions: the tests read
the files the plugin writes and the calls it makes, in order, per phase.
"""
import configparser
import os
import pwd
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / 'tests/support/devstack_harness.sh'
PLUGIN_FILES = [REPO / 'devstack/plugin.sh', REPO / 'devstack/settings']
VENV_BIN = Path(sys.executable).parent
STACK = ('stack:install', 'stack:post-config', 'stack:extra')
MONITORS = ('processmonitor', 'instancemonitor',
            'introspectiveinstancemonitor', 'hostmonitor')
USER = pwd.getpwuid(os.getuid()).pw_name
DB_URL = 'mysql+pymysql://root:db-secret@127.0.0.1/masakari?charset=utf8'


class Node:
    """One devstack node under a temporary root; paths in the recorded
    calls read $ROOT."""

    def __init__(self, root: Path, **env: str):
        self.root = root
        self.env = {'PATH': os.environ['PATH'], 'LANG': 'C.UTF-8', **env}

    def run(self, *phases: str) -> None:
        subprocess.run(['bash', str(HARNESS), str(self.root), *phases],
                       env=self.env, check=True, capture_output=True)

    def calls(self, phase: str) -> list[str]:
        """The calls recorded in the last run of `phase` ("stack extra")."""
        lines = (self.root / 'calls.log').read_text().splitlines()
        start = len(lines) - lines[::-1].index(f'== {phase}')
        end = next((i for i in range(start, len(lines))
                    if lines[i].startswith('== ')), len(lines))
        return [line.replace(str(self.root), '$ROOT')
                for line in lines[start:end]]

    def ini(self, relative: str) -> configparser.ConfigParser:
        # [DEFAULT] as a section of its own, not merged into the others.
        parser = configparser.ConfigParser(interpolation=None,
                                           default_section='')
        parser.read_string((self.root / relative).read_text())
        return parser

    def files(self, *relatives: str) -> list[str]:
        return sorted(str(path.relative_to(self.root))
                      for relative in relatives
                      for path in (self.root / relative).rglob('*')
                      if not path.is_dir())


@pytest.fixture(scope='module')
def stacked(tmp_path_factory) -> Node:
    """An all-in-one node after stack.sh, API in uWSGI (the default)."""
    node = Node(tmp_path_factory.mktemp('devstack'))
    node.run(*STACK)
    return node


def test_install_phase(stacked):
    assert stacked.calls('stack install') == [
        'setup_develop $ROOT/opt/stack/masakari monitors',
        'pip_install_gr python-masakariclient',
    ]


def test_post_config_phase(stacked):
    etc = '$ROOT/opt/stack/masakari/etc'
    assert stacked.calls('stack post-config') == [
        f'sudo install -d -o {USER} $ROOT/etc/masakari',
        'oslo-config-generator --namespace masakari.conf '
        '--namespace keystonemiddleware.auth_token --namespace oslo.db '
        '--output-file $ROOT/etc/masakari/masakari.conf',
        'setup_logging $ROOT/etc/masakari/masakari.conf',
        'iniset_rpc_backend masakari $ROOT/etc/masakari/masakari.conf',
        'configure_keystone_authtoken_middleware '
        '$ROOT/etc/masakari/masakari.conf masakari',
        'write_uwsgi_config $ROOT/etc/masakari/masakari-api-uwsgi.ini '
        'masakari.wsgi.api:application /instance-ha  masakari-api',
        'create_service_user masakari admin',
        'get_or_create_service masakari instance-ha '
        'OpenStack High Availability',
        'get_or_create_endpoint instance-ha RegionOne '
        'http://10.0.0.10/instance-ha/v1/$(tenant_id)s',
        f'sudo install -d -o {USER} $ROOT/etc/masakarimonitors',
        'oslo-config-generator --config-file '
        f'{etc}/masakarimonitors/masakarimonitors-config-generator.conf '
        '--output-file $ROOT/etc/masakarimonitors/masakarimonitors.conf',
        'setup_logging $ROOT/etc/masakarimonitors/masakarimonitors.conf',
    ]


def test_generated_configuration_holds_our_options():
    """The generator namespaces the plugin names, for masakari.conf and (in
    the monitors' generator configuration) for masakarimonitors.conf, start
    with our own and are all installed here."""
    plugin = (REPO / 'devstack/plugin.sh').read_text()
    monitors = (REPO / 'etc/masakarimonitors/'
                'masakarimonitors-config-generator.conf').read_text()
    named = re.findall(r'--namespace (\S+)', plugin)
    named_for_monitors = re.findall(r'^namespace = (\S+)$', monitors, re.M)
    assert named[0] == 'masakari.conf'
    assert named_for_monitors[0] == 'masakarimonitors.conf'
    installed = {ep.name for ep in
                 metadata.entry_points(group='oslo.config.opts')}
    assert set(named + named_for_monitors) <= installed


def test_masakari_conf(stacked):
    conf = stacked.ini('etc/masakari/masakari.conf')
    assert dict(conf['DEFAULT']) == {
        'debug': 'True',
        'use_syslog': 'False',
        'masakari_api_workers': '2',
        'transport_url': 'rabbit://stackrabbit:rabbit-secret@10.0.0.10:5672/',
        'os_privileged_user_name': 'nova',
        'os_privileged_user_password': 'servicepass',
        'os_privileged_user_tenant': 'service',
        'os_privileged_user_auth_url': 'http://10.0.0.10/identity',
        'os_region_name': 'RegionOne',
    }
    assert conf['database']['connection'] == DB_URL
    assert conf['taskflow']['connection'] == DB_URL
    assert conf['keystone_authtoken']['username'] == 'masakari'
    assert conf['keystone_authtoken']['password'] == 'servicepass'
    assert (stacked.root / 'etc/masakari/api-paste.ini').read_text() == \
        (REPO / 'etc/masakari/api-paste.ini').read_text()


def test_uwsgi_serves_the_api_under_instance_ha(stacked):
    uwsgi = stacked.ini('etc/masakari/masakari-api-uwsgi.ini')['uwsgi']
    assert uwsgi['module'] == 'masakari.wsgi.api:application'
    assert uwsgi['env'] == f'OS_MASAKARI_CONFIG_DIR={stacked.root}/etc/masakari'
    site = (stacked.root / 'etc/apache2/sites-available/masakari-api.conf')
    assert site.read_text().startswith(
        f'ProxyPass "/instance-ha" "unix:{uwsgi["socket"]}|')


def test_masakarimonitors_conf(stacked):
    conf = stacked.ini('etc/masakarimonitors/masakarimonitors.conf')
    assert dict(conf['api']) == {
        'auth_url': 'http://10.0.0.10/identity',
        'username': 'masakari',
        'password': 'servicepass',
        'project_name': 'service',
        'user_domain_id': 'default',
        'project_domain_id': 'default',
        'region': 'RegionOne',
    }
    process_list = stacked.root / 'etc/masakarimonitors/process_list.yaml'
    assert conf['process']['process_list_path'] == str(process_list)
    assert yaml.safe_load(process_list.read_text()) == []
    assert process_list.stat().st_mode & 0o777 == 0o644


def test_extra_phase_starts_api_engine_and_all_monitors(stacked):
    conf = '--config-file $ROOT/etc/masakari/masakari.conf'
    monitors_conf = ('--config-file '
                     '$ROOT/etc/masakarimonitors/masakarimonitors.conf')
    assert stacked.calls('stack extra') == [
        'recreate_database masakari',
        f'masakari-manage {conf} db sync',
        'get_or_create_project alt_demo default',
        'get_or_create_user alt_demo adminpass default',
        'get_or_create_user admin_alt_demo adminpass default',
        'get_or_add_user_project_role member alt_demo alt_demo',
        'get_or_add_user_project_role admin admin_alt_demo alt_demo',
        'run_process masakari-api $ROOT/bin/uwsgi --procname-prefix '
        'masakari-api --ini $ROOT/etc/masakari/masakari-api-uwsgi.ini',
        'wait_for_service 60 http://10.0.0.10/instance-ha',
        f'run_process masakari-engine $ROOT/bin/masakari-engine {conf}',
        'git_clone https://opendev.org/openstack/masakari-dashboard '
        '$ROOT/opt/stack/masakari-dashboard master',
        'setup_develop $ROOT/opt/stack/masakari-dashboard',
    ] + [f'run_process masakari-{monitor} $ROOT/bin/masakari-{monitor} '
         f'{monitors_conf}' for monitor in MONITORS]
    enabled = stacked.root / 'opt/stack/horizon/openstack_dashboard'
    assert os.readlink(enabled / 'local/enabled/_50_masakaridashboard.py') \
        == (f'{stacked.root}/opt/stack/masakari-dashboard/masakaridashboard/'
            'local/enabled/_50_masakaridashboard.py')


def test_unstack_removes_what_stack_created_and_clean_the_rest(tmp_path):
    node = Node(tmp_path)
    node.run(*STACK)
    created = node.files('etc', 'opt/stack/horizon')
    assert 'etc/masakari/masakari.conf' in created
    assert 'etc/apache2/sites-available/masakari-api.conf' in created
    assert len([path for path in created if 'horizon' in path]) == 3

    node.run('unstack')
    assert node.calls('unstack') == [
        'stop_process masakari-engine',
        'stop_process masakari-api',
        'remove_uwsgi_config $ROOT/etc/masakari/masakari-api-uwsgi.ini '
        'masakari-api',
        'sudo rm -rf $ROOT/etc/masakari/api-paste.ini '
        '$ROOT/etc/masakari/masakari.conf',
    ] + [f'stop_process masakari-{monitor}' for monitor in MONITORS] + [
        'sudo rm -rf $ROOT/etc/masakarimonitors/masakarimonitors.conf '
        '$ROOT/etc/masakarimonitors/process_list.yaml',
    ]
    assert node.files('etc', 'opt/stack/horizon') == []
    assert (tmp_path / 'etc/masakari').is_dir()

    node.run('clean')
    assert not (tmp_path / 'etc/masakari').exists()
    assert not (tmp_path / 'etc/masakarimonitors').exists()


def test_standalone_api_behind_tls_proxy(tmp_path):
    node = Node(tmp_path, MASAKARI_USE_MOD_WSGI='False',
                SERVICE_PROTOCOL='https',
                ENABLED_SERVICES='key,mysql,rabbit,n-cpu,tls-proxy')
    node.run(*STACK)
    conf = node.ini('etc/masakari/masakari.conf')['DEFAULT']
    bundle = f'{tmp_path}/opt/stack/data/ca-bundle.pem'
    assert conf['masakari_api_listen_port'] == '25868'
    assert conf['nova_ca_certificates_file'] == bundle
    assert not (tmp_path / 'etc/masakari/masakari-api-uwsgi.ini').exists()
    monitors = node.ini('etc/masakarimonitors/masakarimonitors.conf')
    assert monitors['api']['cafile'] == bundle
    assert monitors['api']['auth_url'] == 'https://10.0.0.10/identity'

    assert ('get_or_create_endpoint instance-ha RegionOne '
            'https://10.0.0.10:15868/v1/$(tenant_id)s'
            in node.calls('stack post-config'))
    extra = node.calls('stack extra')
    start = extra.index('run_process masakari-api $ROOT/bin/masakari-api '
                        '--config-file $ROOT/etc/masakari/masakari.conf')
    assert extra[start + 1:start + 3] == [
        'start_tls_proxy masakari * 15868 10.0.0.10 25868',
        'wait_for_service 60 https://10.0.0.10:15868',
    ]


def test_compute_node_runs_only_the_monitors(tmp_path):
    """A node where local.conf disables the API and the engine."""
    node = Node(tmp_path, ENABLED_SERVICES='n-cpu,rabbit',
                DISABLED_SERVICES='masakari-api,masakari-engine',
                MASAKARI_MONITORS_REPO='https://example.org/monitors.git')
    node.run(*STACK)
    warning, *install = node.calls('stack install')
    assert re.fullmatch(
        r'warn \d+ MASAKARI_MONITORS_REPO and MASAKARI_MONITORS_BRANCH are '
        r'ignored: the monitors are installed from \$ROOT/opt/stack/masakari',
        warning)
    assert install == ['setup_develop $ROOT/opt/stack/masakari monitors']
    assert not (tmp_path / 'etc/masakari').exists()
    assert [call.split()[:2] for call in node.calls('stack extra')] == [
        ['run_process', f'masakari-{monitor}'] for monitor in MONITORS]


def test_scripts_pass_bash_bashate_and_shellcheck():
    scripts = [str(path) for path in [*PLUGIN_FILES, HARNESS]]
    for script in scripts:
        subprocess.run(['bash', '-n', script], check=True)
    # E005 (no #!) fits a file devstack sources; E006 (line length) is
    # left out as in OpenStack's own bashate runs.
    bashate = subprocess.run(
        [str(VENV_BIN / 'bashate'), '--ignore', 'E005,E006', *scripts],
        capture_output=True, text=True)
    assert bashate.returncode == 0 and 'E0' not in bashate.stdout, \
        bashate.stdout
    shellcheck = subprocess.run(
        [str(VENV_BIN / 'shellcheck'), '--shell', 'bash', *scripts],
        capture_output=True, text=True)
    assert shellcheck.returncode == 0, shellcheck.stdout
