"""[fencing] options: power a failed compute host off through its BMC, and
wait until the power-off is confirmed, before evacuating its instances.

The fence device of each host is described in ``devices_file`` (see
:mod:`masakari.fencing` and doc/source/fencing.rst).
"""
from oslo_config import cfg

fencing_group = cfg.OptGroup('fencing', title='Fencing of failed compute hosts')

fencing_opts = [
    cfg.BoolOpt('enabled', default=False,
                help='Power a failed host off through its fence device, and '
                     'wait until the power-off is confirmed, before '
                     'evacuating its instances. Off: hosts are evacuated '
                     'without fencing.'),
    cfg.StrOpt('devices_file', default='/etc/masakari/fencing.yaml',
               help='YAML file giving the fence device of each compute host '
                    '(driver, BMC address, credentials). It must be owned by '
                    'the service user and closed to group and others '
                    '(mode 0600 or 0400).'),
    cfg.FloatOpt('bmc_timeout', default=10, min=0.1,
                 help='Seconds one request to a BMC (power off, power on, '
                      'read the power state) may take before it counts as '
                      'unanswered.'),
    cfg.FloatOpt('power_off_timeout', default=30, min=0,
                 help='Seconds to wait, after asking a host\'s fence device '
                      'to power it off, for the device to report it off.'),
    cfg.FloatOpt('poll_interval', default=0.5, min=0.01,
                 help='Seconds between two readings of the power state while '
                      'waiting for a power-off.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(fencing_group)
    conf.register_opts(fencing_opts, group=fencing_group)


def list_opts():
    return {fencing_group: fencing_opts}
