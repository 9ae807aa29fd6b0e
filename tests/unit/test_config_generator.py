"""The oslo.config.opts entry points produce the sample configurations."""
import subprocess
import sys
from pathlib import Path

GENERATOR = Path(sys.executable).parent / 'oslo-config-generator'


def generate(namespace: str) -> str:
    return subprocess.run([str(GENERATOR), '--namespace', namespace],
                          check=True, capture_output=True, text=True).stdout


def test_masakari_conf_namespace():
    sample = generate('masakari.conf')
    for line in ('#masakari_api_listen_port = 15868', '#notification_delay_max = 0',
                 '[taskflow]', '[coordination]'):
        assert line in sample
    assert '[taskflow_driver_recovery_flows]' not in sample


def test_recovery_flow_namespace():
    sample = generate('customized_recovery_flow_opts')
    assert "#instance_failure_recovery_tasks = main:['start_instance_task']," \
           "post:['confirm_instance_active_task'],pre:['stop_instance_task']" in sample
    assert '#process_failure_recovery_tasks = ' in sample


def test_masakarimonitors_sample_is_current(tmp_path):
    """etc/masakarimonitors/masakarimonitors.conf.sample is what the
    generator config produces today."""
    repo = Path(__file__).resolve().parents[2]
    generated = tmp_path / 'masakarimonitors.conf.sample'
    subprocess.run([str(GENERATOR), '--config-file',
                    'etc/masakarimonitors/masakarimonitors-config-generator.conf',
                    '--output-file', str(generated)],
                   check=True, cwd=repo)
    sample = generated.read_text()
    for line in ('[libvirt]', '#connection_uri = qemu:///system',
                 '[introspectiveinstancemonitor]', '#retry_max = 12',
                 '#process_list_path = /etc/masakarimonitors/process_list.yaml',
                 '#monitoring_driver = default', '#hostname = <HOSTNAME>',
                 '#auth_type = password'):
        assert line in sample
    committed = repo / 'etc/masakarimonitors/masakarimonitors.conf.sample'
    assert committed.read_text() == sample
