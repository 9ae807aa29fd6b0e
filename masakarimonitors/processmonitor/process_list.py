"""Reading process_list.yaml."""
import os
import stat

import yaml
from oslo_log import log as logging

LOG = logging.getLogger('masakarimonitors.processmonitor.process')

KEYS = ('process_name', 'start_command', 'pre_start_command',
        'post_start_command', 'restart_command', 'pre_restart_command',
        'post_restart_command', 'run_as_root')
COMMAND_KEYS = KEYS[1:-1]


class InvalidProcessList(ValueError):
    pass


def load(path: str) -> list[dict] | None:
    """The list, or None after logging why it could not be read.

    An empty file loads as None too, silently, as upstream does.
    """
    try:
        with open(path) as stream:
            _check_not_writable_by_others(os.fstat(stream.fileno()))
            process_list = yaml.safe_load(stream)
        if process_list is not None:
            check_shape(process_list)
    except InvalidProcessList as e:
        LOG.error('Invalid process list file %s: %s.', path, e)
        return None
    except yaml.YAMLError as e:
        LOG.exception('YAMLError caught: %s', e)
        return None
    except Exception as e:
        LOG.exception('Exception caught: %s', e)
        return None
    if process_list is not None:
        LOG.debug('Loaded process list. %s', process_list)
    return process_list


def _check_not_writable_by_others(status: os.stat_result) -> None:
    # Whoever can edit the list chooses the commands the monitor runs,
    # as root for entries with run_as_root.
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise InvalidProcessList(
            'writable by users other than its owner (mode '
            f'{stat.S_IMODE(status.st_mode):04o}); its commands may run '
            'as root')


def check_shape(process_list: object) -> None:
    """Raises InvalidProcessList unless ``process_list`` is a list of
    entries, each with every key of KEYS and values of the right type.
    Without this, a mapping or an entry short of a key ends monitoring
    at the first entry read."""
    if not isinstance(process_list, list):
        raise InvalidProcessList('a list of processes is expected, not '
                                 f'{_kind(process_list)}')
    for number, entry in enumerate(process_list, 1):
        try:
            _check_entry(entry)
        except InvalidProcessList as e:
            raise InvalidProcessList(f'entry {number}: {e}') from None


def _check_entry(entry: object) -> None:
    if not isinstance(entry, dict):
        raise InvalidProcessList(f'a mapping is expected, not {_kind(entry)}')
    missing = [key for key in KEYS if key not in entry]
    if missing:
        raise InvalidProcessList(
            'missing key(s) ' + ', '.join(f"'{key}'" for key in missing))
    name = entry['process_name']
    if not isinstance(name, str) or not name:
        # An empty name is found in every process table: never down.
        raise InvalidProcessList('process_name must be a non-empty string')
    for key in COMMAND_KEYS:
        if entry[key] is not None and not isinstance(entry[key], str):
            raise InvalidProcessList(f'{key} must be a string or empty')
    # Upstream takes any true-looking value: a quoted 'False' ran as root.
    if entry['run_as_root'] not in (True, False, None):
        raise InvalidProcessList('run_as_root must be true or false')


def _kind(value: object) -> str:
    kinds = {dict: 'a mapping', list: 'a list', str: 'a string',
             bool: 'a boolean', int: 'a number', float: 'a number'}
    return kinds.get(type(value), f'a {type(value).__name__}')
