"""``masakari-manage scenario run`` as an operator runs it: the installed
console script, with the operator's masakari.conf read and the folder's
options on top."""
from tests.functional.test_manage import run

CLOUD = """
segments:
  - name: segment1
    hosts: [compute1, compute2]
servers:
  vm1: {host: compute1, metadata: {HA_Enabled: 'True'}}
"""


def scenario(tmp_path, config: str = ''):
    folder = tmp_path / 'rehearsal'
    folder.mkdir()
    (folder / 'README').write_text('compute1 dies with one HA server\n')
    (folder / 'cloud.yaml').write_text(config + CLOUD)
    (folder / 'events').write_text('0 host-down compute1\n0 notify host compute1\n')
    return folder


def test_a_first_run_writes_the_log_and_later_runs_compare(tmp_path):
    folder = scenario(tmp_path)
    conf = tmp_path / 'masakari.conf'
    conf.write_text('[DEFAULT]\nwait_period_after_service_update = 7\n')

    first = run('--config-file', str(conf), 'scenario', 'run', str(folder))
    assert first.returncode == 0, first.stderr
    written = (folder / 'expected.log').read_text()
    assert written.splitlines() == first.stdout.splitlines()[1:-1]
    assert ' nova evacuate ' in written and ' n1 running -> finished' in written

    again = run('--config-file', str(conf), 'scenario', 'run', str(folder))
    assert (again.returncode, again.stdout.count('\n+')) == (0, 0), again.stdout

    (folder / 'expected.log').write_text(written.replace('finished', 'failed'))
    changed = run('--config-file', str(conf), 'scenario', 'run', str(folder))
    assert changed.returncode == 1
    assert '+' + next(line for line in written.splitlines() if 'running -> finished' in line) \
        in changed.stdout


def test_the_folders_options_win_over_the_operators(tmp_path):
    folder = scenario(tmp_path, 'config:\n  DEFAULT:\n    wait_period_after_service_update: 3\n')
    conf = tmp_path / 'masakari.conf'
    conf.write_text('[DEFAULT]\nwait_period_after_service_update = 7\n')
    result = run('--config-file', str(conf), 'scenario', 'run', str(folder))
    assert 'Sleeping 3 sec before starting recovery thread' in result.stdout, result.stdout


def test_a_folder_with_a_mistake_says_where(tmp_path):
    folder = scenario(tmp_path)
    with (folder / 'events').open('a') as events:
        events.write('3 host-dwn compute1\n')
    result = run('--config-file', '/dev/null', 'scenario', 'run', str(folder))
    assert result.returncode == 1
    assert "events:" in result.stdout and "unknown event 'host-dwn'" in result.stdout
