"""The restart algorithm's command counts and the command result rule,
with commands and the process table replaced."""
import psutil
import pytest
from oslo_concurrency import processutils

from masakarimonitors.processmonitor import process_table
from masakarimonitors.processmonitor.process_handler import handle_process

ENTRY = {'process_name': '/usr/local/bin/nova-compute',
         'start_command': 'start', 'pre_start_command': 'pre_start',
         'post_start_command': 'post_start', 'restart_command': 'restart',
         'pre_restart_command': 'pre_restart',
         'post_restart_command': 'post_restart', 'run_as_root': True}


class Notifier:
    def __init__(self):
        self.sent = []

    def send_notification(self, retry_max, retry_interval, event):
        self.sent.append((retry_max, retry_interval, event))


class Commands:
    """Runs nothing; the named commands fail."""

    def __init__(self, failing=()):
        self.failing = set(failing)
        self.calls = []

    def __call__(self, cmd, run_as_root=False):
        self.calls.append(cmd)
        if cmd in self.failing:
            return '', 'it failed'
        return '', ''


@pytest.fixture
def handler_for(monitors_conf):
    def build(failing=(), retries=3, table=''):
        monitors_conf({'process': {'restart_retries': retries,
                                   'restart_interval': 0,
                                   'api_retry_max': 4,
                                   'api_retry_interval': 6}})
        commands, notifier = Commands(failing), Notifier()
        handler = handle_process.HandleProcess(
            notifier=notifier, execute=commands,
            snapshot=lambda: [(1, table)])
        handler.set_process_list([dict(ENTRY)])
        return handler, commands, notifier
    return build


@pytest.mark.parametrize('failing,calls', [
    ({'pre_restart'}, ['pre_restart'] * 4),
    ({'restart'}, ['pre_restart', 'restart'] * 4),
    ({'post_restart'}, ['pre_restart', 'restart', 'post_restart'] * 4),
])
def test_every_attempt_failing_notifies_once(handler_for, failing, calls):
    handler, commands, notifier = handler_for(failing)
    handler.restart_processes([ENTRY])
    assert commands.calls == calls
    [(retry_max, interval, event)] = notifier.sent
    assert (retry_max, interval) == (4, 6)
    assert event['notification']['type'] == 'PROCESS'
    assert event['notification']['payload'] == {
        'event': 'STOPPED', 'process_name': 'nova-compute'}
    assert handler.restart_failure_list == [ENTRY['process_name']]

    # Still down next cycle: not restarted, not reported again.
    commands.calls.clear()
    handler.restart_processes([ENTRY])
    assert commands.calls == [] and len(notifier.sent) == 1


def test_success_before_the_last_attempt_is_silent(handler_for):
    handler, commands, notifier = handler_for()
    handler.restart_processes([ENTRY])
    assert commands.calls == ['pre_restart', 'restart', 'post_restart']
    assert notifier.sent == [] and handler.restart_failure_list == []


def test_failed_pre_start_skips_start_and_post_start(handler_for):
    handler, commands, _ = handler_for({'pre_start'})
    handler.start_processes()
    assert commands.calls == ['pre_start']


def test_liveness_is_a_substring_of_the_whole_table(handler_for):
    # As upstream: the name may match any part of any line.
    handler, _, _ = handler_for(
        table='root 1 0 0 10:00 ? 00:00:00 tail /usr/local/bin/nova-compute.log')
    assert handler.monitor_processes() == []
    handler, _, _ = handler_for(table='root 1 0 0 10:00 ? 00:00:00 nova-api')
    assert handler.monitor_processes() == [ENTRY]


def test_command_result_rule(monitor_logs):
    def execute(cmd, run_as_root=False):
        if cmd == 'raises':
            raise processutils.ProcessExecutionError(
                exit_code=2, cmd='raises', stdout='', stderr='boom')
        return 'out', 'err' if cmd == 'warns' else ''
    handler = handle_process.HandleProcess(notifier=Notifier(),
                                           execute=execute)
    assert handler.execute_cmd('fine', False) is True
    # Output on stderr is a failure, as upstream counts it.
    assert handler.execute_cmd('warns', False) is False
    assert handler.execute_cmd('raises', False) is False
    messages = [(r.levelname, r.getMessage()) for r in monitor_logs.records]
    assert messages[:3] == [('INFO', "CMD 'fine' output stdout: out"),
                            ('INFO', "CMD 'warns' output stdout: out"),
                            ('WARNING', "CMD 'warns' output stderr: err")]
    level, text = messages[3]
    assert level == 'ERROR'
    assert text.startswith('Unexpected error while running command.\n'
                           'Command: raises\nExit code: 2\n')


def test_ps_table_lists_this_process_like_ps():
    rows = process_table.snapshot()
    text = process_table.text(rows)
    assert text.startswith('UID ')
    assert ' '.join(psutil.Process().cmdline()) in text


def test_real_commands_follow_the_rule(monitor_logs):
    handler = handle_process.HandleProcess(notifier=Notifier())
    assert handler.execute_cmd('/bin/echo  hello   world', False) is True
    assert handler.execute_cmd('/bin/false', False) is False
    assert handler.execute_cmd('/no/such/program', False) is False
    messages = [(r.levelname, r.getMessage()) for r in monitor_logs.records]
    assert messages[0] == ('INFO',
                           "CMD '/bin/echo  hello   world' output stdout: "
                           'hello world\n')
    assert messages[1] == ('ERROR', 'Unexpected error while running '
                           "command.\nCommand: /bin/false\nExit code: 1\n"
                           "Stdout: ''\nStderr: ''")
    assert messages[2][0] == 'ERROR'
    assert 'No such file or directory' in messages[2][1]
