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

