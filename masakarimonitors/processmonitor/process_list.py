"""Reading process_list.yaml (spec §6.1)."""
import yaml
from oslo_log import log as logging

LOG = logging.getLogger('masakarimonitors.processmonitor.process')

KEYS = ('process_name', 'start_command', 'pre_start_command',
        'post_start_command', 'restart_command', 'pre_restart_command',
        'post_restart_command', 'run_as_root')


def load(path: str) -> list[dict] | None:
    """The list, or None after logging why it could not be read.

    An empty file loads as None too, silently, as upstream does.
    """
    try:
        with open(path) as stream:
            process_list = yaml.safe_load(stream)
    except yaml.YAMLError as e:
        LOG.exception('YAMLError caught: %s', e)
        return None
    except Exception as e:
        LOG.exception('Exception caught: %s', e)
        return None
    if process_list is not None:
        LOG.debug('Loaded process list. %s', process_list)
    return process_list
