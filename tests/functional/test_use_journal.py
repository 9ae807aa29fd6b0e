"""``use_journal = true``, as OpenStack-Ansible renders it: the services log
to a real systemd-journald, a failure at start is also one line on stderr,
and without journald the logs go to stderr after one line saying so."""
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from tests.support import journald as jd

BIN = pathlib.Path(sys.executable).parent
MISSING_SOCKET = ("use_journal is set but journald's socket "
                  "/run/systemd/journal/socket is missing; logging to stderr "
                  "instead.")


@pytest.fixture
def journald(tmp_path):
    server = jd.Journald(tmp_path / 'journald.log').start()
    yield server
    server.stop()


def _masakari_conf(tmp_path: pathlib.Path, database: str, extra: str = '') -> str:
    path = tmp_path / 'masakari.conf'
    path.write_text(textwrap.dedent(f"""\
        [DEFAULT]
        use_journal = true
        transport_url = fake:/
        [database]
        connection = {database}
        [taskflow]
        connection = {database}
        """) + textwrap.dedent(extra))
    return str(path)


def _run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout)


def _messages(entries: list[dict]) -> list[str]:
    return [entry['MESSAGE'] for entry in entries]


def test_manage_logs_to_journald(journald, tmp_path):
    conf = _masakari_conf(tmp_path, f'sqlite:///{tmp_path}/m.sqlite')
    result = _run(journald.command(
        [str(BIN / 'masakari-manage'), '--config-file', conf, 'db', 'sync']))
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')
    entries = journald.wait_for(
        lambda found: any('Running upgrade' in m for m in _messages(found)),
        'SYSLOG_IDENTIFIER=masakari-manage')
    upgrade = [e for e in entries if 'Running upgrade' in e['MESSAGE']][0]
    assert upgrade['LOGGER_NAME'] == 'alembic.runtime.migration'
    assert upgrade['PRIORITY'] == '6'   # info


def test_manage_failure_is_on_stderr_and_in_the_journal(journald, tmp_path):
    conf = _masakari_conf(tmp_path, 'sqlite:////nonexistent/dir/m.sqlite')
    result = _run(journald.command(
        [str(BIN / 'masakari-manage'), '--config-file', conf, 'db', 'sync']))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'masakari-manage: CRITICAL: Unhandled error: DBNonExistentDatabase: '
        '(sqlite3.OperationalError) unable to open database file']
    entries = journald.wait_for(bool, 'SYSLOG_IDENTIFIER=masakari-manage',
                                'PRIORITY=2')
    assert [e['LOGGER_LEVEL'] for e in entries] == ['CRITICAL']
    assert 'Traceback' in entries[0]['EXCEPTION_INFO']


def test_manage_without_journald_logs_to_stderr(tmp_path):
    conf = _masakari_conf(tmp_path, 'sqlite:////nonexistent/dir/m.sqlite')
    result = _run(jd.without_journald(
        [str(BIN / 'masakari-manage'), '--config-file', conf, 'db', 'sync']))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f'masakari-manage: {MISSING_SOCKET}'
    assert result.stderr.count('use_journal is set') == 1
    # oslo.log's own lines, traceback included, follow on stderr.
    assert re.search(r' CRITICAL masakari \[-\] Unhandled error: '
                     r'oslo_db.exception.DBNonExistentDatabase', lines[1])
    assert 'ERROR masakari Traceback' in result.stderr


def test_without_the_systemd_module_logs_to_stderr(tmp_path):
    conf = _masakari_conf(tmp_path, f'sqlite:///{tmp_path}/m.sqlite')
    # The module made unimportable, as on a host without systemd-python.
    code = ('import sys; sys.modules["systemd"] = None; '
            'from masakari.cmd import manage; sys.argv[0] = "masakari-manage"; '
            'sys.exit(manage.main())')
    result = _run([sys.executable, '-c', code, '--config-file', conf,
                   'db', 'sync'])
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert lines[0] == (
        'masakari-manage: use_journal is set but the systemd Python module is '
        'not installed (pip install systemd-python); logging to stderr '
        'instead.')
    assert any('Running upgrade' in line for line in lines[1:])


def test_engine_failure_at_start(journald, tmp_path):
    conf = _masakari_conf(tmp_path, f'sqlite:///{tmp_path}/m.sqlite',
                          '[DEFAULT]\nnotification_driver = no_such_driver\n')
    result = _run(journald.command(
        [str(BIN / 'masakari-engine'), '--config-file', conf]))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        "masakari-engine: ERROR: Failed to load the notification driver "
        "'no_such_driver'")
    entries = journald.wait_for(bool, 'SYSLOG_IDENTIFIER=masakari-engine',
                                'PRIORITY=3')
    assert "'no_such_driver'" in entries[0]['MESSAGE']


def test_monitor_failure_at_start(journald, tmp_path):
    conf = tmp_path / 'masakarimonitors.conf'
    conf.write_text(f'[DEFAULT]\nuse_journal = true\n'
                    f'tempdir = {tmp_path}/missing\n')
    result = _run(journald.command(
        [str(BIN / 'masakari-processmonitor'), '--config-file', str(conf)]))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        'masakari-processmonitor: ERROR: Temporary directory is invalid: '
        f"[Errno 2] No such file or directory: '{tmp_path}/missing/")
    entries = journald.wait_for(
        bool, 'SYSLOG_IDENTIFIER=masakari-processmonitor', 'PRIORITY=3')
    assert 'Temporary directory is invalid' in entries[0]['MESSAGE']


def test_status_with_use_journal(tmp_path):
    # masakari-status reports on stdout and logs nothing: journald's absence
    # changes nothing.
    conf = _masakari_conf(tmp_path, f'sqlite:///{tmp_path}/m.sqlite')
    result = _run(jd.without_journald(
        [str(BIN / 'masakari-status'), '--config-file', conf,
         'upgrade', 'check']))
    assert result.returncode == 0, result.stderr
    assert 'Result: Success' in result.stdout
