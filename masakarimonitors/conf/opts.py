"""Entry point of oslo-config-generator (namespace masakarimonitors.conf)."""
from masakarimonitors.conf import api
from masakarimonitors.conf import base
from masakarimonitors.conf import callback
from masakarimonitors.conf import consul
from masakarimonitors.conf import host
from masakarimonitors.conf import introspective
from masakarimonitors.conf import kubernetes
from masakarimonitors.conf import libvirt
from masakarimonitors.conf import process

_MODULES = (base, api, callback, libvirt, introspective, process, host,
            consul, kubernetes)


def list_opts() -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
