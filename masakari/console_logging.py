"""Logging of every console script (masakari's and the monitors'): oslo.log
as configured, plus two things oslo.log does not do for a service run by
systemd with ``use_journal = true``:

- When journald cannot be reached (the ``systemd`` Python module, from
  systemd-python, is missing, or journald's socket is), oslo.log fails at
  start or drops every record without a word. Instead this says so once on
  stderr and logs to stderr.
- While no log handler writes to stderr (the logs go to the journal,
  syslog, a file or stdout), errors until the service has started are also
  written to stderr as one line each, so that whoever started it (a shell,
  Ansible, ``systemctl status``) sees why it stopped.
"""
import logging as std_logging
import os
import stat
import sys

from oslo_config import cfg
from oslo_log import handlers
from oslo_log import log as logging

JOURNAL_SOCKET = '/run/systemd/journal/socket'


def _program() -> str:
    return os.path.basename(sys.argv[0])


def journal_problem() -> str | None:
    """Why oslo.log cannot write to journald here, or None."""
    if handlers.journal is None:
        return ('the systemd Python module is not installed '
                '(pip install systemd-python)')
    try:
        if stat.S_ISSOCK(os.stat(JOURNAL_SOCKET).st_mode):
            return None
    except OSError:
        pass
    return f"journald's socket {JOURNAL_SOCKET} is missing"


class _StartupErrors(std_logging.StreamHandler):
    """Errors as one line on stderr: '<program>: <LEVEL>: <message>'."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setLevel(std_logging.ERROR)

    def format(self, record: std_logging.LogRecord) -> str:
        line = f'{_program()}: {record.levelname}: {record.getMessage()}'
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text = str(error).splitlines()
            line += f': {type(error).__name__}' + (f': {text[0]}' if text
                                                    else '')
        return line


_startup_handler: _StartupErrors | None = None


def setup(conf: cfg.ConfigOpts, project: str) -> None:
    """oslo.log's set-up from ``conf``, with the additions above."""
    global _startup_handler
    if conf.use_journal:
        problem = journal_problem()
        if problem is not None:
            print(f'{_program()}: use_journal is set but {problem}; logging '
                  f'to stderr instead.', file=sys.stderr)
            conf.set_override('use_journal', False)
            conf.set_override('use_stderr', True)
    logging.setup(conf, project)   # replaces every handler of the root
    root = std_logging.getLogger()
    _startup_handler = None
    if not any(getattr(h, 'stream', None) is sys.stderr
               for h in root.handlers):
        _startup_handler = _StartupErrors()
        root.addHandler(_startup_handler)


def started() -> None:
    """The service runs: errors go only where the logs are configured to."""
    global _startup_handler
    if _startup_handler is not None:
        std_logging.getLogger().removeHandler(_startup_handler)
        _startup_handler = None
