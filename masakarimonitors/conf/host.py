"""[host]: the hostmonitor manager and its drivers.

The first five options serve every driver; the rest belong to the default
(pacemaker/corosync) driver.
"""
from oslo_config import cfg
from oslo_config import types

host_opts = [
    cfg.StrOpt('monitoring_driver', default='default',
               help='Driver that hostmonitor uses for monitoring hosts '
                    '(entry point name in namespace hostmonitor.driver: '
                    'default, simple, consul, kubernetes).'),
    cfg.IntOpt('monitoring_interval', default=60,
               help='Monitoring interval(in seconds) of node status.'),
    cfg.IntOpt('monitoring_samples', default=1,
               help='Monitoring probes to collect before making the '
                    'decision to send a notification about the node '
                    'status.'),
    cfg.IntOpt('api_retry_max', default=12,
               help='Number of retries for send a notification in '
                    'hostmonitor.'),
    cfg.IntOpt('api_retry_interval', default=10,
               help='Interval between re-sending a notification in '
                    'hostmonitor(in seconds).'),
]

pacemaker_opts = [
    cfg.BoolOpt('disable_ipmi_check', default=False,
                help='Do not ask the failed host\'s IPMI whether its power '
                     'is off before notifying; report host_status NORMAL '
                     'instead. Needed with restrict_to_remotes.'),
    cfg.BoolOpt('restrict_to_remotes', default=False,
                help='Monitor only pacemaker-remote nodes (read from '
                     '"crm_mon -X") instead of every node of the CIB.'),
    cfg.IntOpt('ipmi_timeout', default=5,
               help='Timeout(in seconds) of one ipmitool power status '
                    'command.'),
    cfg.IntOpt('ipmi_retry_max', default=3,
               help='Number of retries of the ipmitool command.'),
    cfg.IntOpt('ipmi_retry_interval', default=10,
               help='Interval(in seconds) between ipmitool retries.'),
    cfg.IntOpt('stonith_wait', default=30,
               help='Time(in seconds) to wait for STONITH when no corosync '
                    'traffic is seen before reading the node states.'),
    cfg.IntOpt('tcpdump_timeout', default=5,
               help='Time(in seconds) tcpdump waits for one corosync '
                    'packet on an interface.'),
    cfg.ListOpt('corosync_multicast_interfaces',
                help='Interfaces corosync talks on, checked with tcpdump '
                     'in order; paired with corosync_multicast_ports.'),
    cfg.ListOpt('corosync_multicast_ports', item_type=types.Port(),
                help='Corosync ports, one for each interface of '
                     'corosync_multicast_interfaces.'),
    cfg.StrOpt('pacemaker_node_type', default='autodetect',
               choices=['autodetect', 'cluster', 'remote'],
               help='What this node is in the pacemaker cluster: '
                    '"cluster" (corosync and pacemaker), "remote" '
                    '(pacemaker_remote), or "autodetect" from systemctl.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(host_opts + pacemaker_opts, group='host')


def list_opts() -> dict:
    return {'host': host_opts + pacemaker_opts}
