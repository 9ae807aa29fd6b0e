"""The processmonitor's loop with real detached processes killed by
SIGKILL, and its notifications caught by a stub Masakari."""
import socket
import threading
import time

import pytest
import yaml

from masakarimonitors.ha import masakari
from masakarimonitors.processmonitor import process
from masakarimonitors.processmonitor import process_list
from tests.monitors import processes
from tests.monitors.daemon import wait_for
from tests.monitors.logs import log_messages

PROCESS_LOG = 'masakarimonitors.processmonitor.process'
HANDLER_LOG = 'masakarimonitors.processmonitor.process_handler.handle_process'


@pytest.fixture
def sleeper(tmp_path):
    sleeper = processes.Sleeper(tmp_path)
    yield sleeper
    sleeper.kill()


@pytest.fixture
def monitor(tmp_path, monitors_conf, stub):
    """Configures [process] and runs a manager's main() in a thread."""
    runs = []

    def run(entries, **process_options):
        list_path = tmp_path / 'process_list.yaml'
        list_path.write_text(yaml.safe_dump(entries))
        options = {'check_interval': 30, 'restart_retries': 3,
                   'restart_interval': 0, 'api_retry_max': 0,
                   'api_retry_interval': 0,
                   'process_list_path': list_path}
        options.update(process_options)
        monitors_conf({'process': options, 'api': stub.api_options()})
        manager = process.ProcessmonitorManager(
            host='h', notifier=masakari.SendNotification())
        thread = threading.Thread(target=manager.main, daemon=True)
        thread.start()
        runs.append((manager, thread))
        return manager, thread, list_path

    yield run
    for manager, thread in runs:
        manager.stop()
        thread.join(10)
        assert not thread.is_alive()


def test_killed_process_is_restarted_before_the_next_poll(
        sleeper, monitor, stub, monitor_logs):
    manager, thread, _ = monitor([sleeper.entry()], check_interval=30)
    first = sleeper.wait_for_pid()
    time.sleep(0.3)            # let the first check watch it
    killed_at = time.monotonic()
    sleeper.kill()
    second = sleeper.wait_for_pid(other_than={first})
    # Seen through the pidfd, not the 30 s poll.
    assert time.monotonic() - killed_at < 5
    assert second != first

    logged = log_messages(monitor_logs, HANDLER_LOG)
    assert ('INFO', f'Start of process with executing command: '
            f'{sleeper.start_script}') in logged
    assert ('WARNING', f"Process '{sleeper.process_name}' is not found.") \
        in logged
    assert ('INFO', f'Restart of process with executing command: '
            f'{sleeper.start_script}') in logged
    assert ('DEBUG', f"Process '{sleeper.process_name}' is found.") in logged
    assert stub.notifications == []       # the first attempt worked


def test_notification_after_every_restart_attempt_failed(
        sleeper, monitor, stub, monitor_logs, tmp_path):
    failing = sleeper.script('restart.sh', f"""\
        echo attempt >> {tmp_path}/attempts
        echo 'cannot restart' >&2
        """)
    manager, thread, _ = monitor(
        [sleeper.entry(restart_command=str(failing))],
        restart_retries=2, check_interval=1)
    sleeper.wait_for_pid()
    time.sleep(0.3)
    sleeper.kill()

    [notification] = stub.wait_for(1)
    body = notification['notification']
    assert body['type'] == 'PROCESS'
    assert body['hostname'] == socket.gethostname()
    assert body['payload'] == {'event': 'STOPPED',
                               'process_name': f'sleep {sleeper.seconds}'}
    assert (tmp_path / 'attempts').read_text().count('attempt') == 3

    suppressed = ('WARNING', f"Process '{sleeper.process_name}' doesn't be "
                  'restarted because it failed to restart previously.')
    wait_for(lambda: suppressed in log_messages(monitor_logs, HANDLER_LOG))
    logged = log_messages(monitor_logs, HANDLER_LOG)
    assert logged.count(('INFO', 'Restart of process with executing '
                         f'command: {failing}')) == 1
    assert ('WARNING', f"CMD '{failing}' output stderr: cannot restart\n") \
        in logged
    assert len(stub.notifications) == 1
    assert (tmp_path / 'attempts').read_text().count('attempt') == 3


def test_last_allowed_attempt_succeeding_still_notifies(
        sleeper, monitor, stub):
    # As upstream: with restart_retries = 0 every restart is reported.
    monitor([sleeper.entry()], restart_retries=0)
    first = sleeper.wait_for_pid()
    time.sleep(0.3)
    sleeper.kill()
    sleeper.wait_for_pid(other_than={first})
    [notification] = stub.wait_for(1)
    assert notification['notification']['payload']['process_name'] == \
        f'sleep {sleeper.seconds}'


def test_failed_pre_start_skips_the_start(sleeper, monitor, monitor_logs):
    manager, thread, _ = monitor([sleeper.entry(
        pre_start_command='/bin/false', restart_command='/bin/true')],
        check_interval=1, restart_retries=5)
    wait_for(lambda: ('INFO', 'Restart of process with executing command: '
                      '/bin/true') in log_messages(monitor_logs, HANDLER_LOG))
    assert sleeper.pids() == []
    messages = [text for _, text in log_messages(monitor_logs, HANDLER_LOG)]
    assert not any(text.startswith('Start of process') for text in messages)
    assert any(text.startswith('Unexpected error while running command.\n'
                               'Command: /bin/false\nExit code: 1')
               for text in messages)


@pytest.mark.parametrize('content,errors', [
    ('- process_name: [unclosed\n', ['YAMLError caught: ']),
    ('', []),
    (None, ['Exception caught: ']),
])
def test_unloadable_list_leaves_main(content, errors, tmp_path, monitors_conf,
                                     monitor_logs):
    path = tmp_path / 'process_list.yaml'
    if content is not None:
        path.write_text(content)
    monitors_conf({'process': {'process_list_path': path}})
    manager = process.ProcessmonitorManager(host='h')
    manager.main()             # returns at once: the monitor idles
    logged = log_messages(monitor_logs, PROCESS_LOG)
    assert [level for level, _ in logged] == ['ERROR'] * (len(errors) + 1)
    for (_, text), prefix in zip(logged, errors):
        assert text.startswith(prefix)
    assert logged[-1] == ('ERROR', 'Failed to load process list file.')


def _rerun(manager) -> threading.Thread:
    """What a SIGHUP does to the manager: stop, then main() again."""
    manager.stop()
    manager.reset()
    thread = threading.Thread(target=manager.main, daemon=True)
    thread.start()
    return thread


def test_broken_list_keeps_the_previous_one(sleeper, monitor, monitor_logs):
    manager, thread, list_path = monitor([sleeper.entry()], check_interval=1)
    first = sleeper.wait_for_pid()
    list_path.write_text('- {process_name: x\n')
    wait_for(lambda: ('ERROR', 'Failed to reload process list file.')
             in log_messages(monitor_logs, PROCESS_LOG))
    manager.stop()
    thread.join(10)
    thread = _rerun(manager)
    try:
        wait_for(lambda: ('ERROR', 'Failed to load process list file.')
                 in log_messages(monitor_logs, PROCESS_LOG))
        time.sleep(1.5)
        assert thread.is_alive()
        sleeper.kill()
        sleeper.wait_for_pid(other_than={first})
        assert any(text.startswith('YAMLError caught: ')
                   for _, text in log_messages(monitor_logs, PROCESS_LOG))
    finally:
        manager.stop()
        thread.join(10)


def _entry(**overrides) -> dict:
    entry = {key: None for key in process_list.KEYS}
    entry.update(process_name='/usr/sbin/x', start_command='start x',
                 restart_command='restart x', run_as_root=False)
    entry.update(overrides)
    return entry


@pytest.mark.parametrize('content,reason', [
    ({'process_name': 'x'}, 'a list of processes is expected, not a mapping'),
    (['x'], 'entry 1: a mapping is expected, not a string'),
    ([_entry(), {'process_name': 'y'}],
     "entry 2: missing key(s) 'start_command', 'pre_start_command', "
     "'post_start_command', 'restart_command', 'pre_restart_command', "
     "'post_restart_command', 'run_as_root'"),
    ([_entry(process_name='')], 'entry 1: process_name must be a '
     'non-empty string'),
    ([_entry(process_name=['x'])], 'entry 1: process_name must be a '
     'non-empty string'),
    ([_entry(restart_command=7)], 'entry 1: restart_command must be a '
     'string or empty'),
    ([_entry(run_as_root='False')], 'entry 1: run_as_root must be true or '
     'false'),
])
def test_list_of_the_wrong_shape_is_refused(content, reason, tmp_path,
                                            monitors_conf, monitor_logs):
    path = tmp_path / 'process_list.yaml'
    path.write_text(yaml.safe_dump(content))
    monitors_conf({'process': {'process_list_path': path}})
    process.ProcessmonitorManager(host='h').main()    # idles at once
    assert log_messages(monitor_logs, PROCESS_LOG) == [
        ('ERROR', f'Invalid process list file {path}: {reason}.'),
        ('ERROR', 'Failed to load process list file.')]


def test_extra_keys_and_empty_values_are_accepted(tmp_path):
    path = tmp_path / 'process_list.yaml'
    entries = [_entry(id=1, run_as_root=None), _entry(run_as_root=True)]
    path.write_text(yaml.safe_dump(entries))
    assert process_list.load(str(path)) == entries
    path.write_text('[]')
    assert process_list.load(str(path)) == []


@pytest.mark.parametrize('mode', [0o664, 0o646, 0o666])
def test_list_writable_by_others_is_refused(mode, tmp_path, monitors_conf,
                                            monitor_logs):
    path = tmp_path / 'process_list.yaml'
    path.write_text(yaml.safe_dump([_entry()]))
    path.chmod(mode)
    monitors_conf({'process': {'process_list_path': path}})
    process.ProcessmonitorManager(host='h').main()
    assert log_messages(monitor_logs, PROCESS_LOG) == [
        ('ERROR', f'Invalid process list file {path}: writable by users '
         f'other than its owner (mode {mode:04o}); its commands may run as '
         'root.'),
        ('ERROR', 'Failed to load process list file.')]


def test_wrong_shape_on_reload_keeps_the_previous_list(sleeper, monitor,
                                                       monitor_logs):
    manager, thread, list_path = monitor([sleeper.entry()], check_interval=1)
    first = sleeper.wait_for_pid()
    list_path.write_text(yaml.safe_dump({'process_name': 'x'}))
    wait_for(lambda: ('ERROR', 'Failed to reload process list file.')
             in log_messages(monitor_logs, PROCESS_LOG))
    sleeper.kill()
    sleeper.wait_for_pid(other_than={first})
    assert ('ERROR', f'Invalid process list file {list_path}: a list of '
            'processes is expected, not a mapping.') \
        in log_messages(monitor_logs, PROCESS_LOG)
