"""Options of masakari-engine: waits, periodic tasks and the recovery rules
of each failure type ([host_failure], [instance_failure],
[process_failure])."""
from oslo_config import cfg

engine_opts = [
    cfg.IntOpt('wait_period_after_service_update', default=180,
               help='Seconds to wait after disabling a failed host\'s '
                    'compute service before evacuating; also how long a '
                    'process recovery waits for the service to show '
                    'disabled.'),
    cfg.IntOpt('wait_period_after_evacuation', default=90,
               help='Seconds to wait for an evacuated instance to land on '
                    'another host.'),
    cfg.IntOpt('verify_interval', default=1,
               help='Seconds between two polls of every wait loop.'),
    cfg.IntOpt('wait_period_after_power_off', default=180,
               help='Seconds to wait for an instance to stop.'),
    cfg.IntOpt('wait_period_after_power_on', default=60,
               help='Seconds to wait for an instance to become active.'),
    cfg.IntOpt('process_unfinished_notifications_interval', default=120,
               help='Seconds between two runs of the periodic task that '
                    'retries new and error notifications.'),
    cfg.IntOpt('retry_notification_new_status_interval', default=60,
               mutable=True,
               help='Age in seconds (of generated_time) after which a '
                    'notification still new is processed by the periodic '
                    'task.'),
    cfg.IntOpt('check_expired_notifications_interval', default=600,
               help='Seconds between two runs of the periodic task that '
                    'fails expired notifications.'),
    cfg.IntOpt('notification_heartbeat_interval', default=10, min=1,
               help='Seconds between two refreshes of the updated_at of a '
                    'running notification by the engine recovering it. '
                    'Without [coordination], another engine resumes a '
                    'running notification only once its updated_at has not '
                    'changed for three times this long.'),
    cfg.IntOpt('notifications_expired_interval', default=86400,
               help='Age in seconds (of generated_time) after which an '
                    'unfinished notification is failed.'),
    # Ten: one destination host's worth of rebuilds at Nova's default
    # max_concurrent_builds (10). More keep several destinations busy, but
    # requests Nova queues count against wait_period_after_evacuation.
    cfg.IntOpt('host_failure_recovery_threads', default=10, min=1,
               help='Instances of a failed host whose evacuation is in flight at '
                    'once; all of them are confirmed together, with one list of '
                    'the servers Nova changed every verify_interval.'),
]

host_failure_group = cfg.OptGroup('host_failure', title='Host failure recovery')
host_failure_opts = [
    cfg.BoolOpt('evacuate_all_instances', default=True,
                help='Evacuate instances without the HA metadata key too '
                     '(after those with it).'),
    cfg.StrOpt('ha_enabled_instance_metadata_key', default='HA_Enabled',
               help='Metadata key that marks an instance as HA enabled.'),
    cfg.BoolOpt('ignore_instances_in_error_state', default=False,
                help='Leave instances in error state on the failed host.'),
    cfg.BoolOpt('add_reserved_host_to_aggregate', default=False,
                help='Add the chosen reserved host to every aggregate of the '
                     'failed host.'),
    cfg.StrOpt('service_disable_reason', default='Masakari detected host failed.',
               help='Reason given to Nova when disabling the compute service '
                    'of a failed host.'),
    cfg.FloatOpt('mass_failure_share', default=0.0, min=0.0, max=1.0,
                 help='Hold the host recoveries of a segment when more than this '
                      'share of its hosts failed within mass_failure_window: many '
                      'hosts failing together is more likely a network partition or '
                      'a monitor fault than hardware, and fencing and evacuating '
                      'them would do harm. Held notifications stay new, with the '
                      'reason as their message, until "masakari-manage segment '
                      'release" (or they expire). 0 turns the guard off.'),
    cfg.IntOpt('mass_failure_window', default=300, min=1,
               help='Seconds within which host failures count together for '
                    'mass_failure_share.'),
]

instance_failure_group = cfg.OptGroup('instance_failure',
                                      title='Instance failure recovery')
instance_failure_opts = [
    cfg.BoolOpt('process_all_instances', default=False,
                help='Recover instances without the HA metadata key too.'),
    cfg.StrOpt('ha_enabled_instance_metadata_key', default='HA_Enabled',
               help='Metadata key that marks an instance as HA enabled.'),
]

process_failure_group = cfg.OptGroup('process_failure',
                                     title='Process failure recovery')
process_failure_opts = [
    cfg.StrOpt('service_disable_reason',
               default='Masakari detected process failed.',
               help='Reason given to Nova when disabling the compute service '
                    'of a host whose process failed.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(engine_opts)
    for group, opts in ((host_failure_group, host_failure_opts),
                        (instance_failure_group, instance_failure_opts),
                        (process_failure_group, process_failure_opts)):
        conf.register_group(group)
        conf.register_opts(opts, group=group)


def list_opts():
    return {'DEFAULT': engine_opts,
            host_failure_group: host_failure_opts,
            instance_failure_group: instance_failure_opts,
            process_failure_group: process_failure_opts}
