"""[taskflow_driver_recovery_flows] options: the tasks of each recovery flow.

Operators usually keep them in masakari-custom-recovery-methods.conf. Each
option maps ``pre``, ``main`` and ``post`` to lists of task names registered
under the ``masakari.task_flow.tasks`` entry points.
"""
from oslo_config import cfg
from oslo_config import types

recovery_flows_group = cfg.OptGroup(
    'taskflow_driver_recovery_flows',
    title='Tasks of the taskflow driver recovery flows')

_TASK_LISTS = types.Dict(
    bounds=False,
    value_type=types.List(bounds=True, item_type=types.String(quotes=True)))


def _flow_opt(name: str, pre: list[str], main: list[str], post: list[str],
              help: str) -> cfg.Opt:
    return cfg.Opt(name, type=_TASK_LISTS,
                   default={'pre': pre, 'main': main, 'post': post},
                   help=help)


recovery_flow_opts = [
    _flow_opt('host_auto_failure_recovery_tasks',
              ['disable_compute_service_task'],
              ['prepare_HA_enabled_instances_task'],
              ['evacuate_instances_task'],
              'Tasks of the host failure flow for the auto and auto_priority '
              'recovery methods.'),
    _flow_opt('host_rh_failure_recovery_tasks',
              ['disable_compute_service_task'],
              ['prepare_HA_enabled_instances_task', 'evacuate_instances_task'],
              [],
              'Tasks of the host failure flow for the reserved_host and '
              'rh_priority recovery methods.'),
    _flow_opt('instance_failure_recovery_tasks',
              ['stop_instance_task'],
              ['start_instance_task'],
              ['confirm_instance_active_task'],
              'Tasks of the instance failure flow.'),
    _flow_opt('process_failure_recovery_tasks',
              ['disable_compute_node_task'],
              ['confirm_compute_node_disabled_task'],
              [],
              'Tasks of the process failure flow.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(recovery_flows_group)
    conf.register_opts(recovery_flow_opts, group=recovery_flows_group)


def list_opts():
    return {recovery_flows_group: recovery_flow_opts}
