"""The generated files under etc/ are what the code generates today.

A failure names the stale files: run ``make samples`` and commit them.
The options of the libraries (oslo.messaging, keystonemiddleware...) are
left out of the comparison: a new release of one must not fail the tests.
"""
import collections
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OWN_NAMESPACES = {'masakari.conf', 'customized_recovery_flow_opts', 'masakarimonitors.conf'}

# A few lines each file must hold, so an empty or truncated generation fails.
EXPECTED_LINES = {
    'etc/masakari/masakari.conf.sample': [
        '#masakari_api_listen_port = 15868', '[taskflow]', '[coordination]',
        '[keystone_authtoken]', '[oslo_messaging_rabbit]', '#bindir = $PYTHON_PREFIX/local/bin'],
    'etc/masakari/policy.yaml.sample': [
        '#"os_masakari_api:notifications:create": "rule:admin_api"',
        '#"os_masakari_api:vmoves:index": "rule:admin_api"'],
    'etc/masakari/masakari-custom-recovery-methods.conf': [
        '[taskflow_driver_recovery_flows]',
        "host_rh_failure_recovery_tasks = main:['prepare_HA_enabled_instances_task', "
        "'evacuate_instances_task'],post:[],pre:['disable_compute_service_task']"],
    'etc/masakarimonitors/masakarimonitors.conf.sample': [
        '[libvirt]', '#connection_uri = qemu:///system', '[introspectiveinstancemonitor]',
        '#process_list_path = /etc/masakarimonitors/process_list.yaml',
        '#hostname = <HOSTNAME>'],
}


def own_parts(text: str) -> dict:
    """The text of each (section, namespace) block the project's own
    namespaces wrote; the whole text for a file with no such blocks."""
    if '# From ' not in text:
        return {None: text}
    parts = collections.defaultdict(list)
    section = namespace = None
    for line in text.splitlines():
        if re.fullmatch(r'\[\w+\]', line):
            section, namespace = line, None
        elif line.startswith('# From '):
            namespace = line.removeprefix('# From ')
        elif namespace in OWN_NAMESPACES:
            parts[section, namespace].append(line)
    return dict(parts)


def test_generated_files_are_current(tmp_path):
    written = subprocess.run(
        [sys.executable, 'tools/generate_samples.py', '--output-dir', str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=REPO).stdout.split()
    assert len(written) == len(EXPECTED_LINES)
    stale = []
    for relative, lines in EXPECTED_LINES.items():
        generated = (tmp_path / relative).read_text()
        for line in lines:
            assert line in generated.splitlines(), (relative, line)
        if own_parts((REPO / relative).read_text()) != own_parts(generated):
            stale.append(relative)
    assert not stale, f'stale generated files (run make samples): {stale}'
