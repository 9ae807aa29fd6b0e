"""How the monitors run an operator's command: directly, and
as root through an oslo.privsep daemon started by privsep-helper when the
monitor is not root, with the same results and error texts either way."""
import os

import pytest
from oslo_concurrency import processutils

from masakarimonitors import command
from masakarimonitors import privsep
from masakarimonitors.conf import CONF


def test_root_runs_commands_itself(monitors_conf):
    monitors_conf({})
    assert command.execute('id -u', run_as_root=True) == ('0\n', '')
    assert privsep.monitors_priv.channel is None


def test_not_root_runs_them_through_privsep_helper(monitors_conf, privsep_helper,
                                                   tmp_path):
    monitors_conf({'masakarimonitors_privileged': privsep_helper})
    assert command.execute('id -u', run_as_root=True) == ('0\n', '')
    # Run by the daemon, not by this process.
    stat, _ = command.execute('cat /proc/self/stat', run_as_root=True)
    assert int(stat.split()[3]) != os.getpid()
    # One daemon serves every command; it reads the monitor's config file.
    [call] = (tmp_path / 'privsep-helper.calls').read_text().splitlines()
    assert call.split()[:4] == ['--privsep_context',
                                'masakarimonitors.privsep.monitors_priv',
                                '--privsep_sock_path', call.split()[3]]
    assert call.split()[3].endswith('privsep.sock')


def test_default_helper_is_sudo_privsep_helper_on_the_monitor_config(monitors_conf):
    """What OpenStack-Ansible's sudoers rule allows: privsep-helper, found
    on sudo's secure_path, and nothing else."""
    config = monitors_conf({})
    privsep.use_config_files_of(CONF)
    assert privsep.monitors_priv.helper_command('/run/x.sock') == [
        'sudo', 'privsep-helper', '--config-file', str(config),
        '--privsep_context', 'masakarimonitors.privsep.monitors_priv',
        '--privsep_sock_path', '/run/x.sock']


@pytest.mark.parametrize('run_as_root', [False, True])
def test_failures_read_the_same(monitors_conf, privsep_helper, run_as_root):
    monitors_conf({'masakarimonitors_privileged': privsep_helper})
    with pytest.raises(processutils.ProcessExecutionError) as failed:
        command.execute('ls /nonexistent-dir', run_as_root=run_as_root)
    assert str(failed.value).splitlines()[:3] == [
        'Unexpected error while running command.',
        'Command: ls /nonexistent-dir', 'Exit code: 2']
    assert 'No such file or directory' in failed.value.stderr
    with pytest.raises(FileNotFoundError) as missing:
        command.execute('/nonexistent/program  --flag', run_as_root=run_as_root)
    assert str(missing.value) == \
        "[Errno 2] No such file or directory: '/nonexistent/program'"


@pytest.mark.parametrize('run_as_root', [False, True])
def test_secret_env_reaches_the_program_not_its_argv(monitors_conf,
                                                     privsep_helper,
                                                     run_as_root):
    monitors_conf({'masakarimonitors_privileged': privsep_helper})
    out, _ = command.execute('printenv IPMI_PASSWORD PATH',
                             run_as_root=run_as_root,
                             secret_env={'IPMI_PASSWORD': 'pass word'})
    password, path = out.splitlines()
    assert password == 'pass word' and path     # added to, not replacing
    with pytest.raises(processutils.ProcessExecutionError) as failed:
        command.execute('false', run_as_root=run_as_root,
                        secret_env={'IPMI_PASSWORD': 'pass word'})
    assert 'pass word' not in str(failed.value)
