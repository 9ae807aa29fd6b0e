"""masakari-status upgrade check run as a real subprocess, as an operator
runs it before an upgrade. It reads configuration only."""
import json
import os
import subprocess
import sys

STATUS = os.path.join(os.path.dirname(sys.executable), 'masakari-status')
CHECK = 'Policy File JSON to YAML Migration'


def status(tmp_path, *args: str, conf: str = '') -> subprocess.CompletedProcess:
    conf_file = tmp_path / 'masakari.conf'
    conf_file.write_text(conf)
    # HOME is searched for the policy file too; keep the user's out of it.
    env = dict(os.environ, HOME=str(tmp_path))
    return subprocess.run([STATUS, '--config-file', str(conf_file), *args],
                          capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)


def absent_policy_conf(tmp_path) -> str:
    return f'[oslo_policy]\npolicy_file = {tmp_path / "absent" / "policy.yaml"}\n'


def test_success_without_policy_file(tmp_path):
    result = status(tmp_path, 'upgrade', 'check', conf=absent_policy_conf(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Upgrade Check Results' in result.stdout
    assert f'Check: {CHECK}' in result.stdout
    assert 'Result: Success' in result.stdout
    assert result.stdout.count('Check: ') == 1


def test_success_with_yaml_policy_file(tmp_path):
    (tmp_path / 'policy.yaml').write_text('"os_masakari_api:segments:index": "rule:admin_api"\n')

    result = status(tmp_path, 'upgrade', 'check')

    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Result: Success' in result.stdout


def test_failure_with_json_policy_file(tmp_path):
    # Found next to the config file, under the default name policy.yaml.
    (tmp_path / 'policy.yaml').write_text(
        '{"os_masakari_api:segments:index": "rule:admin_api"}')

    result = status(tmp_path, 'upgrade', 'check')

    assert result.returncode == 2
    assert 'Result: Failure' in result.stdout
    assert 'oslopolicy-convert-json-to-yaml' in result.stdout


def test_json_output(tmp_path):
    (tmp_path / 'policy.yaml').write_text('{}')

    result = status(tmp_path, 'upgrade', 'check', '--json')

    assert result.returncode == 2
    output = json.loads(result.stdout)
    assert output['name'] == 'Upgrade Check Results'
    [check] = output['checks']
    assert check['check'] == CHECK
    assert check['result'] == 2
    assert 'JSON-formatted' in check['details']


def test_json_output_success(tmp_path):
    result = status(tmp_path, 'upgrade', 'check', '--json', conf=absent_policy_conf(tmp_path))

    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        'name': 'Upgrade Check Results',
        'checks': [{'check': CHECK, 'result': 0, 'details': None}]}


def test_command_is_required(tmp_path):
    result = status(tmp_path)

    assert result.returncode == 2
    assert 'the following arguments are required: command' in result.stderr
