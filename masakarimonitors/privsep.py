"""Root privileges of the monitors: one oslo.privsep daemon per monitor.

A monitor that does not run as root starts the daemon with
``sudo privsep-helper ...`` (or ``[masakarimonitors_privileged]
helper_command``), the one command OpenStack-Ansible's sudoers rule lets the
masakari user run as root. The context's name, its config section and its
import path are upstream's, so existing sudoers/rootwrap rules and
``[masakarimonitors_privileged]`` settings keep working.

Only module-level names oslo.privsep needs live here: privsep-helper imports
this module, as root, to find the context.
"""
from oslo_config import cfg
from oslo_privsep import priv_context

# The daemon keeps no capability of its own: it only starts programs, and a
# program that uid 0 executes gets root's capabilities back at exec.
monitors_priv = priv_context.PrivContext(
    'masakarimonitors',
    cfg_section='masakarimonitors_privileged',
    pypath=__name__ + '.monitors_priv',
    capabilities=[],
)


def _file_args(conf: cfg.ConfigOpts) -> list[str]:
    args = []
    for path in conf.config_file or ():
        args += ['--config-file', path]
    for path in conf.config_dir or ():
        args += ['--config-dir', path]
    return args


def use_config_files_of(conf: cfg.ConfigOpts) -> None:
    """Load ``conf``'s configuration files into oslo.config's global CONF.

    oslo.privsep reads ``[masakarimonitors_privileged]`` from the global
    CONF and passes that object's files on to privsep-helper, while the
    monitors parse their own ConfigOpts. Does nothing when the global CONF
    already holds the same files.
    """
    args = _file_args(conf)
    try:
        if _file_args(cfg.CONF) == args:
            return
    except cfg.NoSuchOptError:  # the global CONF was never parsed
        pass
    cfg.CONF(args, project='masakarimonitors', default_config_files=[],
             default_config_dirs=[])
